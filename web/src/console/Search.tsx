import { Fragment, useEffect, useRef, useState, type FormEvent } from "react";
import { useHotkeys } from "react-hotkeys-hook";
import { useTranslation } from "react-i18next";
import { Link, useMatch, useNavigate, useSearchParams } from "react-router";
import { api, ApiError, errorText, type Conversation } from "../shared/api";
import { formatAgo, formatTime } from "../shared/dates";
import { useDirectory } from "./directory";

/** What `GET /api/v1/search` finds. */
export const SEARCH_KINDS = ["conversation", "message", "contact"] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];
const STATUSES: readonly Conversation["status"][] = ["bot", "queued", "assigned", "snoozed", "resolved"];
const ORDERS = ["relevance", "recency"] as const;
type Order = (typeof ORDERS)[number];
/** Hits per page, and the longest query the server takes (in characters). */
const PAGE_SIZE = 20;
const MAX_QUERY = 512;

/** A piece of a hit's excerpt; `mark` pieces matched the query. Plain text, never HTML. */
export interface SnippetPart {
  text: string;
  mark: boolean;
}

/** One hit of `GET /api/v1/search`: ids that do not apply are null. */
export interface SearchHit {
  kind: SearchKind;
  conversation_id: string | null;
  message_id: string | null;
  contact_id: string | null;
  inbox_id: string | null;
  status: Conversation["status"] | null;
  /** Milliseconds since the epoch. */
  created_at: number;
  score: number;
  snippet: SnippetPart[];
}

export interface SearchResults {
  total: number;
  hits: SearchHit[];
}

/** The search, as the page's URL holds it (dates as the date inputs give them: YYYY-MM-DD, local). */
interface SearchState {
  q: string;
  kind: SearchKind | null;
  inbox: string | null;
  status: Conversation["status"] | null;
  assignee: string | null;
  label: string | null;
  channel: string | null;
  from: string | null;
  to: string | null;
  order: Order;
  offset: number;
}

/** The URL keys a filter lives under; changing any of them starts again at the first page. */
const FILTER_KEYS = ["kind", "inbox", "status", "assignee", "label", "channel", "from", "to", "order"] as const;

