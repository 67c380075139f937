import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { NavLink, Route, Routes, useParams, useSearchParams } from "react-router";
import { api, contentText, type Conversation } from "../shared/api";
import { formatAgo } from "../shared/dates";
import { LanguageSwitcher } from "../shared/LanguageSwitcher";
import type { Me } from "./App";
import { ConversationView } from "./ConversationView";
import { useAgentSocket, type AgentEvent } from "./socket";

export const FILTERS = ["mine", "queued", "all", "resolved"] as const;
export type Filter = (typeof FILTERS)[number];

function query(filter: Filter): string {
  switch (filter) {
    case "mine":
      return "assignee_id=me";
    case "queued":
      return "status=queued";
    case "resolved":
      return "status=resolved";
    default:
      return "";
  }
}

function matches(c: Conversation, filter: Filter, me: Me): boolean {
  switch (filter) {
    case "mine":
      return c.assignee_id === me.user.id;
    case "queued":
      return c.status === "queued";
    case "resolved":
      return c.status === "resolved";
    default:
      return true;
  }
}

type EventBus = Set<(e: AgentEvent) => void>;

export function Workspace({ me, onLogout }: { me: Me; onLogout: () => void }) {
  const { t, i18n } = useTranslation();
  const [params, setParams] = useSearchParams();
  const filter = (FILTERS as readonly string[]).includes(params.get("filter") ?? "")
    ? (params.get("filter") as Filter)
    : "queued";
  const [items, setItems] = useState<Conversation[]>([]);
  const [previews, setPreviews] = useState<Record<string, string>>({});
  const bus = useRef<EventBus>(new Set());
  const filterRef = useRef(filter);
  filterRef.current = filter;

  useEffect(() => {
    let cancelled = false;
    const q = query(filter);
    void api<{ items: Conversation[] }>(`/api/v1/conversations?limit=100${q ? "&" + q : ""}`).then((page) => {
      if (!cancelled) setItems(page.items);
    });
    return () => {
      cancelled = true;
    };
  }, [filter]);

  const onEvent = useCallback(
    (e: AgentEvent) => {
      bus.current.forEach((l) => l(e));
      const id = e.conversation_id;
      if (!id) return;
      if (e.type === "message.created") {
        const m = e.data.message as { content?: { type: string; text?: string }; visibility?: string } | undefined;
        const text = m?.content ? contentText(m.content) : null;
        if (text && m?.visibility !== "internal") setPreviews((p) => ({ ...p, [id]: text }));
      }
      void api<Conversation>(`/api/v1/conversations/${id}`)
        .then((c) => {
          setItems((list) => {
            const rest = list.filter((x) => x.id !== c.id);
            if (!matches(c, filterRef.current, me)) return rest;
            return [c, ...rest].sort((a, b) => Number(b.last_activity_at) - Number(a.last_activity_at));
          });
        })
        .catch(() => undefined);
    },
    [me],
  );
  const live = useAgentSocket(onEvent);

  const subscribe = useCallback((l: (e: AgentEvent) => void) => {
    bus.current.add(l);
    return () => {
      bus.current.delete(l);
    };
  }, []);

  return (
    <div className="workspace">
      <header className="topbar">
        <strong>{t("app.name")}</strong>
        <span className="account">{me.account.name}</span>
        <span className={live ? "live on" : "live off"} data-testid="live">
          {live ? t("list.live") : t("list.offline")}
        </span>
        <span className="spacer" />
        <span className="me">{me.user.name}</span>
        <LanguageSwitcher />
        <button type="button" onClick={onLogout} data-testid="logout">
          {t("nav.logout")}
        </button>
      </header>
      <nav className="sidebar">
        <div className="filters" role="tablist">
          {FILTERS.map((f) => (
            <button
              key={f}
              type="button"
              role="tab"
              aria-selected={f === filter}
              data-testid={`filter-${f}`}
              className={f === filter ? "active" : ""}
              onClick={() => setParams({ filter: f })}
            >
              {t(`filters.${f}`)}
            </button>
          ))}
        </div>
        <ul className="conv-list" data-testid="conversation-list">
          {items.length === 0 && <li className="empty">{t("list.empty")}</li>}
          {items.map((c) => (
            <li key={c.id}>
              <NavLink to={`/c/${c.id}?filter=${filter}`} data-testid="conversation-item" data-id={c.id}>
                <span className="title">{c.subject ?? previews[c.id] ?? t("list.untitled")}</span>
                <span className={`badge status-${c.status}`}>{t(`status.${c.status}`)}</span>
                <time>{formatAgo(c.last_activity_at, i18n.resolvedLanguage ?? "en")}</time>
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main className="main">
        <Routes>
          <Route path="/c/:id" element={<ConversationRoute subscribe={subscribe} />} />
          <Route path="*" element={<p className="pick">{t("conv.pick")}</p>} />
        </Routes>
      </main>
    </div>
  );
}

function ConversationRoute({ subscribe }: { subscribe: (l: (e: AgentEvent) => void) => () => void }) {
  const { id } = useParams();
  if (!id) return null;
  return <ConversationView key={id} id={id} subscribe={subscribe} />;
}
