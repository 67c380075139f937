import { useCallback, useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, Route, Routes, useLocation, useNavigate, useParams } from "react-router";
import { ApiError, errorText, guessLocale, type KbEntry, type KbKind, type Page } from "../../shared/api";
import { formatAgo } from "../../shared/dates";
import type { Me } from "../App";
import { useDirectory } from "../directory";
import { api, Outcome, useAction } from "./common";

/** The languages the bot is tuned for; entries in others are kept as they are. */
export const KB_LOCALES = ["en", "zh-CN"] as const;
const FORMATS = ["csv", "jsonl", "markdown"] as const;
type Format = (typeof FORMATS)[number];
const PAGE = 50;

export const canEditKb = (me: Me) => me.role === "admin" || me.role === "supervisor";

/** A locale's name when the UI knows it, else the tag itself. */
export function useLocaleName() {
  const { t } = useTranslation();
  return (l: string) => t(`admin.kb.locales.${l}`, { defaultValue: l });
}


/**
 * The knowledge base the bot answers from: the list with search and
 * filters, the editor, import and export, and "Try the bot". Every member
 * reads; supervisors and admins change.
 */
export function KnowledgeBase({ me }: { me: Me }) {
  return (
    <Routes>
      <Route index element={<KbList me={me} />} />
      <Route path="new" element={<KbEditor me={me} />} />
      <Route path=":id" element={<KbEditor me={me} />} />
    </Routes>
  );
}

interface Filters {
  q: string;
  locale: string;
  kind: string;
  enabled: string;
}

