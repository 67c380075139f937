import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError, contentText, wsUrl, type Message } from "../shared/api";
import { formatTime } from "../shared/dates";
import { LanguageSwitcher } from "../shared/LanguageSwitcher";

interface Session {
  token: string;
  conversation: { id: string; last_seq: number } | null;
  inbox: { id: string; name: string };
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
        let frame: { type: string; seq?: number; event?: { type: string; data: { message?: Message } }; typing?: boolean };
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
          }
        } else if (frame.type === "typing") {
          setTyping(frame.typing !== false);
          clearTimeout(typingTimer);
          typingTimer = setTimeout(() => setTyping(false), 5000);
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
  }, [session, hasConversation, add]);

  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length, typing]);

  const send = useCallback(
    async (body: string) => {
      if (!session || !body.trim()) return;
      const res = await api<{ message: Message }>("/api/v1/widget/messages", {
        method: "POST",
        token: session.token,
        body: { text: body, client_id: crypto.randomUUID() },
      });
      if (res?.message) add([res.message]);
      setHasConversation(true);
    },
    [session, add],
  );

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = text;
    setText("");
    try {
      await send(body);
    } catch {
      setText(body);
    }
  }

  const lng = i18n.resolvedLanguage ?? "en";
  return (
    <div className="widget">
      <header>
        <strong>{session?.inbox.name ?? t("widget.title")}</strong>
        <LanguageSwitcher />
      </header>
      {/* Focusable so keyboard users can scroll the history. */}
      <ol className="messages" data-testid="widget-messages" ref={list} tabIndex={0} aria-live="polite" aria-label={t("widget.title")}>
        <li className="msg from-system greeting">{t("widget.greeting")}</li>
        {messages.map((m) => (
          <li key={m.id} className={`msg from-${m.sender.kind}`} data-testid="widget-message">
            <div className="meta">
              {m.sender.kind === "contact" ? t("widget.you") : t(`widget.${m.sender.kind}`)} ·{" "}
              <time>{formatTime(m.created_at, lng)}</time>
            </div>
            <div className="text" data-testid="widget-message-text">
              {contentText(m.content) ?? ""}
            </div>
          </li>
        ))}
        {typing && <li className="typing">{t("widget.typing")}</li>}
      </ol>
      {failed && <p className="error">{t("widget.failed")}</p>}
      <button type="button" className="human" data-testid="human" disabled={!session} onClick={() => void send(t("widget.humanText"))}>
        {t("widget.human")}
      </button>
      <form className="composer" onSubmit={submit}>
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
    </div>
  );
}
