import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { useHotkeys } from "react-hotkeys-hook";
import { useTranslation } from "react-i18next";
import { NavLink, Route, Routes, useMatch, useNavigate, useParams, useSearchParams } from "react-router";
import { api, contentText, type Availability, type Conversation, type Message } from "../shared/api";
import { formatAgo } from "../shared/dates";
import { LanguageSwitcher } from "../shared/LanguageSwitcher";
import { Admin } from "./admin/Admin";
import { CannedResponses } from "./admin/CannedResponses";
import type { Me } from "./App";
import { ConversationView } from "./ConversationView";
import { MentionsMenu } from "./Mentions";
import { QaAlertsMenu } from "./QaAlerts";
import { Queues } from "./Queues";
import { QualityPage } from "./QualityPage";
import { HeaderSearch, SearchPage } from "./Search";
import { DirectoryProvider, useDirectory } from "./directory";
import { ShortcutHelp } from "./ShortcutHelp";
import { useNotifications } from "./notify";
import { useAgentSocket, type AgentEvent, type Ephemeral } from "./socket";

export const FILTERS = ["mine", "queued", "all", "resolved"] as const;
export type Filter = (typeof FILTERS)[number];

/** The demo account's web-widget inbox (crates/kefu/src/demo.rs). */
export const DEMO_INBOX = "01920000-0000-7000-8000-000000000002";

interface ListFilter {
  view: Filter;
  inbox: string | null;
  team: string | null;
  label: string | null;
}

function readFilter(params: URLSearchParams): ListFilter {
  const v = params.get("filter") ?? "";
  return {
    view: (FILTERS as readonly string[]).includes(v) ? (v as Filter) : "queued",
    inbox: params.get("inbox") || null,
    team: params.get("team") || null,
    label: params.get("label") || null,
  };
}

function query(f: ListFilter): string {
  const q = new URLSearchParams({ limit: "100" });
  if (f.view === "mine") q.set("assignee_id", "me");
  if (f.view === "queued") q.set("status", "queued");
  if (f.view === "resolved") q.set("status", "resolved");
  if (f.inbox) q.set("inbox_id", f.inbox);
  if (f.team) q.set("team_id", f.team);
  if (f.label) q.set("label", f.label);
  return q.toString();
}

