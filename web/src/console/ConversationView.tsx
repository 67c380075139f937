import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { useHotkeys } from "react-hotkeys-hook";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import {
  answerSource,
  api,
  ApiError,
  contentText,
  errorText,
  guessLocale,
  type Conversation,
  type Message,
  type MessageContent,
  type SuggestedAnswers,
} from "../shared/api";
import { face, scaleKind } from "../shared/csat";
import { AttachButton, AttachmentPreview, uploadFile } from "../shared/attachments";
import { formatTime } from "../shared/dates";
import { RichText } from "../shared/RichText";
import { SlaClocks } from "./SlaClocks";
import type { Me } from "./App";
import { CannedList, useCannedPicker } from "./CannedPicker";
import { CollisionWarning } from "./Collision";
import { ContactPanel } from "./ContactPanel";
import { TicketPanel } from "./TicketPanel";
import { QaPanel } from "./QaPanel";
import { useDirectory } from "./directory";
import { EmojiPicker } from "./EmojiPicker";
import { MentionList, useMentionPicker, type Mentionable } from "./MentionPicker";
import type { AgentEvent } from "./socket";
import type { Watch } from "./Workspace";

/** A customer's answer to a `csat_request` message. */
interface CsatRating {
  id: string;
  request_message_id: string;
  rating: number;
  comment?: string | null;
}

