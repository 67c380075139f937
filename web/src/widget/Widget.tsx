import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError, wsUrl, type Message } from "../shared/api";
import { AttachButton, uploadFile } from "../shared/attachments";
import { formatTime } from "../shared/dates";
import { LanguageSwitcher } from "../shared/LanguageSwitcher";
import { Author, MessageBody, PreChat, preChatNeeded, type PreChatSettings, type Profile, type Rating } from "./parts";

interface Session {
  token: string;
  conversation: { id: string; last_seq: number } | null;
  contact?: Profile;
  inbox: { id: string; name: string; settings?: { pre_chat?: PreChatSettings } };
}

/** The conversation as the widget follows it (`GET /widget/conversation`). */
interface ConversationInfo {
  status: string | null;
  queue_position: number | null;
  /** Pushed live with the position (`queue_status` frames); null when unknown. */
  estimated_wait_s: number | null;
  ratings: Rating[];
}

/** Minutes of an estimated wait as the visitor reads it: 0 means under a minute. */
function waitMinutes(seconds: number | null): number | null {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return null;
  return seconds < 60 ? 0 : Math.round(seconds / 60);
}

/** A message on its way: shown at once, retried with the same idempotency key. */
interface Outgoing {
  client_id: string;
  text: string;
  failed: boolean;
}

interface Upload {
  name: string;
  percent: number;
}