function matches(c: Conversation, f: ListFilter, me: Me): boolean {
  if (f.inbox && c.inbox_id !== f.inbox) return false;
  if (f.team && c.team_id !== f.team) return false;
  if (f.label && !c.labels?.includes(f.label)) return false;
  switch (f.view) {
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

/** Keeps the list's filters when moving between conversations. */
function listSearch(params: URLSearchParams): string {
  const keep = new URLSearchParams();
  for (const k of ["filter", "inbox", "team", "label"]) {
    const v = params.get(k);
    if (v) keep.set(k, v);
  }
  const s = keep.toString();
  return s ? `?${s}` : "";
}

export type Subscribe = (l: (e: AgentEvent) => void) => () => void;
export type Watch = (l: (e: Ephemeral) => void) => () => void;

/** The link to the local demo site, on the other loopback name (another origin). */
function demoSiteUrl(lang: string): string | null {
  const other = location.hostname === "127.0.0.1" ? "localhost" : location.hostname === "localhost" ? "127.0.0.1" : null;
  if (!other) return null;
  const port = location.port ? `:${location.port}` : "";
  return `${location.protocol}//${other}${port}/demo?inbox=${DEMO_INBOX}&lang=${encodeURIComponent(lang)}`;
}

export function Workspace({ me, onLogout }: { me: Me; onLogout: () => void }) {
  return (
    <DirectoryProvider>
      <Shell me={me} onLogout={onLogout} />
    </DirectoryProvider>
  );
}

function Shell({ me, onLogout }: { me: Me; onLogout: () => void }) {
  const { t, i18n } = useTranslation();
  const dir = useDirectory();
  const navigate = useNavigate();
  const bus = useRef(new Set<(e: AgentEvent) => void>());
  const [everLive, setEverLive] = useState(false);
  const [help, setHelp] = useState(false);
  const { permission, request, notify } = useNotifications();
  const meRef = useRef(me);
  meRef.current = me;
  const notifyRef = useRef(notify);
  notifyRef.current = notify;
  const titleRef = useRef("");
  titleRef.current = t("conv.newMessage");

  const onEvent = useCallback((e: AgentEvent) => {
    bus.current.forEach((l) => l(e));
    // New public visitor messages in my conversations, while the tab is hidden.
    const id = e.conversation_id;
    if (!id || e.type !== "message.created" || !document.hidden) return;
    const m = e.data.message as Message | undefined;
    if (!m || m.visibility === "internal" || m.sender?.kind !== "contact") return;
    void api<Conversation>(`/api/v1/conversations/${id}`)
      .then((c) => {
        if (c.assignee_id !== meRef.current.user.id) return;
        notifyRef.current(titleRef.current, contentText(m.content) ?? "", () => navigate(`/c/${id}`));
      })
      .catch(() => undefined);
  }, [navigate]);
  const presenceBus = useRef(new Set<(e: Ephemeral) => void>());
  const onEphemeral = useCallback((e: Ephemeral) => presenceBus.current.forEach((l) => l(e)), []);
  const live = useAgentSocket(onEvent, onEphemeral);
  const watch = useCallback<Watch>((l) => {
    presenceBus.current.add(l);
    return () => {
      presenceBus.current.delete(l);
    };
  }, []);
  useEffect(() => {
    if (live) setEverLive(true);
  }, [live]);

  const subscribe = useCallback<Subscribe>((l) => {
    bus.current.add(l);
    return () => {
      bus.current.delete(l);
    };
  }, []);

  useHotkeys("?", () => setHelp((h) => !h), { useKey: true, ignoreModifiers: true });
  useHotkeys("escape", () => setHelp(false), { enableOnFormTags: true });

  const mine = dir.users.find((u) => u.user_id === me.user.id);
  const [availability, setAvailability] = useState<Availability | null>(null);
  const shownAvailability = availability ?? mine?.availability ?? "offline";
  async function changeAvailability(a: Availability) {
    setAvailability(a);
    try {
      await api("/api/v1/users/me/availability", { method: "PUT", body: { availability: a } });
    } catch {
      setAvailability(null);
    }
  }

  const canAdmin = me.role === "admin" || me.role === "supervisor";
  const hasDemo = dir.inboxes.some((i) => i.id === DEMO_INBOX);
  const demoUrl = hasDemo ? demoSiteUrl(i18n.resolvedLanguage ?? "en") : null;

  return (
    <div className="shell">
      <header className="topbar">
        <strong className="brand">{t("app.name")}</strong>
        <span className="account">{me.account.name}</span>
        <span className={live ? "live on" : "live off"} data-testid="live" role="status">
          {live ? t("list.live") : t("list.offline")}
        </span>
        <nav className="topnav" aria-label={t("app.name")}>
          <NavLink to="/" end data-testid="nav-console">
            {t("nav.console")}
          </NavLink>
          {!canAdmin && (
            <NavLink to="/canned" data-testid="nav-canned">
              {t("admin.sections.canned")}
            </NavLink>
          )}
          {!canAdmin && (
            <NavLink to="/admin/kb" data-testid="nav-kb">
              {t("nav.kb")}
            </NavLink>
          )}
          <NavLink to="/qa" data-testid="nav-qa">
            {t("nav.qa")}
          </NavLink>
          {canAdmin && (
            <NavLink to="/queues" data-testid="nav-queues">
              {t("nav.queues")}
            </NavLink>
          )}
          {canAdmin && (
            <NavLink to="/admin" data-testid="nav-admin">
              {t("nav.admin")}
            </NavLink>
          )}
          {demoUrl && (
            <a href={demoUrl} target="_blank" rel="noopener" data-testid="demo-link">
              {t("nav.demo")}
            </a>
          )}
        </nav>
        <span className="spacer" />
        <HeaderSearch />
        {canAdmin && <QaAlertsMenu me={me} subscribe={subscribe} notify={notify} />}
        <MentionsMenu me={me} subscribe={subscribe} notify={notify} />
        <label className="presence">
          <span className="sr-only">{t("nav.presence")}</span>
          <select
            aria-label={t("nav.presence")}
            data-testid="presence"
            className={`presence-${shownAvailability}`}
            value={shownAvailability}
            onChange={(e) => void changeAvailability(e.target.value as Availability)}
          >
            <option value="online">{t("presence.online")}</option>
            <option value="away">{t("presence.away")}</option>
            {shownAvailability === "offline" && <option value="offline">{t("presence.offline")}</option>}
          </select>
        </label>
        {permission === "default" && (
          <button type="button" onClick={() => void request()} data-testid="notify">
            {t("nav.notify")}
          </button>
        )}
        <button type="button" onClick={() => setHelp(true)} aria-label={t("nav.help")} title={t("nav.help")} data-testid="help">
          ?
        </button>
        <span className="me">{me.user.name}</span>
        <LanguageSwitcher />
        <button type="button" onClick={onLogout} data-testid="logout">
          {t("nav.logout")}
        </button>
      </header>
      {!live && everLive && (
        <p className="reconnecting" role="alert" data-testid="reconnecting">
          {t("list.reconnecting")}
        </p>
      )}
      <Routes>
        <Route path="/admin/*" element={<Admin me={me} />} />
        <Route
          path="/canned"
          element={
            <main className="admin-main standalone">
              <CannedResponses me={me} />
            </main>
          }
        />
        <Route path="/queues" element={<Queues me={me} subscribe={subscribe} />} />
        <Route path="/qa" element={<QualityPage me={me} />} />
        <Route path="/search" element={<SearchPage />} />
        <Route path="*" element={<ConsoleView me={me} subscribe={subscribe} watch={watch} />} />
      </Routes>
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
    </div>
  );
}

function ConsoleView({ me, subscribe, watch }: { me: Me; subscribe: Subscribe; watch: Watch }) {
  const { t, i18n } = useTranslation();
  const dir = useDirectory();
  const [params, setParams] = useSearchParams();
  const f = readFilter(params);
  const fq = query(f);
  const [items, setItems] = useState<Conversation[]>([]);
  const [previews, setPreviews] = useState<Record<string, string>>({});
  const filterRef = useRef(f);
  filterRef.current = f;
  const navigate = useNavigate();
  const current = useMatch("/c/:id")?.params.id ?? null;
  const search = listSearch(params);

  useEffect(() => {
    let cancelled = false;
    void api<{ items: Conversation[] }>(`/api/v1/conversations?${fq}`)
      .then((page) => {
        if (!cancelled) setItems(page.items);
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [fq]);

  useEffect(
    () =>
      subscribe((e) => {
        const id = e.conversation_id;
        if (!id) return;
        if (e.type === "message.created") {
          const m = e.data.message as Message | undefined;
          const text = m?.content ? contentText(m.content) : null;
          if (text && m?.visibility !== "internal") setPreviews((p) => ({ ...p, [id]: text }));
        }
        void api<Conversation>(`/api/v1/conversations/${id}`)
          .then((c) => {
            setItems((list) => {
              const rest = list.filter((x) => x.id !== c.id);
              if (!matches(c, filterRef.current, me)) return rest;
              return [c, ...rest].sort((a, b) => Number(new Date(b.last_activity_at)) - Number(new Date(a.last_activity_at)));
            });
          })
          .catch(() => undefined);
      }),
    [subscribe, me],
  );

  const step = useCallback(
    (delta: number) => {
      if (items.length === 0) return;
      const i = items.findIndex((c) => c.id === current);
      const next = i < 0 ? (delta > 0 ? 0 : items.length - 1) : Math.min(items.length - 1, Math.max(0, i + delta));
      navigate(`/c/${items[next].id}${search}`);
    },
    [items, current, navigate, search],
  );
  useHotkeys("j", () => step(1), [step]);
  useHotkeys("k", () => step(-1), [step]);

  function setParam(key: string, value: string | null) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
  }

  const [labelDraft, setLabelDraft] = useState(f.label ?? "");
  useEffect(() => setLabelDraft(f.label ?? ""), [f.label]);
  function applyLabel(e: FormEvent) {
    e.preventDefault();
    setParam("label", labelDraft.trim().toLowerCase() || null);
  }
  const knownLabels = useMemo(() => [...new Set(items.flatMap((c) => c.labels ?? []))].sort(), [items]);

  return (
    <div className={`workspace ${current ? "has-conv" : ""}`}>
      <nav className="sidebar" aria-label={t("list.title")}>
        <div className="filters" role="tablist" aria-label={t("filters.views")}>
          {FILTERS.map((v) => (
            <button
              key={v}
              type="button"
              role="tab"
              aria-selected={v === f.view}
              data-testid={`filter-${v}`}
              className={v === f.view ? "active" : ""}
              onClick={() => setParam("filter", v)}
            >
              {t(`filters.${v}`)}
            </button>
          ))}
        </div>
        <div className="facets">
          <label>
            <span>{t("filters.inbox")}</span>
            <select data-testid="filter-inbox" value={f.inbox ?? ""} onChange={(e) => setParam("inbox", e.target.value || null)}>
              <option value="">{t("filters.any")}</option>
              {dir.inboxes.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>{t("filters.team")}</span>
            <select data-testid="filter-team" value={f.team ?? ""} onChange={(e) => setParam("team", e.target.value || null)}>
              <option value="">{t("filters.any")}</option>
              {dir.teams.map((tm) => (
                <option key={tm.id} value={tm.id}>
                  {tm.name}
                </option>
              ))}
            </select>
          </label>
          <form onSubmit={applyLabel} className="label-filter">
            <label>
              <span>{t("filters.label")}</span>
              <input
                data-testid="filter-label"
                list="known-labels"
                value={labelDraft}
                placeholder={t("filters.labelPlaceholder")}
                onChange={(e) => setLabelDraft(e.target.value)}
                onBlur={applyLabel}
              />
            </label>
            <datalist id="known-labels">
              {knownLabels.map((l) => (
                <option key={l} value={l} />
              ))}
            </datalist>
          </form>
        </div>
        <ul className="conv-list" data-testid="conversation-list">
          {items.length === 0 && <li className="empty">{t("list.empty")}</li>}
          {items.map((c) => (
            <li key={c.id}>
              <NavLink to={`/c/${c.id}${search}`} data-testid="conversation-item" data-id={c.id}>
                <span className="title">{c.subject ?? previews[c.id] ?? t("list.untitled")}</span>
                <span className={`badge status-${c.status}`}>{t(`status.${c.status}`)}</span>
                <span className="sub">
                  {dir.inboxName(c.inbox_id)}
                  {c.labels?.length ? ` · ${c.labels.join(", ")}` : ""}
                </span>
                <time>{formatAgo(c.last_activity_at, i18n.resolvedLanguage ?? "en")}</time>
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main className="main">
        <Routes>
          <Route path="/c/:id" element={<ConversationRoute me={me} subscribe={subscribe} watch={watch} back={`/${search}`} />} />
          <Route path="*" element={<p className="pick">{t("conv.pick")}</p>} />
        </Routes>
      </main>
    </div>
  );
}

function ConversationRoute({ me, subscribe, watch, back }: { me: Me; subscribe: Subscribe; watch: Watch; back: string }) {
  const { id } = useParams();
  if (!id) return null;
  return <ConversationView key={id} id={id} me={me} subscribe={subscribe} watch={watch} back={back} />;
}