function merge(list: Message[], more: Message[]): Message[] {
  const byId = new Map(list.map((m) => [m.id, m]));
  for (const m of more) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

export function ConversationView({
  id,
  me,
  subscribe,
  watch,
  back,
}: {
  id: string;
  me: Me;
  subscribe: (l: (e: AgentEvent) => void) => () => void;
  watch: Watch;
  back: string;
}) {
  const { t, i18n } = useTranslation();
  const dir = useDirectory();
  const [conv, setConv] = useState<Conversation | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [text, setText] = useState("");
  const [note, setNote] = useState(false);
  // Where the caret is (for the @ picker), and who the note mentions so far.
  const [caret, setCaret] = useState(0);
  const [mentioned, setMentioned] = useState<Mentionable[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [labelDraft, setLabelDraft] = useState("");
  const [transferTo, setTransferTo] = useState("");
  const [ratings, setRatings] = useState<CsatRating[]>([]);
  const [suggested, setSuggested] = useState<SuggestedAnswers | null>(null);
  // Agents who prefer the reply box to the suggestions keep them folded (remembered).
  const [assistOpen, setAssistOpen] = useState(() => localStorage.getItem("kefu.assist") !== "closed");
  function toggleAssist() {
    setAssistOpen((open) => {
      localStorage.setItem("kefu.assist", open ? "closed" : "open");
      return !open;
    });
  }
  const list = useRef<HTMLOListElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const [uploading, setUploading] = useState<{ name: string; percent: number } | null>(null);
  const lastTyping = useRef(0);
  const supervisor = me.role === "admin" || me.role === "supervisor";

  // Tell the visitor an agent is typing (replies only, at most every 3 s).
  function typed(value: string) {
    setText(value);
    const now = Date.now();
    if (note || !value.trim() || now - lastTyping.current < 3000) return;
    lastTyping.current = now;
    void api(`/api/v1/conversations/${id}/typing`, { method: "POST", body: { typing: true } }).catch(() => undefined);
  }

  const reload = useCallback(async () => {
    const [c, list] = await Promise.all([
      api<Conversation>(`/api/v1/conversations/${id}`),
      api<{ items: Message[] }>(`/api/v1/conversations/${id}/messages?latest=true&limit=200`),
    ]);
    setConv(c);
    setMessages((m) => merge(m, list.items));
    setRatings(await api<CsatRating[]>(`/api/v1/conversations/${id}/ratings`));
  }, [id]);

  const fail = useCallback((err: unknown) => setError(errorText(err) ?? t("conv.error", { code: "network" })), [t]);

  useEffect(() => {
    reload().catch(fail);
  }, [reload, fail]);

  // Agent assist: knowledge-base answers to the customer's last message.
  const loadSuggestions = useCallback(async () => {
    try {
      setSuggested(await api<SuggestedAnswers>(`/api/v1/conversations/${id}/suggested_answers`));
    } catch {
      setSuggested(null); // no bot or no knowledge base: nothing to suggest
    }
  }, [id]);

  useEffect(() => {
    setSuggested(null);
    void loadSuggestions();
  }, [loadSuggestions]);

  useEffect(
    () =>
      subscribe((e) => {
        if (e.conversation_id !== id) return;
        const m = e.data.message as Message | undefined;
        const rated = e.data.rating as CsatRating | undefined;
        if (e.type === "message.created" && m?.id) {
          setMessages((list) => merge(list, [m]));
          if (m.sender.kind === "contact") void loadSuggestions();
        }
        else if (e.type === "conversation.rated" && rated?.id)
          setRatings((list) => [...list.filter((r) => r.id !== rated.id), rated]);
        else if (e.type === "conversation.redacted")
          // Erased (privacy request or retention): what is on screen is gone too.
          void api<{ items: Message[] }>(`/api/v1/conversations/${id}/messages?latest=true&limit=200`)
            .then((l) => setMessages(l.items))
            .catch(() => setMessages([]));
        else
          void api<Conversation>(`/api/v1/conversations/${id}`)
            .then(setConv)
            .catch(() => undefined);
      }),
    [id, subscribe, loadSuggestions],
  );

  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length]);

  async function send(e?: FormEvent) {
    e?.preventDefault();
    const body = text.trim();
    if (!body || busy) return;
    setBusy(true);
    setError(null);
    // Only the people still named in the text: a deleted `@Name` mentions nobody.
    const mentions = note ? [...new Set(mentioned.filter((m) => body.includes(`@${m.name}`)).map((m) => m.user_id))] : [];
    try {
      const res = await api<{ message: Message; conversation?: Conversation }>(`/api/v1/conversations/${id}/messages`, {
        method: "POST",
        body: {
          text: body,
          visibility: note ? "internal" : "public",
          client_id: crypto.randomUUID(),
          ...(mentions.length ? { mentions } : {}),
        },
      });
      setText("");
      setMentioned([]);
      if (res?.message) setMessages((list) => merge(list, [res.message]));
      void reload();
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  }

  /** Uploads a file to this conversation, then sends it as a reply or a note. */
  async function attach(file: File) {
    setError(null);
    setUploading({ name: file.name, percent: 0 });
    try {
      const attachmentId = await uploadFile("/api/v1/attachments", file, { fields: { conversation_id: id } }, (percent) =>
        setUploading({ name: file.name, percent }),
      );
      const res = await api<{ message: Message }>(`/api/v1/conversations/${id}/messages`, {
        method: "POST",
        body: {
          content: { type: "attachment", attachment_id: attachmentId },
          visibility: note ? "internal" : "public",
          client_id: crypto.randomUUID(),
        },
      });
      if (res?.message) setMessages((list) => merge(list, [res.message]));
      void reload();
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 0;
      if (status === 413) setError(t("conv.tooLarge"));
      else if (status === 415) setError(t("conv.typeRefused"));
      else fail(err);
    } finally {
      setUploading(null);
    }
  }

  /** Runs one change; the server's answer replaces the conversation shown. */
  async function change(path: string, method: string, body: unknown, done?: string) {
    setError(null);
    setInfo(null);
    try {
      const c = await api<Conversation | undefined>(`/api/v1/conversations/${id}${path}`, { method, body });
      if (c && typeof c === "object" && "id" in c) setConv(c);
      else await reload();
      if (done) setInfo(done);
      return true;
    } catch (err) {
      fail(err);
      return false;
    }
  }

  // `/code` in the reply box: the chosen response replaces what was typed.
  const canned = useCannedPicker(id, text, (filled) => {
    setText(filled);
    requestAnimationFrame(() => {
      input.current?.focus();
      input.current?.setSelectionRange(filled.length, filled.length);
    });
  });

  // `@name` in a private note: the chosen colleague is named and notified.
  const mention = useMentionPicker(id, note, text, caret, (next, at, who) => {
    setText(next);
    setCaret(at);
    setMentioned((list) => (list.some((m) => m.user_id === who.user_id) ? list : [...list, who]));
    requestAnimationFrame(() => {
      input.current?.focus();
      input.current?.setSelectionRange(at, at);
    });
  });
  const mentionNames = [...new Set([...dir.users.map((u) => u.name), ...mention.names])];

  const resolve = () => change("/resolve", "POST", {});
  useHotkeys("e", () => void (conv && conv.status !== "resolved" && resolve()), [conv]);
  useHotkeys(
    "r",
    (e) => {
      e.preventDefault();
      input.current?.focus();
    },
    [],
  );

  function setLabels(labels: string[]) {
    void change("", "PATCH", { labels });
  }
  function addLabel(e: FormEvent) {
    e.preventDefault();
    const l = labelDraft.trim().toLowerCase();
    if (!l || !conv) return;
    setLabelDraft("");
    if (!conv.labels.includes(l)) setLabels([...conv.labels, l]);
  }

  async function transfer(e: FormEvent) {
    e.preventDefault();
    const [kind, target] = transferTo.split(":");
    if (!target) return;
    const ok = await change("/transfer", "POST", kind === "team" ? { team_id: target } : { agent_id: target }, t("conv.transferDone"));
    if (ok) setTransferTo("");
  }

  /** Puts a suggested answer into the reply box, after what is there; never sends. */
  function insertAnswer(answer: string) {
    const next = text.trim() ? `${text.trimEnd()}\n\n${answer}` : answer;
    setNote(false);
    setText(next);
    requestAnimationFrame(() => {
      input.current?.focus();
      input.current?.setSelectionRange(next.length, next.length);
    });
  }

  function insertEmoji(emoji: string) {
    const el = input.current;
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? text.length;
    const next = text.slice(0, start) + emoji + text.slice(end);
    setText(next);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + emoji.length, start + emoji.length);
    });
  }

  const lng = i18n.resolvedLanguage ?? "en";
  const mineOrFree = !conv?.assignee_id || conv.assignee_id === me.user.id;
  return (
    <div className="conversation-layout">
      <section className="conversation" data-testid="conversation-view" data-status={conv?.status} aria-label={t("list.untitled")}>
        <header className="conv-header">
          <Link to={back} className="back" data-testid="back">
            ← {t("nav.back")}
          </Link>
          <span className={`badge status-${conv?.status ?? ""}`} data-testid="conversation-status">
            {conv ? t(`status.${conv.status}`) : ""}
          </span>
          {conv && (
            <span className="conv-meta">
              {t("conv.inbox")}: {dir.inboxName(conv.inbox_id) ?? "—"}
              {conv.team_id && ` · ${t("conv.team")}: ${dir.teamName(conv.team_id) ?? "—"}`}
            </span>
          )}
          <SlaClocks conversationId={id} subscribe={subscribe} />
          <span className="spacer" />
          {conv && conv.status !== "resolved" && (
            <button type="button" onClick={() => void resolve()} data-testid="resolve">
              {t("conv.resolve")}
            </button>
          )}
          {conv?.status === "resolved" && (
            <button type="button" onClick={() => void change("/reopen", "POST", {})} data-testid="reopen">
              {t("conv.reopen")}
            </button>
          )}
        </header>
        <CollisionWarning conversationId={id} meId={me.user.id} watch={watch} />
        {conv && (
          <div className="conv-tools">
            <div className="assign" data-testid="assignee">
              <span className="tool-label">{t("conv.assignee")}:</span>{" "}
              <strong data-testid="assignee-name">{dir.userName(conv.assignee_id) ?? t("conv.unassigned")}</strong>
              {conv.assignee_id !== me.user.id && (mineOrFree || supervisor) && (
                <button type="button" onClick={() => void change("/assign", "POST", { assignee_id: me.user.id })} data-testid="assign-me">
                  {t("conv.assignMe")}
                </button>
              )}
              {supervisor && (
                <label>
                  <span className="sr-only">{t("conv.assignTo")}</span>
                  <select
                    aria-label={t("conv.assignTo")}
                    data-testid="assign-select"
                    value={conv.assignee_id ?? ""}
                    onChange={(e) => void change("/assign", "POST", { assignee_id: e.target.value || null })}
                  >
                    <option value="">{t("conv.unassigned")}</option>
                    {dir.users.map((u) => (
                      <option key={u.user_id} value={u.user_id}>
                        {u.name || u.email}
                      </option>
                    ))}
                  </select>
                </label>
              )}
            </div>
            {(mineOrFree || supervisor) && (
              <form className="transfer" onSubmit={transfer}>
                <label>
                  <span className="sr-only">{t("conv.transferTo")}</span>
                  <select
                    aria-label={t("conv.transferTo")}
                    data-testid="transfer-select"
                    value={transferTo}
                    onChange={(e) => setTransferTo(e.target.value)}
                  >
                    <option value="">{t("conv.transferPick")}</option>
                    {dir.teams.map((tm) => (
                      <option key={tm.id} value={`team:${tm.id}`}>
                        {t("conv.transferTeam", { name: tm.name })}
                      </option>
                    ))}
                    {dir.users
                      .filter((u) => u.user_id !== conv.assignee_id)
                      .map((u) => (
                        <option key={u.user_id} value={`agent:${u.user_id}`}>
                          {t("conv.transferAgent", { name: u.name || u.email })}
                        </option>
                      ))}
                  </select>
                </label>
                <button type="submit" disabled={!transferTo} data-testid="transfer">
                  {t("conv.transfer")}
                </button>
              </form>
            )}
            <div className="labels" data-testid="labels">
              <span className="tool-label">{t("conv.labels")}:</span>
              {conv.labels.length === 0 && <span className="muted">{t("conv.noLabels")}</span>}
              <ul className="chips">
                {conv.labels.map((l) => (
                  <li key={l} className="chip" data-testid="label">
                    <span>{l}</span>
                    <button
                      type="button"
                      aria-label={t("conv.removeLabel", { label: l })}
                      title={t("conv.removeLabel", { label: l })}
                      data-testid={`remove-label-${l}`}
                      onClick={() => setLabels(conv.labels.filter((x) => x !== l))}
                    >
                      ×
                    </button>
                  </li>
                ))}
              </ul>
              <form onSubmit={addLabel} className="add-label">
                <input
                  aria-label={t("conv.addLabel")}
                  placeholder={t("conv.addLabel")}
                  data-testid="label-input"
                  value={labelDraft}
                  onChange={(e) => setLabelDraft(e.target.value)}
                />
                <button type="submit" data-testid="label-add" disabled={!labelDraft.trim()}>
                  {t("conv.addLabelButton")}
                </button>
              </form>
            </div>
          </div>
        )}
        {/* Focusable so keyboard users can scroll the history. */}
        <ol className="messages" data-testid="messages" ref={list} tabIndex={0} aria-label={t("list.untitled")}>
          {messages.map((m) => {
            const body = contentText(m.content);
            const internal = m.visibility === "internal";
            return (
              <li key={m.id} className={`msg from-${m.sender.kind} ${internal ? "internal" : ""}`} data-testid="message">
                <div className="meta">
                  <span>
                    {m.sender.kind === "agent" ? (dir.userName(m.sender.id) ?? t("conv.sender.agent")) : t(`conv.sender.${m.sender.kind}`)}
                  </span>
                  {internal && <span className="badge note">🔒 {t("conv.noteBadge")}</span>}
                  <time>{formatTime(m.created_at, lng)}</time>
                </div>
                {m.content.type === "attachment" ? (
                  <div className="attachment">
                    <AttachmentPreview
                      path={`/api/v1/attachments/${encodeURIComponent(String(m.content.attachment_id))}`}
                      fallback={t("conv.file")}
                      testid={{ image: "console-image", file: "console-file" }}
                    />
                    {body && (
                      <div className="text" data-testid="message-text">
                        {body}
                      </div>
                    )}
                  </div>
                ) : m.content.type === "answer" ? (
                  <AnswerBody content={m.content} />
                ) : m.content.type === "redacted" ? (
                  <div className="text redacted" data-testid="message-text">
                    {t("conv.redacted")}
                  </div>
                ) : (
                  <div className="text" data-testid="message-text">
                    {typeof m.content.code === "string" && m.content.code.startsWith("handoff_") ? (
                      t(`conv.handoff.${m.content.code}`, { defaultValue: t("conv.handoff.other") })
                    ) : body !== null && (m.sender.kind === "agent" || m.sender.kind === "bot") ? (
                      <RichText text={body} newTab={t("conv.opensNewTab")} mentions={internal ? mentionNames : undefined} />
                    ) : (
                      (body ?? t("conv.unsupported", { type: m.content.type }))
                    )}
                  </div>
                )}
                {m.content.type === "quick_replies" && Array.isArray(m.content.options) && (
                  <ul className="offered" aria-label={t("conv.offered")} data-testid="offered">
                    {(m.content.options as { title?: unknown }[]).map((o, i) => (
                      <li key={i}>{typeof o.title === "string" ? o.title : ""}</li>
                    ))}
                  </ul>
                )}
                {m.content.type === "csat_request" && (
                  <CsatResult rating={ratings.find((r) => r.request_message_id === m.id)} scale={m.content.scale} />
                )}
              </li>
            );
          })}
        </ol>
        {suggested && suggested.items.length > 0 && (
          <section className="assist" aria-labelledby="assist-title" data-testid="suggested-answers">
            <div className="assist-head">
              <h2 id="assist-title">
                {t("conv.assist")} ({suggested.items.length})
              </h2>
              <button type="button" className="link" aria-expanded={assistOpen} aria-controls="assist-body" onClick={toggleAssist} data-testid="assist-toggle">
                {assistOpen ? t("conv.assistHide") : t("conv.assistShow")}
              </button>
            </div>
            <div id="assist-body" hidden={!assistOpen}>
              <p className="hint">
                {t("conv.assistHint")}
                {typeof suggested.confidence === "number" && (
                  <span data-testid="suggested-confidence"> ({t("conv.confidence", { percent: Math.round(suggested.confidence * 100) })})</span>
                )}
              </p>
              <ul>
                {suggested.items.map((s, i) => (
                  <li key={`${s.entry_id}-${i}`} data-testid="suggested-answer" data-kind={s.kind ?? "faq"}>
                    <div className="assist-item">
                      {s.kind === "article" && <span className="badge">{t("admin.kb.kinds.article")}</span>}{" "}
                      <strong id={`assist-q-${i}`} lang={guessLocale(s.question)}>
                        {s.question}
                      </strong>
                      <p className="assist-answer" lang={guessLocale(s.answer)}>
                        {s.answer}
                      </p>
                    </div>
                    <button
                      type="button"
                      aria-describedby={`assist-q-${i}`}
                      onClick={() => insertAnswer(s.answer)}
                      data-testid="suggested-insert"
                    >
                      {t("conv.insert")}
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          </section>
        )}
        {error && (
          <p role="alert" className="error" data-testid="conv-error">
            {error}
          </p>
        )}
        {info && (
          <p role="status" className="info">
            {info}
          </p>
        )}
        <form className={`composer ${note ? "note" : ""}`} onSubmit={send}>
          <div className="mode">
            <button type="button" className={!note ? "active" : ""} aria-pressed={!note} onClick={() => setNote(false)} data-testid="mode-reply">
              {t("conv.reply")}
            </button>
            <button type="button" className={note ? "active" : ""} aria-pressed={note} onClick={() => setNote(true)} data-testid="mode-note">
              🔒 {t("conv.note")}
            </button>
            <EmojiPicker onPick={insertEmoji} />
            <AttachButton
              label={t("conv.attach")}
              disabled={uploading != null}
              onFile={(f) => void attach(f)}
              testid={{ button: "attach", input: "file-input" }}
            />
            {uploading && (
              <span className="uploading" role="status" data-testid="uploading">
                <progress max={100} value={uploading.percent} aria-label={uploading.name} />{" "}
                {t("conv.uploading", { name: uploading.name, percent: uploading.percent })}
              </span>
            )}
          </div>
          <CannedList picker={canned} />
          <MentionList picker={mention} />
          <textarea
            ref={input}
            data-testid="reply-input"
            aria-label={note ? t("conv.note") : t("conv.reply")}
            aria-describedby="send-hint"
            value={text}
            placeholder={note ? t("conv.notePlaceholder") : t("conv.replyPlaceholder")}
            onChange={(e) => {
              typed(e.target.value);
              setCaret(e.target.selectionStart ?? e.target.value.length);
            }}
            onSelect={(e) => setCaret(e.currentTarget.selectionStart ?? 0)}
            onKeyDown={(e) => {
              if (mention.onKey(e)) return;
              if (canned.onKey(e)) return;
              if (e.key === "Enter" && (e.ctrlKey || e.metaKey || !e.shiftKey)) {
                e.preventDefault();
                void send();
              }
            }}
          />
          <button type="submit" disabled={busy || !text.trim()} data-testid="send">
            {t("conv.send")}
          </button>
          <span id="send-hint" className="hint">
            {t("conv.sendHint")}
          </span>
        </form>
      </section>
      {conv && (
        <ContactPanel contactId={conv.contact_id} conversationId={conv.id} admin={me.role === "admin"}>
          <TicketPanel conv={conv} onChange={setConv} />
          <QaPanel
            conv={conv}
            me={me}
            messageText={(id) => {
              const m = messages.find((x) => x.id === id);
              return m ? contentText(m.content) : null;
            }}
          />
        </ContactPanel>
      )}
    </div>
  );
}

/** The bot's answer: its text with links, and the entry it came from with the bot's confidence. */
function AnswerBody({ content }: { content: MessageContent }) {
  const { t } = useTranslation();
  const source = answerSource(content);
  return (
    <>
      <div className="text" data-testid="message-text">
        <RichText text={typeof content.text === "string" ? content.text : ""} newTab={t("conv.opensNewTab")} />
      </div>
      {source && (
        <p className="answer-source" data-testid="answer-source">
          {t("conv.answerFrom")}{" "}
          <Link to={`/admin/kb/${encodeURIComponent(source.entry_id)}`} lang={guessLocale(source.question)}>
            {source.question}
          </Link>
          {Number.isFinite(source.confidence) && (
            <span data-testid="answer-confidence">
              {" · "}
              {t("conv.confidence", { percent: Math.round(source.confidence * 100) })}
            </span>
          )}
        </p>
      )}
    </>
  );
}

/** The customer's rating under its request, or that it is still awaited; drawn on the scale it was asked on. */
function CsatResult({ rating, scale }: { rating: CsatRating | undefined; scale: unknown }) {
  const { t } = useTranslation();
  if (!rating) return <p className="csat-result muted">{t("csat.awaiting")}</p>;
  const emoji = scaleKind(scale) === "emoji";
  return (
    <p className="csat-result" data-testid="csat-result" data-scale={emoji ? "emoji" : "stars"}>
      <span aria-hidden="true">{emoji ? face(rating.rating) : "★".repeat(rating.rating) + "☆".repeat(5 - rating.rating)} </span>
      {t("csat.rating", { rating: rating.rating })}
      {emoji && ` (${t(`csat.faces.${rating.rating}`)})`}
      {rating.comment && <q data-testid="csat-comment">{rating.comment}</q>}
    </p>
  );
}