function merge(list: Message[], more: Message[]): Message[] {
  const byId = new Map(list.map((m) => [m.id, m]));
  for (const m of more) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

const storageKey = (inbox: string) => `kefu.visitor.${inbox}`;

/**
 * The visitor token, so a reload resumes the conversation. Browsers often
 * block storage in third-party frames, so the loader also keeps it in the
 * host page's storage and hands it over in the URL fragment (never sent to
 * any server).
 */
function readToken(inbox: string): string | undefined {
  try {
    const stored = localStorage.getItem(storageKey(inbox));
    if (stored) return stored;
  } catch {
    /* storage blocked in this frame */
  }
  return new URLSearchParams(location.hash.slice(1)).get("vt") ?? undefined;
}

function saveToken(inbox: string, token: string) {
  try {
    localStorage.setItem(storageKey(inbox), token);
  } catch {
    /* storage blocked in this frame: the loader keeps it */
  }
  if (window.parent !== window) window.parent.postMessage({ type: "kefu:token", inbox, token }, "*");
}

export function Widget({ inboxId }: { inboxId: string }) {
  const { t, i18n } = useTranslation();
  const [session, setSession] = useState<Session | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [hasConversation, setHasConversation] = useState(false);
  const [text, setText] = useState("");
  const [typing, setTyping] = useState(false);
  const [failed, setFailed] = useState(false);
  const [info, setInfo] = useState<ConversationInfo>({
    status: null,
    queue_position: null,
    estimated_wait_s: null,
    ratings: [],
  });
  const [outgoing, setOutgoing] = useState<Outgoing[]>([]);
  const [uploading, setUploading] = useState<Upload | null>(null);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const [profile, setProfile] = useState<Profile | undefined>(undefined);
  const lastSeq = useRef(0);
  const list = useRef<HTMLOListElement>(null);

  const add = useCallback((more: Message[]) => {
    for (const m of more) lastSeq.current = Math.max(lastSeq.current, m.seq);
    setMessages((list) => merge(list, more));
  }, []);

  // Start or resume the visitor session.
  useEffect(() => {
    let cancelled = false;
    const start = async (retry = 0): Promise<void> => {
      try {
        const s = await api<Session>("/api/v1/widget/sessions", {
          method: "POST",
          body: { inbox_id: inboxId, visitor_token: readToken(inboxId) },
        });
        if (cancelled) return;
        saveToken(inboxId, s.token);
        setProfile(s.contact);
        setSession(s);
        setFailed(false);
        // The latest conversation, even a resolved one (the session only
        // reports an open one): page through its public history.
        let after = 0;
        for (let page = 0; page < 20; page++) {
          const list = await api<{ conversation: unknown; items: Message[]; next_after_seq: number | null }>(
            `/api/v1/widget/messages?limit=200&after_seq=${after}`,
            { token: s.token },
          ).catch((e) => {
            if (e instanceof ApiError && e.status === 404) return { conversation: null, items: [], next_after_seq: null };
            throw e;
          });
          if (cancelled) return;
          add(list.items);
          if (list.conversation) setHasConversation(true);
          if (list.next_after_seq == null) break;
          after = list.next_after_seq;
        }
      } catch (e) {
        if (cancelled) return;
        setFailed(true);
        if (!(e instanceof ApiError && e.status < 500 && e.status !== 429)) {
          setTimeout(() => void start(retry + 1), Math.min(30000, 1000 * 2 ** retry));
        }
      }
    };
    void start();
    return () => {
      cancelled = true;
    };
  }, [inboxId, add]);

  const refreshInfo = useCallback(async () => {
    if (!session) return;
    try {
      const c = await api<{
        conversation: { status: string } | null;
        queue_position: number | null;
        ratings: Rating[];
      }>("/api/v1/widget/conversation", { token: session.token });
      const status = c.conversation?.status ?? null;
      // The estimate only comes live; it stays while still waiting.
      setInfo((i) => ({
        status,
        queue_position: status === "queued" ? c.queue_position : null,
        estimated_wait_s: status === "queued" ? i.estimated_wait_s : null,
        ratings: c.ratings,
      }));
    } catch {
      /* shown again on the next refresh */
    }
  }, [session]);

  // Status, queue position and ratings: now, on changes, and every 15 s
  // while waiting in the queue (the position and estimate are also pushed
  // live as `queue_status` frames; the poll covers a frame sent before the
  // socket was open).
  useEffect(() => {
    if (hasConversation) void refreshInfo();
  }, [hasConversation, refreshInfo]);
  useEffect(() => {
    if (info.status !== "queued") return;
    const timer = setInterval(() => void refreshInfo(), 15000);
    return () => clearInterval(timer);
  }, [info.status, refreshInfo]);

  // Live updates, once there is a conversation to follow.
  useEffect(() => {
    if (!session || !hasConversation) return;
    let ws: WebSocket | null = null;
    let stopped = false;
    let retry = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let typingTimer: ReturnType<typeof setTimeout> | undefined;
    const connect = () => {
      const url = `/api/v1/widget/ws?token=${encodeURIComponent(session.token)}&after_seq=${lastSeq.current}`;
      ws = new WebSocket(wsUrl(url));
      ws.onopen = () => {
        retry = 0;
      };
      ws.onmessage = (ev) => {
        let frame: {
          type: string;
          seq?: number;
          event?: { type: string; data: { message?: Message } };
          typing?: boolean;
          position?: number;
          estimated_wait_s?: number | null;
        };
        try {
          frame = JSON.parse(ev.data as string);
        } catch {
          return;
        }
        if (frame.type === "event" && frame.event) {
          if (typeof frame.seq === "number") lastSeq.current = Math.max(lastSeq.current, frame.seq);
          const m = frame.event.data.message;
          if (frame.event.type === "message.created" && m?.id) {
            add([m]);
            if (m.sender.kind !== "contact") setTyping(false);
          } else if (frame.event.type.startsWith("conversation.")) {
            void refreshInfo();
          }
        } else if (frame.type === "typing") {
          setTyping(frame.typing !== false);
          clearTimeout(typingTimer);
          typingTimer = setTimeout(() => setTyping(false), 5000);
        } else if (frame.type === "queue_status" && typeof frame.position === "number") {
          // Ephemeral (never replayed): sent whenever the place or the
          // estimate changes while the conversation waits.
          const position = frame.position;
          const wait = typeof frame.estimated_wait_s === "number" ? frame.estimated_wait_s : null;
          setInfo((i) => ({ ...i, queue_position: position, estimated_wait_s: wait }));
        }
      };
      ws.onclose = () => {
        if (stopped) return;
        timer = setTimeout(connect, Math.min(30000, 500 * 2 ** retry++));
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(typingTimer);
      ws?.close();
    };
  }, [session, hasConversation, add, refreshInfo]);

  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length, typing, outgoing.length, uploading]);

  const post = useCallback(
    async (body: Record<string, unknown>) => {
      if (!session) return;
      const res = await api<{ message: Message }>("/api/v1/widget/messages", {
        method: "POST",
        token: session.token,
        body,
      });
      if (res?.message) add([res.message]);
      if (!hasConversation) setHasConversation(true);
      else void refreshInfo();
    },
    [session, add, hasConversation, refreshInfo],
  );

  /** Sends (or resends) a text; it shows as sending, then as sent or failed with a retry. */
  const deliver = useCallback(
    async (o: Outgoing) => {
      setOutgoing((list) => [...list.filter((x) => x.client_id !== o.client_id), { ...o, failed: false }]);
      try {
        await post({ text: o.text, client_id: o.client_id });
        setOutgoing((list) => list.filter((x) => x.client_id !== o.client_id));
      } catch {
        setOutgoing((list) => list.map((x) => (x.client_id === o.client_id ? { ...x, failed: true } : x)));
      }
    },
    [post],
  );

  const send = useCallback(
    (body: string) => {
      if (!session || !body.trim()) return;
      void deliver({ client_id: crypto.randomUUID(), text: body, failed: false });
    },
    [session, deliver],
  );

  function submit(e: FormEvent) {
    e.preventDefault();
    send(text);
    setText("");
  }

  async function askForHuman() {
    if (!session) return;
    try {
      const r = await api<{ conversation: { status: string }; queue_position: number | null }>(
        "/api/v1/widget/handoff",
        { method: "POST", token: session.token, body: {} },
      );
      const queued = r.conversation.status === "queued";
      setInfo((i) => ({
        ...i,
        status: r.conversation.status,
        queue_position: queued ? r.queue_position : null,
        estimated_wait_s: queued ? i.estimated_wait_s : null,
      }));
      setHasConversation(true);
    } catch {
      setFailed(true);
    }
  }

  async function attach(file: File) {
    if (!session) return;
    setUploadError(null);
    setUploading({ name: file.name, percent: 0 });
    try {
      const id = await uploadFile("/api/v1/widget/attachments", file, { token: session.token }, (percent) =>
        setUploading({ name: file.name, percent }),
      );
      await post({ content: { type: "attachment", attachment_id: id }, client_id: crypto.randomUUID() });
    } catch (e) {
      const status = e instanceof ApiError ? e.status : 0;
      setUploadError(
        status === 413 ? t("widget.tooLarge") : status === 415 ? t("widget.typeRefused") : t("widget.uploadFailed"),
      );
    } finally {
      setUploading(null);
    }
  }

  const rate = useCallback(
    async (messageId: string, rating: number, comment: string) => {
      if (!session) return;
      const r = await api<Rating>("/api/v1/widget/csat", {
        method: "POST",
        token: session.token,
        body: { message_id: messageId, rating, comment: comment.trim() || undefined },
      }).catch((e) => {
        // Already answered (say, in another tab): show the stored answer.
        if (e instanceof ApiError && e.status === 409) return null;
        throw e;
      });
      if (r) setInfo((i) => ({ ...i, ratings: [...i.ratings, r] }));
      else void refreshInfo();
    },
    [session, refreshInfo],
  );

  const lng = i18n.resolvedLanguage ?? "en";
  const needsPreChat = messages.length === 0 && preChatNeeded(session?.inbox.settings?.pre_chat, profile);
  const minutes = waitMinutes(info.estimated_wait_s);
  const wait = minutes == null ? null : minutes === 0 ? t("widget.waitShort") : t("widget.wait", { minutes });
  return (
    <div className="widget" data-status={info.status ?? undefined}>
      <header>
        <strong>{session?.inbox.name ?? t("widget.title")}</strong>
        <LanguageSwitcher />
      </header>
      {/* Focusable so keyboard users can scroll the history. */}
      <ol className="messages" data-testid="widget-messages" ref={list} tabIndex={0} aria-live="polite" aria-label={t("widget.title")}>
        <li className="msg from-system greeting">{t("widget.greeting")}</li>
        {messages.map((m) => (
          <li key={m.id} className={`msg from-${m.sender.kind} type-${m.content.type}`} data-testid="widget-message">
            <div className="meta">
              {m.sender.kind === "contact" ? (
                t("widget.you")
              ) : m.sender.kind === "agent" || m.sender.kind === "bot" ? (
                <Author message={m} />
              ) : (
                t(`widget.${m.sender.kind}`)
              )}{" "}
              ·{" "}
              <time>{formatTime(m.created_at, lng)}</time>
            </div>
            <MessageBody
              m={m}
              token={session?.token ?? ""}
              rating={info.ratings.find((r) => r.request_message_id === m.id)}
              onChoose={send}
              onRate={rate}
            />
          </li>
        ))}
        {outgoing.map((o) => (
          <li key={o.client_id} className="msg from-contact outgoing" data-testid="widget-outgoing">
            <div className="meta">
              {t("widget.you")} · {o.failed ? t("widget.notSent") : t("widget.sending")}
            </div>
            <div className="text">{o.text}</div>
            {o.failed && (
              <button type="button" className="retry" onClick={() => void deliver(o)}>
                {t("widget.retry")}
              </button>
            )}
          </li>
        ))}
        {uploading && (
          <li className="msg from-contact outgoing" data-testid="widget-uploading">
            <progress max={100} value={uploading.percent} aria-label={uploading.name} />{" "}
            {t("widget.uploading", { name: uploading.name, percent: uploading.percent })}
          </li>
        )}
        {typing && <li className="typing">{t("widget.typing")}</li>}
      </ol>
      {failed && <p className="error">{t("widget.failed")}</p>}
      {uploadError && (
        <p className="error" role="alert" data-testid="widget-upload-error">
          {uploadError}
        </p>
      )}
      {info.status === "queued" && info.queue_position != null && (
        <p
          className="queue"
          role="status"
          data-testid="widget-queue"
          data-position={info.queue_position}
          data-wait={info.estimated_wait_s ?? undefined}
        >
          {t("widget.queue", { position: info.queue_position })}{" "}
          {wait && (
            <>
              <span data-testid="widget-queue-wait">{wait}</span>{" "}
            </>
          )}
          {t("widget.waiting")}
        </p>
      )}
      {needsPreChat && session?.inbox.settings?.pre_chat ? (
        <PreChat pre={session.inbox.settings.pre_chat} token={session.token} onDone={setProfile} />
      ) : (
        <>
          {info.status !== "queued" && info.status !== "assigned" && (
            <button type="button" className="human" data-testid="human" disabled={!session} onClick={() => void askForHuman()}>
              {t("widget.human")}
            </button>
          )}
          <form className="composer" onSubmit={submit}>
            <AttachButton
              label={t("widget.attach")}
              disabled={!session || uploading != null}
              onFile={(f) => void attach(f)}
              testid={{ button: "widget-attach", input: "widget-file-input" }}
            />
            <input
              data-testid="widget-input"
              aria-label={t("widget.placeholder")}
              value={text}
              placeholder={t("widget.placeholder")}
              onChange={(e) => setText(e.target.value)}
              disabled={!session}
            />
            <button type="submit" data-testid="widget-send" disabled={!session || !text.trim()}>
              {t("widget.send")}
            </button>
          </form>
        </>
      )}
    </div>
  );
}
