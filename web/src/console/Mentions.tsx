import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useMatch, useNavigate } from "react-router";
import { api } from "../shared/api";
import type { Me } from "./App";
import { HeaderList } from "./HeaderList";
import { useDirectory } from "./directory";
import type { AgentEvent } from "./socket";

/** One of my mentions, as `GET /api/v1/mentions` lists it. */
interface MentionView {
  id: string;
  conversation_id: string;
  message_id: string;
  author_id: string;
  author_name: string | null;
  excerpt: string;
  created_at: string;
  read_at: string | null;
}

/**
 * The header's unread @mentions: a counter that opens the list; choosing one
 * opens its conversation, and opening a conversation marks its mentions read.
 * A `conversation.mentioned` event reaches everyone who sees the inbox, so
 * only the one naming me counts (and shows a notice).
 */
export function MentionsMenu({
  me,
  subscribe,
  notify,
}: {
  me: Me;
  subscribe: (l: (e: AgentEvent) => void) => () => void;
  notify: (title: string, body: string, onClick: () => void) => void;
}) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { userName } = useDirectory();
  const current = useMatch("/c/:id")?.params.id ?? null;
  const [items, setItems] = useState<MentionView[]>([]);
  const [open, setOpen] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const noticeTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const load = useCallback(async () => {
    try {
      const page = await api<{ items: MentionView[] }>("/api/v1/mentions?unread=true&limit=50");
      setItems(page.items);
    } catch {
      /* offline: keep what is shown */
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(
    () =>
      subscribe((e) => {
        if (e.type !== "conversation.mentioned" || e.data.user_id !== me.user.id) return;
        void load();
        const author = typeof e.data.author === "string" ? e.data.author : "";
        const excerpt = typeof e.data.excerpt === "string" ? e.data.excerpt : "";
        const name = userName(author) ?? t("mentions.someone");
        setNotice(t("mentions.notice", { author: name, excerpt }));
        clearTimeout(noticeTimer.current);
        noticeTimer.current = setTimeout(() => setNotice(null), 8000);
        const id = e.conversation_id;
        notify(t("mentions.item", { author: name }), excerpt, () => id && navigate(`/c/${id}`));
      }),
    [subscribe, me.user.id, load, t, notify, navigate, userName],
  );

  useEffect(() => () => clearTimeout(noticeTimer.current), []);

  // Opening a conversation reads its mentions.
  const unreadHere = current !== null && items.some((m) => m.conversation_id === current);
  useEffect(() => {
    if (!current || !unreadHere) return;
    void api("/api/v1/mentions/read", { method: "POST", body: { conversation_id: current } })
      .then(() => setItems((list) => list.filter((m) => m.conversation_id !== current)))
      .catch(() => undefined);
  }, [current, unreadHere]);

  return (
    <span className="mentions">
      <button
        type="button"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        data-testid="mentions-button"
      >
        @ {t("mentions.button")}
        {items.length > 0 && (
          <span className="mention-count" data-testid="mentions-count" aria-hidden="true">
            {items.length}
          </span>
        )}
        <span className="sr-only"> ({t("mentions.count", { count: items.length })})</span>
      </button>
      {open && (
        <HeaderList
          id="mentions-list"
          testid="mentions-list"
          itemTestid="mention-item"
          title={t("mentions.title")}
          closeLabel={t("mentions.close")}
          emptyLabel={t("mentions.none")}
          items={items}
          onClose={() => setOpen(false)}
          who={(m) => t("mentions.item", { author: m.author_name ?? t("mentions.someone") })}
        />
      )}
      {notice && (
        <span className="mention-toast" role="status" data-testid="mention-toast">
          {notice}
        </span>
      )}
    </span>
  );
}