function oneOf<T extends string>(list: readonly T[], v: string | null): T | null {
  return v !== null && (list as readonly string[]).includes(v) ? (v as T) : null;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
function dayParam(v: string | null): string | null {
  return v && DAY.test(v) ? v : null;
}

function readSearch(params: URLSearchParams): SearchState {
  const offset = Number(params.get("offset") ?? 0);
  return {
    q: params.get("q") ?? "",
    kind: oneOf(SEARCH_KINDS, params.get("kind")),
    inbox: params.get("inbox") || null,
    status: oneOf(STATUSES, params.get("status")),
    assignee: params.get("assignee") || null,
    label: params.get("label") || null,
    channel: params.get("channel") || null,
    from: dayParam(params.get("from")),
    to: dayParam(params.get("to")),
    order: oneOf(ORDERS, params.get("order")) ?? "relevance",
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

/** Local midnight of a YYYY-MM-DD day, or of the day after it (`end`), in milliseconds. */
function dayStart(day: string, next = false): number {
  const [, y, m, d] = DAY.exec(day)!;
  return new Date(Number(y), Number(m) - 1, Number(d) + (next ? 1 : 0)).getTime();
}

/** The API query for a search, or null when there is nothing to search for yet (no words and no filter). */
function apiQuery(s: SearchState): string | null {
  const q = new URLSearchParams();
  const text = s.q.trim();
  if (text) q.set("q", text);
  if (s.inbox) q.set("inbox", s.inbox);
  if (s.status) q.set("status", s.status);
  if (s.assignee) q.set("assignee", s.assignee);
  if (s.label) q.set("label", s.label);
  if (s.channel) q.set("channel", s.channel);
  if (s.from) q.set("from", String(dayStart(s.from)));
  // Inclusive: the last millisecond of the day.
  if (s.to) q.set("to", String(dayStart(s.to, true) - 1));
  // Words or a narrowing filter are needed; the kind and the order alone are not a search.
  if (!q.toString()) return null;
  if (!q.has("q")) q.set("q", "");
  if (s.kind) q.set("kind", s.kind);
  if (s.order !== "relevance") q.set("order", s.order);
  q.set("limit", String(PAGE_SIZE));
  if (s.offset) q.set("offset", String(s.offset));
  return q.toString();
}

/**
 * The header's search box: Enter opens the results page with the words (on
 * that page, keeping its filters); `/` anywhere outside a form field focuses it.
 */
export function HeaderSearch() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const onPage = useMatch("/search") !== null;
  const [params] = useSearchParams();
  const urlQ = onPage ? (params.get("q") ?? "") : null;
  const [draft, setDraft] = useState(urlQ ?? "");
  const input = useRef<HTMLInputElement>(null);

  // On the results page the box shows what was searched (also after back and forward).
  useEffect(() => {
    if (urlQ !== null) setDraft(urlQ);
  }, [urlQ]);

  useHotkeys(
    "/",
    (e) => {
      e.preventDefault();
      input.current?.focus();
      input.current?.select();
    },
    { useKey: true, ignoreModifiers: true },
  );

  function submit(e: FormEvent) {
    e.preventDefault();
    const next = onPage ? new URLSearchParams(params) : new URLSearchParams();
    const q = draft.trim();
    if (q) next.set("q", q);
    else next.delete("q");
    next.delete("offset");
    // The box closes again (below 1600 px it covers the header while focused); the page takes the focus.
    input.current?.blur();
    navigate(`/search?${next}`);
  }

  return (
    <form role="search" className="header-search" aria-label={t("search.label")} onSubmit={submit}>
      <label htmlFor="header-search-input" className="sr-only">
        {t("search.label")}
      </label>
      <input
        ref={input}
        id="header-search-input"
        type="search"
        name="q"
        data-testid="search-input"
        value={draft}
        maxLength={MAX_QUERY}
        placeholder={t("search.placeholder")}
        title={`${t("search.placeholder")} (/)`}
        autoComplete="off"
        enterKeyHint="search"
        onChange={(e) => setDraft(e.target.value)}
      />
    </form>
  );
}

type Outcome = { key: string; attempt: number } & ({ data: SearchResults } | { error: { code: string; text: string } });

/** `/search`: the words and filters (all in the URL), the hits, and pages of them. */
export function SearchPage() {
  const { t, i18n } = useTranslation();
  const lng = i18n.resolvedLanguage ?? "en";
  const dir = useDirectory();
  const [params, setParams] = useSearchParams();
  const s = readSearch(params);
  const key = apiQuery(s);
  const [attempt, setAttempt] = useState(0);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const top = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  // Arriving on the page (from the header's box, a link, back): focus starts at its heading.
  useEffect(() => {
    if (!document.activeElement || document.activeElement === document.body) heading.current?.focus();
  }, []);

  const [q, setQ] = useState(s.q);
  useEffect(() => setQ(s.q), [s.q]);
  const [label, setLabel] = useState(s.label ?? "");
  useEffect(() => setLabel(s.label ?? ""), [s.label]);

  useEffect(() => {
    if (key === null) return;
    let cancelled = false;
    api<SearchResults>(`/api/v1/search?${key}`)
      .then((data) => {
        if (!cancelled) setOutcome({ key, attempt, data });
      })
      .catch((e: unknown) => {
        if (cancelled) return;
        const code = e instanceof ApiError ? e.code : "network";
        const text =
          code === "search_unavailable" ? t("search.unavailable") : (errorText(e) ?? t("search.failed", { code: "network" }));
        setOutcome({ key, attempt, error: { code, text } });
      });
    return () => {
      cancelled = true;
    };
  }, [key, attempt, t]);

  const current = outcome && outcome.key === key && outcome.attempt === attempt ? outcome : null;
  const loading = key !== null && current === null;
  const data = current && "data" in current ? current.data : null;
  const error = current && "error" in current ? current.error : null;
  const hits = data && Array.isArray(data.hits) ? data.hits : [];
  const total = data ? Math.max(Number(data.total) || 0, hits.length) : 0;

  /** Changes the URL (a history entry, so back returns to the previous search); a new search starts at page one. */
  function update(changes: Partial<Record<"q" | (typeof FILTER_KEYS)[number] | "offset", string | null>>) {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!("offset" in changes)) next.delete("offset");
    setParams(next);
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    update({ q: q.trim() || null, label: label.trim().toLowerCase() || null });
  }

  function page(offset: number) {
    update({ offset: offset > 0 ? String(offset) : null });
    top.current?.scrollTo?.({ top: 0 });
  }

  const filtered = FILTER_KEYS.some((k) => params.get(k));
  // What the shown results answer (tests wait on these: the URL changes before the page does).
  const shows = {
    "data-q": s.q.trim(),
    "data-kind": s.kind ?? "",
    "data-from": s.from ?? "",
    "data-to": s.to ?? "",
    "data-order": s.order,
  };

  return (
    <main className="admin-main standalone search-page" data-testid="search-page" ref={top}>
      <h1 ref={heading} tabIndex={-1}>
        {t("search.title")}
      </h1>
      <form role="search" className="search-form" aria-label={t("search.filters")} onSubmit={submit}>
        <div className="search-query">
          <label htmlFor="search-page-query" className="sr-only">
            {t("search.label")}
          </label>
          <input
            id="search-page-query"
            type="search"
            name="q"
            data-testid="search-query"
            value={q}
            maxLength={MAX_QUERY}
            placeholder={t("search.placeholder")}
            autoComplete="off"
            enterKeyHint="search"
            onChange={(e) => setQ(e.target.value)}
          />
          <button type="submit" data-testid="search-submit">
            {t("search.submit")}
          </button>
        </div>
        <div className="search-filters">
          <label>
            <span>{t("search.kind")}</span>
            <select data-testid="search-kind" value={s.kind ?? ""} onChange={(e) => update({ kind: e.target.value || null })}>
              <option value="">{t("search.kinds.all")}</option>
              {SEARCH_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`search.kinds.${k}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>{t("search.inbox")}</span>
            <select data-testid="search-inbox" value={s.inbox ?? ""} onChange={(e) => update({ inbox: e.target.value || null })}>
              <option value="">{t("search.any")}</option>
              {dir.inboxes.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name}
                </option>
              ))}
              {s.inbox && !dir.inboxes.some((i) => i.id === s.inbox) && <option value={s.inbox}>{s.inbox}</option>}
            </select>
          </label>
          <label>
            <span>{t("search.status")}</span>
            <select data-testid="search-status" value={s.status ?? ""} onChange={(e) => update({ status: e.target.value || null })}>
              <option value="">{t("search.any")}</option>
              {STATUSES.map((st) => (
                <option key={st} value={st}>
                  {t(`status.${st}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>{t("search.assignee")}</span>
            <select
              data-testid="search-assignee"
              value={s.assignee ?? ""}
              onChange={(e) => update({ assignee: e.target.value || null })}
            >
              <option value="">{t("search.any")}</option>
              {dir.users.map((u) => (
                <option key={u.user_id} value={u.user_id}>
                  {u.name || u.email}
                </option>
              ))}
              {s.assignee && !dir.users.some((u) => u.user_id === s.assignee) && <option value={s.assignee}>{s.assignee}</option>}
            </select>
          </label>
          <label>
            <span>{t("search.labelFilter")}</span>
            <input
              data-testid="search-label"
              value={label}
              placeholder={t("search.any")}
              onChange={(e) => setLabel(e.target.value)}
              onBlur={() => {
                const l = label.trim().toLowerCase() || null;
                if (l !== s.label) update({ label: l });
              }}
            />
          </label>
          <label>
            <span>{t("search.from")}</span>
            <input
              type="date"
              data-testid="search-from"
              value={s.from ?? ""}
              max={s.to ?? undefined}
              onChange={(e) => update({ from: dayParam(e.target.value) })}
            />
          </label>
          <label>
            <span>{t("search.to")}</span>
            <input
              type="date"
              data-testid="search-to"
              value={s.to ?? ""}
              min={s.from ?? undefined}
              onChange={(e) => update({ to: dayParam(e.target.value) })}
            />
          </label>
          <label>
            <span>{t("search.order")}</span>
            <select
              data-testid="search-order"
              value={s.order}
              onChange={(e) => update({ order: e.target.value === "relevance" ? null : e.target.value })}
            >
              {ORDERS.map((o) => (
                <option key={o} value={o}>
                  {t(`search.orders.${o}`)}
                </option>
              ))}
            </select>
          </label>
          {filtered && (
            <button
              type="button"
              className="link search-clear"
              data-testid="search-clear"
              onClick={() => update(Object.fromEntries(FILTER_KEYS.map((k) => [k, null])))}
            >
              {t("search.clear")}
            </button>
          )}
        </div>
      </form>

      <p className="search-count" aria-live="polite" data-testid="search-count" data-state={loading ? "loading" : "done"}>
        {loading ? t("search.loading") : data ? t("search.results", { count: total }) : ""}
      </p>
      {key === null && (
        <p className="muted" data-testid="search-prompt">
          {t("search.prompt")}
        </p>
      )}
      {error && (
        <div className="search-error">
          <p role="alert" className="error" data-testid="search-error" data-code={error.code}>
            {error.text}
          </p>
          {error.code !== "validation_failed" && (
            <button type="button" onClick={() => setAttempt((a) => a + 1)} data-testid="search-retry">
              {t("search.retry")}
            </button>
          )}
        </div>
      )}
      {data && hits.length === 0 && (
        <div className="search-empty" data-testid="search-empty" {...shows}>
          <p>{t("search.empty")}</p>
          {(s.q.trim() || filtered) && <p className="hint">{t("search.emptyHint")}</p>}
        </div>
      )}
      {hits.length > 0 && (
        <ol className="search-results" data-testid="search-results" aria-label={t("search.resultsLabel")} start={s.offset + 1} {...shows}>
          {hits.map((h, i) => (
            <SearchHitItem key={`${h.kind}:${h.message_id ?? h.conversation_id ?? h.contact_id ?? i}`} hit={h} lng={lng} />
          ))}
        </ol>
      )}
      {data && (s.offset > 0 || s.offset + hits.length < total) && (
        <nav className="search-pager" aria-label={t("search.pages")}>
          <button type="button" data-testid="search-prev" disabled={s.offset === 0} onClick={() => page(Math.max(0, s.offset - PAGE_SIZE))}>
            {t("search.prev")}
          </button>
          {hits.length > 0 && (
            <span className="muted" data-testid="search-range">
              {t("search.range", { from: s.offset + 1, to: s.offset + hits.length, total })}
            </span>
          )}
          <button
            type="button"
            data-testid="search-next"
            disabled={s.offset + hits.length >= total || hits.length === 0}
            onClick={() => page(s.offset + PAGE_SIZE)}
          >
            {t("search.next")}
          </button>
        </nav>
      )}
    </main>
  );
}

/** A hit's excerpt: matched parts in <mark>, everything as text nodes (React escapes them). */
function Snippet({ parts }: { parts: SnippetPart[] }) {
  const { t } = useTranslation();
  const list = Array.isArray(parts) ? parts.filter((p) => p && typeof p.text === "string" && p.text) : [];
  return (
    <span className="search-snippet" data-testid="search-snippet">
      {list.length === 0 ? (
        <span className="muted">{t("search.untitled")}</span>
      ) : (
        list.map((p, i) => (p.mark ? <mark key={i}>{p.text}</mark> : <Fragment key={i}>{p.text}</Fragment>))
      )}
    </span>
  );
}

function SearchHitItem({ hit, lng }: { hit: SearchHit; lng: string }) {
  const { t } = useTranslation();
  const dir = useDirectory();
  const inbox = dir.inboxName(hit.inbox_id);
  const when = typeof hit.created_at === "number" && Number.isFinite(hit.created_at) ? hit.created_at : null;
  const body = (
    <>
      <span className="search-hit-head">
        <span className={`badge kind kind-${hit.kind}`}>{t(`search.kindBadge.${hit.kind}`, { defaultValue: hit.kind })}</span>
        <Snippet parts={hit.snippet} />
      </span>
      <span className="search-hit-meta">
        {inbox && <span className="sub">{inbox}</span>}
        {hit.status && <span className={`badge status-${hit.status}`}>{t(`status.${hit.status}`, { defaultValue: hit.status })}</span>}
        {when !== null && (
          <time dateTime={new Date(when).toISOString()} title={formatTime(when, lng)}>
            {formatAgo(when, lng)}
          </time>
        )}
      </span>
    </>
  );
  return (
    <li
      data-testid="search-hit"
      data-kind={hit.kind}
      data-conversation-id={hit.conversation_id ?? undefined}
      data-message-id={hit.message_id ?? undefined}
      data-contact-id={hit.contact_id ?? undefined}
    >
      {hit.kind !== "contact" && hit.conversation_id ? (
        <Link to={`/c/${hit.conversation_id}`} className="search-hit" data-testid="search-hit-link">
          {body}
        </Link>
      ) : (
        <div className="search-hit">{body}</div>
      )}
    </li>
  );
}
