import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError, contentText, type Conversation, type Message } from "../shared/api";
import { formatTime } from "../shared/dates";
import type { AgentEvent } from "./socket";

function merge(list: Message[], more: Message[]): Message[] {
  const byId = new Map(list.map((m) => [m.id, m]));
  for (const m of more) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

export function ConversationView({
  id,
  subscribe,
}: {
  id: string;
  subscribe: (l: (e: AgentEvent) => void) => () => void;
}) {
  const { t, i18n } = useTranslation();
  const [conv, setConv] = useState<Conversation | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [text, setText] = useState("");
  const [note, setNote] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const bottom = useRef<HTMLDivElement>(null);
  const lastTyping = useRef(0);

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
  }, [id]);

  useEffect(() => {
    reload().catch((e) => setError(e instanceof ApiError ? e.code : "network"));
  }, [reload]);

  useEffect(
    () =>
      subscribe((e) => {
        if (e.conversation_id !== id) return;
        const m = e.data.message as Message | undefined;
        if (e.type === "message.created" && m?.id) setMessages((list) => merge(list, [m]));
        else
          void api<Conversation>(`/api/v1/conversations/${id}`)
            .then(setConv)
            .catch(() => undefined);
      }),
    [id, subscribe],
  );

  useEffect(() => {
    bottom.current?.scrollIntoView?.({ block: "end" });
  }, [messages.length]);

  async function send(e: FormEvent) {
    e.preventDefault();
    const body = text.trim();
    if (!body) return;
    setBusy(true);
    setError(null);
    try {
      const res = await api<{ message: Message; conversation?: Conversation }>(`/api/v1/conversations/${id}/messages`, {
        method: "POST",
        body: { text: body, visibility: note ? "internal" : "public", client_id: crypto.randomUUID() },
      });
      setText("");
      if (res?.message) setMessages((list) => merge(list, [res.message]));
      void reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.code : "network");
    } finally {
      setBusy(false);
    }
  }

  async function action(name: "resolve" | "reopen") {
    setError(null);
    try {
      await api(`/api/v1/conversations/${id}/${name}`, { method: "POST", body: {} });
      await reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.code : "network");
    }
  }

  const lng = i18n.resolvedLanguage ?? "en";
  return (
    <section className="conversation" data-testid="conversation-view" data-status={conv?.status}>
      <header className="conv-header">
        <span className={`badge status-${conv?.status ?? ""}`} data-testid="conversation-status">
          {conv ? t(`status.${conv.status}`) : ""}
        </span>
        <span className="spacer" />
        {conv && conv.status !== "resolved" && (
          <button type="button" onClick={() => void action("resolve")} data-testid="resolve">
            {t("conv.resolve")}
          </button>
        )}
        {conv?.status === "resolved" && (
          <button type="button" onClick={() => void action("reopen")} data-testid="reopen">
            {t("conv.reopen")}
          </button>
        )}
      </header>
      <ol className="messages" data-testid="messages">
        {messages.map((m) => {
          const body = contentText(m.content);
          return (
            <li
              key={m.id}
              className={`msg from-${m.sender.kind} ${m.visibility === "internal" ? "internal" : ""}`}
              data-testid="message"
            >
              <div className="meta">
                <span>{t(`conv.sender.${m.sender.kind}`)}</span>
                {m.visibility === "internal" && <span className="badge note">{t("conv.noteBadge")}</span>}
                <time>{formatTime(m.created_at, lng)}</time>
              </div>
              <div className="text" data-testid="message-text">
                {body ?? t("conv.unsupported", { type: m.content.type })}
              </div>
            </li>
          );
        })}
        <div ref={bottom} />
      </ol>
      {error && (
        <p role="alert" className="error">
          {t("conv.error", { code: error })}
        </p>
      )}
      <form className={`composer ${note ? "note" : ""}`} onSubmit={send}>
        <div className="mode">
          <button type="button" className={!note ? "active" : ""} onClick={() => setNote(false)} data-testid="mode-reply">
            {t("conv.reply")}
          </button>
          <button type="button" className={note ? "active" : ""} onClick={() => setNote(true)} data-testid="mode-note">
            {t("conv.note")}
          </button>
        </div>
        <textarea
          data-testid="reply-input"
          value={text}
          placeholder={note ? t("conv.notePlaceholder") : t("conv.replyPlaceholder")}
          onChange={(e) => typed(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey) {
              e.preventDefault();
              e.currentTarget.form?.requestSubmit();
            }
          }}
        />
        <button type="submit" disabled={busy || !text.trim()} data-testid="send">
          {t("conv.send")}
        </button>
      </form>
    </section>
  );
}