function KbList({ me }: { me: Me }) {
  const { t, i18n } = useTranslation();
  const manager = canEditKb(me);
  const localeName = useLocaleName();
  const [draft, setDraft] = useState<Filters>({ q: "", locale: "", kind: "", enabled: "" });
  const [filters, setFilters] = useState<Filters>(draft);
  const [items, setItems] = useState<KbEntry[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const lng = i18n.resolvedLanguage ?? "en";

  const load = useCallback(
    async (from: string | null) => {
      setBusy(true);
      try {
        const q = new URLSearchParams({ limit: String(PAGE) });
        for (const [k, v] of Object.entries(filters)) if (v.trim()) q.set(k, v.trim());
        if (from) q.set("cursor", from);
        const page = await api<Page<KbEntry>>(`/api/v1/kb/entries?${q}`);
        setItems((list) => (from ? [...list, ...page.items] : page.items));
        setCursor(page.next_cursor ?? null);
        setError(null);
      } catch (e) {
        setError(errorText(e) ?? t("conv.error", { code: "network" }));
      } finally {
        setBusy(false);
      }
    },
    [filters, t],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  function search(e: FormEvent) {
    e.preventDefault();
    setFilters({ ...draft });
  }

  const select = (name: keyof Filters, label: string, options: [string, string][]) => (
    <label>
      {label}
      <select
        name={`kb-${name}`}
        value={draft[name]}
        onChange={(e) => {
          const next = { ...draft, [name]: e.target.value };
          setDraft(next);
          setFilters(next);
        }}
      >
        <option value="">{t("admin.kb.any")}</option>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <section className="admin-section" data-testid="admin-kb">
      <h2>{t("admin.sections.kb")}</h2>
      <p className="muted">{t("admin.kb.intro")}</p>
      {!manager && (
        <p className="note-box" data-testid="read-only">
          {t("admin.kb.readOnly")}
        </p>
      )}
      {manager && (
        <p>
          <Link to="/admin/kb/new" className="button" data-testid="kb-new">
            + {t("admin.kb.new")}
          </Link>
        </p>
      )}
      <form className="inline-form kb-filters" onSubmit={search} role="search" aria-label={t("admin.kb.filters")} data-testid="kb-filters">
        <label>
          {t("admin.kb.search")}
          <input
            type="search"
            name="kb-q"
            value={draft.q}
            placeholder={t("admin.kb.searchPlaceholder")}
            onChange={(e) => setDraft({ ...draft, q: e.target.value })}
          />
        </label>
        {select(
          "locale",
          t("admin.kb.locale"),
          KB_LOCALES.map((l) => [l, localeName(l)]),
        )}
        {select("kind", t("admin.kb.kind"), [
          ["faq", t("admin.kb.kinds.faq")],
          ["article", t("admin.kb.kinds.article")],
        ])}
        {select("enabled", t("admin.kb.enabled"), [
          ["true", t("admin.kb.yes")],
          ["false", t("admin.kb.no")],
        ])}
        <button type="submit" data-testid="kb-search">
          {t("admin.kb.search")}
        </button>
      </form>
      <Outcome error={error} />
      <ul className="cards kb-list" data-testid="kb-list" aria-busy={busy}>
        {items.map((e) => (
          <li key={e.id} data-testid="kb-row" data-id={e.id}>
            <div className="kb-head">
              <Link to={`/admin/kb/${e.id}`} lang={e.locale} data-testid="kb-open">
                {e.question}
              </Link>
              <span className="badge">{t(`admin.kb.kinds.${e.kind}`)}</span>
              <span className="badge">{localeName(e.locale)}</span>
              {!e.enabled && <span className="badge off">{t("admin.kb.disabledBadge")}</span>}
              {e.out_of_scope && <span className="badge warn">{t("admin.kb.outOfScopeBadge")}</span>}
            </div>
            <p className="kb-answer" lang={e.locale}>
              {e.answer}
            </p>
            <p className="small muted">
              {e.similar_questions.length > 0 && <>{t("admin.kb.similarCount", { count: e.similar_questions.length })} · </>}
              {e.tags.length > 0 && (
                <>
                  <span lang={e.locale}>{e.tags.map((tag) => `#${tag}`).join(" ")}</span> ·{" "}
                </>
              )}
              {t("admin.kb.changed", { when: formatAgo(e.updated_at, lng) })}
            </p>
          </li>
        ))}
      </ul>
      {!busy && items.length === 0 && !error && <p className="muted">{t("admin.empty")}</p>}
      {cursor && (
        <button type="button" onClick={() => void load(cursor)} disabled={busy} data-testid="kb-more">
          {t("admin.kb.more")}
        </button>
      )}
      {manager && <TryBot />}
      {manager && <KbImport onImported={() => void load(null)} />}
      <KbExport />
    </section>
  );
}

/** Create (`/admin/kb/new`) or edit (`/admin/kb/{id}`) one entry. */
function KbEditor({ me }: { me: Me }) {
  const { t } = useTranslation();
  const { id } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const manager = canEditKb(me);
  const [entry, setEntry] = useState<KbEntry | null | undefined>(id ? undefined : null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const del = useAction();
  const created = (location.state as { created?: boolean } | null)?.created === true;

  const load = useCallback(async () => {
    if (!id) return;
    try {
      setEntry(await api<KbEntry>(`/api/v1/kb/entries/${encodeURIComponent(id)}`));
      setLoadError(null);
    } catch (e) {
      setEntry(null);
      setLoadError(e instanceof ApiError && e.status === 404 ? t("admin.kb.notFound") : (errorText(e) ?? "network"));
    }
    setGeneration((g) => g + 1);
  }, [id, t]);

  useEffect(() => {
    void load();
  }, [load]);

  async function remove() {
    if (!entry || !window.confirm(t("admin.confirmDelete", { name: entry.question }))) return;
    const { ok } = await del.run(() => api(`/api/v1/kb/entries/${entry.id}`, { method: "DELETE" }), t("admin.kb.deleted"));
    if (ok) navigate("/admin/kb");
  }

  return (
    <section className="admin-section" data-testid="kb-editor">
      <p>
        <Link to="/admin/kb" data-testid="kb-back">
          ← {t("admin.kb.back")}
        </Link>
      </p>
      <h2>{id ? t("admin.kb.editTitle") : t("admin.kb.new")}</h2>
      <Outcome error={loadError ?? del.error} ok={created ? t("admin.kb.created") : null} />
      {entry !== undefined && (id ? entry : true) && (
        <KbForm
          key={`${id ?? "new"}-${generation}`}
          initial={entry ?? undefined}
          readOnly={!manager}
          onReload={load}
          onSaved={(saved) => {
            if (!id) navigate(`/admin/kb/${saved.id}`, { state: { created: true } });
            else setEntry(saved);
          }}
        />
      )}
      {manager && entry && (
        <button type="button" className="danger" onClick={() => void remove()} disabled={del.busy} data-testid="kb-delete">
          {t("admin.delete")}
        </button>
      )}
    </section>
  );
}

/** What a new entry may be prefilled with (the unanswered-questions page does). */
export interface KbDraft {
  question?: string;
  similar_questions?: string[];
  locale?: string;
}

const splitLines = (s: string) =>
  s
    .split("\n")
    .map((x) => x.trim())
    .filter(Boolean);
const splitTags = (s: string) =>
  s
    .split(/[,，]/)
    .map((x) => x.trim())
    .filter(Boolean);

/**
 * The entry form. With `initial` it edits (PATCH with the version read, so a
 * concurrent change is a conflict, not a silent overwrite); otherwise it
 * creates, from `draft` when given.
 */
export function KbForm({
  initial,
  draft,
  readOnly = false,
  onSaved,
  onReload,
  onCancel,
}: {
  initial?: KbEntry;
  draft?: KbDraft;
  readOnly?: boolean;
  onSaved: (entry: KbEntry) => void | Promise<void>;
  onReload?: () => void;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const localeName = useLocaleName();
  const [kind, setKind] = useState<KbKind>(initial?.kind ?? "faq");
  const [question, setQuestion] = useState(initial?.question ?? draft?.question ?? "");
  const [similar, setSimilar] = useState((initial?.similar_questions ?? draft?.similar_questions ?? []).join("\n"));
  const [answer, setAnswer] = useState(initial?.answer ?? "");
  const [tags, setTags] = useState((initial?.tags ?? []).join(", "));
  const [locale, setLocale] = useState(initial?.locale ?? draft?.locale ?? guessLocale(draft?.question ?? ""));
  const [enabled, setEnabled] = useState(initial?.enabled ?? true);
  const [outOfScope, setOutOfScope] = useState(initial?.out_of_scope ?? false);
  const [error, setError] = useState<string | null>(null);
  const [conflict, setConflict] = useState(false);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const locales: string[] = [...KB_LOCALES];
  if (!locales.includes(locale)) locales.push(locale);

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setConflict(false);
    setSaved(false);
    const fields = {
      kind,
      question: question.trim(),
      similar_questions: splitLines(similar),
      answer,
      tags: splitTags(tags),
      locale,
      enabled,
      out_of_scope: outOfScope,
    };
    try {
      const entry = initial
        ? await api<KbEntry>(`/api/v1/kb/entries/${initial.id}`, { method: "PATCH", body: { version: initial.version, ...fields } })
        : await api<KbEntry>("/api/v1/kb/entries", { method: "POST", body: fields });
      setSaved(true);
      await onSaved(entry);
    } catch (err) {
      if (err instanceof ApiError && err.code === "version_conflict") setConflict(true);
      else setError(errorText(err) ?? t("conv.error", { code: "network" }));
    } finally {
      setBusy(false);
    }
  }

  const article = kind === "article";
  return (
    <form className="stack-form kb-form" onSubmit={save} data-testid="kb-form">
      <fieldset disabled={readOnly} className="plain">
        <div className="form-row">
          <label>
            {t("admin.kb.kind")}
            <select name="kind" value={kind} onChange={(e) => setKind(e.target.value as KbKind)}>
              <option value="faq">{t("admin.kb.kinds.faq")}</option>
              <option value="article">{t("admin.kb.kinds.article")}</option>
            </select>
          </label>
          <label>
            {t("admin.kb.locale")}
            <select name="locale" value={locale} onChange={(e) => setLocale(e.target.value)}>
              {locales.map((l) => (
                <option key={l} value={l}>
                  {localeName(l)}
                </option>
              ))}
            </select>
          </label>
        </div>
        <label>
          {article ? t("admin.kb.articleTitle") : t("admin.kb.question")}
          <input name="question" value={question} onChange={(e) => setQuestion(e.target.value)} required maxLength={500} lang={locale} />
        </label>
        {!article && (
          <label>
            {t("admin.kb.similar")}
            <textarea
              name="similar"
              rows={4}
              value={similar}
              onChange={(e) => setSimilar(e.target.value)}
              aria-describedby="kb-similar-hint"
              lang={locale}
            />
            <span id="kb-similar-hint" className="hint">
              {t("admin.kb.similarHint")}
            </span>
          </label>
        )}
        <label>
          {article ? t("admin.kb.body") : t("admin.kb.answer")}
          <textarea
            name="answer"
            rows={article ? 12 : 5}
            value={answer}
            onChange={(e) => setAnswer(e.target.value)}
            required={!outOfScope}
            aria-describedby="kb-answer-hint"
            lang={locale}
          />
          <span id="kb-answer-hint" className="hint">
            {t("admin.kb.answerHint")}
          </span>
        </label>
        <label>
          {t("admin.kb.tags")}
          <input name="tags" value={tags} onChange={(e) => setTags(e.target.value)} aria-describedby="kb-tags-hint" lang={locale} />
          <span id="kb-tags-hint" className="hint">
            {t("admin.kb.tagsHint")}
          </span>
        </label>
        <label className="check">
          <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          {t("admin.kb.enabledLabel")}
        </label>
        <label className="check">
          <input type="checkbox" name="out-of-scope" checked={outOfScope} onChange={(e) => setOutOfScope(e.target.checked)} />
          {t("admin.kb.outOfScope")}
        </label>
      </fieldset>
      {!readOnly && (
        <div className="row-actions">
          <button type="submit" disabled={busy} data-testid="kb-save">
            {initial ? t("admin.save") : t("admin.create")}
          </button>
          {onCancel && (
            <button type="button" onClick={onCancel}>
              {t("admin.cancel")}
            </button>
          )}
        </div>
      )}
      {conflict && (
        <div role="alert" className="error" data-testid="kb-conflict">
          <p>{t("admin.kb.conflict")}</p>
          {onReload && (
            <button type="button" onClick={onReload} data-testid="kb-reload">
              {t("admin.kb.reload")}
            </button>
          )}
        </div>
      )}
      <Outcome error={error} ok={saved && initial ? t("admin.saved") : null} />
    </form>
  );
}

interface ImportReport {
  created: number;
  updated: number;
  unchanged?: number;
  total: number;
  dry_run?: boolean;
  rejected: { line: number; code: string; message: string }[];
}

const formatOf = (name: string): Format | null =>
  /\.csv$/i.test(name) ? "csv" : /\.(jsonl|ndjson|json)$/i.test(name) ? "jsonl" : /\.(md|markdown)$/i.test(name) ? "markdown" : null;

function KbImport({ onImported }: { onImported: () => void }) {
  const { t } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<Format>("csv");
  const [dryRun, setDryRun] = useState(false);
  const [report, setReport] = useState<ImportReport | null>(null);
  const action = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setReport(null);
    if (!file) return;
    const q = new URLSearchParams({ format });
    if (dryRun) q.set("dry_run", "true");
    const { value } = await action.run(() => api<ImportReport>(`/api/v1/kb/import?${q}`, { method: "POST", raw: file }), "");
    if (value) {
      setReport(value);
      if (!dryRun) onImported();
    }
  }

  const counts = report && {
    created: report.created,
    updated: report.updated,
    unchanged: report.unchanged ?? 0,
    rejected: report.rejected.length,
    total: report.total,
  };
  return (
    <form className="detail kb-import" onSubmit={submit} data-testid="kb-import">
      <h3>{t("admin.kb.importTitle")}</h3>
      <p className="hint">{t("admin.kb.importHint")}</p>
      <div className="inline-form">
        <label>
          {t("admin.kb.file")}
          <input
            type="file"
            name="kb-file"
            accept=".csv,.jsonl,.ndjson,.json,.md,.markdown,text/csv,text/markdown,application/x-ndjson"
            onChange={(e) => {
              const f = e.target.files?.[0] ?? null;
              setFile(f);
              setReport(null);
              const guessed = f && formatOf(f.name);
              if (guessed) setFormat(guessed);
            }}
          />
        </label>
        <label>
          {t("admin.kb.format")}
          <select name="kb-format" value={format} onChange={(e) => setFormat(e.target.value as Format)}>
            {FORMATS.map((f) => (
              <option key={f} value={f}>
                {t(`admin.kb.formats.${f}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" name="kb-dry-run" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} />
          {t("admin.kb.dryRun")}
        </label>
        <button type="submit" disabled={!file || action.busy} data-testid="kb-import-submit">
          {t("admin.kb.importSubmit")}
        </button>
      </div>
      <Outcome error={action.error} />
      {report && counts && (
        <div data-testid="kb-import-report">
          <p role="status" className="info" data-testid="kb-import-summary">
            {report.dry_run || dryRun ? t("admin.kb.dryRunResult", counts) : t("admin.kb.imported", counts)}
          </p>
          {report.rejected.length > 0 && (
            <div className="table-wrap" tabIndex={0}>
              <table data-testid="kb-rejected">
                <caption className="sr-only">{t("admin.kb.rejected")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("admin.kb.line")}</th>
                    <th scope="col">{t("admin.kb.code")}</th>
                    <th scope="col">{t("admin.kb.reason")}</th>
                  </tr>
                </thead>
                <tbody>
                  {report.rejected.map((r, i) => (
                    <tr key={i} data-testid="kb-rejected-row" data-line={r.line}>
                      <td>{r.line}</td>
                      <td>
                        <code translate="no">{r.code}</code>
                      </td>
                      <td className="wrap" translate="no">
                        {r.message}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </form>
  );
}

function KbExport() {
  const { t } = useTranslation();
  return (
    <div className="detail kb-export" data-testid="kb-export">
      <h3>{t("admin.kb.exportTitle")}</h3>
      <div className="row-actions">
        {FORMATS.map((f) => (
          <a key={f} className="button" href={`/api/v1/kb/export?format=${f}`} download data-testid={`kb-export-${f}`}>
            {t("admin.kb.exportAs", { format: t(`admin.kb.formats.${f}`) })}
          </a>
        ))}
      </div>
    </div>
  );
}

interface BotPreview {
  decision: string;
  reason: string | null;
  entries: string[];
  confidence: number | null;
  answer_threshold: number | null;
  candidates_threshold: number | null;
  ranking: { entry_id: string; question: string; out_of_scope: boolean; score: number }[];
}

const pct = (x: number | null | undefined) => (typeof x === "number" ? `${Math.round(x * 100)}%` : "—");

/** "Try the bot": what it would do with a message, and why. */
function TryBot() {
  const { t } = useTranslation();
  const dir = useDirectory();
  const [text, setText] = useState("");
  const [inbox, setInbox] = useState("");
  const [result, setResult] = useState<BotPreview | null>(null);
  const action = useAction();
  const botInboxes = dir.inboxes.filter((i) => i.bot_enabled);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setResult(null);
    const body = inbox ? { text, inbox_id: inbox } : { text };
    const { value } = await action.run(() => api<BotPreview>("/api/v1/bot/preview", { method: "POST", body }), "");
    if (value) setResult(value);
  }

  return (
    <form className="detail try-bot" onSubmit={submit} data-testid="try-bot">
      <h3>{t("admin.tryBot.title")}</h3>
      <p className="hint">{t("admin.tryBot.hint")}</p>
      <div className="inline-form">
        <label className="grow">
          {t("admin.tryBot.text")}
          <input name="try-text" value={text} onChange={(e) => setText(e.target.value)} required maxLength={4000} />
        </label>
        {botInboxes.length > 0 && (
          <label>
            {t("admin.tryBot.inbox")}
            <select name="try-inbox" value={inbox} onChange={(e) => setInbox(e.target.value)}>
              <option value="">{t("admin.tryBot.noInbox")}</option>
              {botInboxes.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <button type="submit" disabled={action.busy || !text.trim()} data-testid="try-submit">
          {t("admin.tryBot.submit")}
        </button>
      </div>
      <Outcome error={action.error} />
      {result && (
        <div data-testid="try-result" data-decision={result.decision} role="status">
          <dl className="facts">
            <dt>{t("admin.tryBot.decision")}</dt>
            <dd data-testid="try-decision">
              <strong>{t(`admin.tryBot.decisions.${result.decision}`, { defaultValue: result.decision })}</strong>
              {result.reason && (
                <>
                  {" "}
                  ({t("admin.tryBot.reason")}: {t(`admin.tryBot.reasons.${result.reason}`, { defaultValue: result.reason })})
                </>
              )}
            </dd>
            <dt>{t("admin.tryBot.confidence")}</dt>
            <dd data-testid="try-confidence">
              {result.confidence !== null && (
                <meter min={0} max={1} value={result.confidence} aria-label={t("admin.tryBot.confidence")} />
              )}{" "}
              <strong>{pct(result.confidence)}</strong>
              {result.answer_threshold !== null && (
                <span className="muted">
                  {" "}
                  ({t("admin.tryBot.thresholds", { answer: pct(result.answer_threshold), candidates: pct(result.candidates_threshold) })})
                </span>
              )}
            </dd>
          </dl>
          {result.ranking.length === 0 ? (
            <p className="muted">{t("admin.tryBot.none")}</p>
          ) : (
            <div className="table-wrap" tabIndex={0}>
              <table data-testid="try-ranking">
                <caption className="sr-only">{t("admin.tryBot.ranking")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("admin.tryBot.rank")}</th>
                    <th scope="col">{t("admin.kb.question")}</th>
                    <th scope="col">{t("admin.tryBot.score")}</th>
                  </tr>
                </thead>
                <tbody>
                  {result.ranking.map((r, i) => (
                    <tr key={r.entry_id} className={result.entries.includes(r.entry_id) ? "chosen" : ""} data-testid="try-rank-row">
                      <td>{i + 1}</td>
                      <td className="wrap">
                        <Link to={`/admin/kb/${r.entry_id}`}>{r.question}</Link>{" "}
                        {r.out_of_scope && <span className="badge warn">{t("admin.kb.outOfScopeBadge")}</span>}
                        {result.entries.includes(r.entry_id) && <span className="badge shared">{t("admin.tryBot.chosen")}</span>}
                      </td>
                      <td>{r.score.toFixed(2)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </form>
  );
}
