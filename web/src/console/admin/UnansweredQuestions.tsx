import { useCallback, useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { ApiError, errorText, guessLocale, type KbEntry, type Page, type Timestamp } from "../../shared/api";
import { formatAgo, formatTime } from "../../shared/dates";
import { api, Outcome } from "./common";
import { KbForm, useLocaleName } from "./KnowledgeBase";

interface Example {
  message_id: string;
  conversation_id: string;
  text: string;
  outcome: string;
  asked_at: Timestamp;
}

interface Group {
  text: string;
  count: number;
  last_asked_at: Timestamp;
  message_ids: string[];
  examples: Example[];
}

interface Groups {
  total: number;
  groups: Group[];
}

const PERIODS = [7, 30, 90, 365];

/** The group's wordings, its own text first, without repeats in any letter case. */
function wordings(g: Group): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const s of [g.text, ...g.examples.map((e) => e.text)]) {
    const text = s.trim();
    const key = text.toLowerCase();
    if (!text || seen.has(key)) continue;
    seen.add(key);
    out.push(text);
  }
  return out;
}

/**
 * The learning loop: questions the bot could not answer, grouped. Each
 * group becomes a new entry, joins an existing one as similar questions,
 * or is dismissed; either way it leaves the list. Supervisors and admins.
 */
export function UnansweredQuestions() {
  const { t, i18n } = useTranslation();
  const [days, setDays] = useState(30);
  const [data, setData] = useState<Groups | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const lng = i18n.resolvedLanguage ?? "en";

  const load = useCallback(async () => {
    try {
      setData(await api<Groups>(`/api/v1/bot/questions?days=${days}`));
      setError(null);
    } catch (e) {
      setError(errorText(e) ?? t("conv.error", { code: "network" }));
    }
  }, [days, t]);

  useEffect(() => {
    void load();
  }, [load]);

  /** Takes a group off the list as added or dismissed. */
  const resolve = useCallback(
    async (g: Group, resolution: "added" | "dismissed") => {
      setDone(null);
      try {
        await api("/api/v1/bot/questions/resolve", { method: "POST", body: { message_ids: g.message_ids, resolution } });
        setDone(resolution === "added" ? t("admin.questions.added") : t("admin.questions.dismissed"));
        setError(null);
        await load();
      } catch (e) {
        setError(errorText(e) ?? t("conv.error", { code: "network" }));
      }
    },
    [load, t],
  );

  return (
    <section className="admin-section" data-testid="admin-questions">
      <h2>{t("admin.sections.questions")}</h2>
      <p className="muted">{t("admin.questions.intro")}</p>
      <div className="inline-form">
        <label>
          {t("admin.questions.period")}
          <select name="days" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {PERIODS.map((d) => (
              <option key={d} value={d}>
                {t("admin.questions.days", { count: d })}
              </option>
            ))}
          </select>
        </label>
        {data && (
          <span className="muted" data-testid="questions-total">
            {t("admin.questions.total", { count: data.total })}
          </span>
        )}
      </div>
      <Outcome error={error} ok={done} />
      {data?.groups.length === 0 && <p className="muted">{t("admin.questions.empty")}</p>}
      <ul className="cards question-groups">
        {data?.groups.map((g) => (
          <QuestionGroup key={g.message_ids[0] ?? g.text} group={g} lng={lng} onResolve={resolve} />
        ))}
      </ul>
    </section>
  );
}

function QuestionGroup({
  group: g,
  lng,
  onResolve,
}: {
  group: Group;
  lng: string;
  onResolve: (g: Group, resolution: "added" | "dismissed") => Promise<void>;
}) {
  const { t } = useTranslation();
  const [mode, setMode] = useState<"idle" | "new" | "existing">("idle");
  const texts = wordings(g);
  const locale = guessLocale(g.text);
  return (
    <li data-testid="question-group" data-count={g.count}>
      <div className="group-head">
        <strong lang={locale} data-testid="question-text">
          {g.text}
        </strong>
        <span className="badge" data-testid="question-count">
          {t("admin.questions.asked", { count: g.count })}
        </span>
        <span className="small muted">{t("admin.questions.lastAsked", { when: formatAgo(g.last_asked_at, lng) })}</span>
      </div>
      <details>
        <summary>{t("admin.questions.examples")}</summary>
        <ul className="examples">
          {g.examples.map((e) => (
            <li key={e.message_id} data-testid="question-example">
              <span lang={guessLocale(e.text)}>{e.text}</span>{" "}
              <span className="small muted">
                · {t(`admin.questions.outcomes.${e.outcome}`, { defaultValue: e.outcome })} · {formatTime(e.asked_at, lng)} ·{" "}
                <Link to={`/c/${e.conversation_id}?filter=all`}>{t("admin.questions.openConversation")}</Link>
              </span>
            </li>
          ))}
        </ul>
      </details>
      <div className="row-actions">
        <button type="button" aria-expanded={mode === "new"} onClick={() => setMode(mode === "new" ? "idle" : "new")} data-testid="question-add-new">
          {t("admin.questions.addNew")}
        </button>
        <button
          type="button"
          aria-expanded={mode === "existing"}
          onClick={() => setMode(mode === "existing" ? "idle" : "existing")}
          data-testid="question-add-to"
        >
          {t("admin.questions.addTo")}
        </button>
        <button type="button" onClick={() => void onResolve(g, "dismissed")} data-testid="question-dismiss">
          {t("admin.questions.dismiss")}
        </button>
      </div>
      {mode === "new" && (
        <div className="group-form" aria-labelledby={`new-${g.message_ids[0]}`} role="group">
          <h3 id={`new-${g.message_ids[0]}`}>{t("admin.questions.newFor", { text: g.text })}</h3>
          <KbForm
            draft={{ question: texts[0], similar_questions: texts.slice(1), locale }}
            onSaved={() => onResolve(g, "added")}
            onCancel={() => setMode("idle")}
          />
        </div>
      )}
      {mode === "existing" && <AddToEntry texts={texts} onAdded={() => onResolve(g, "added")} onCancel={() => setMode("idle")} />}
    </li>
  );
}

/** Finds an entry and appends the group's wordings to its similar questions. */
function AddToEntry({ texts, onAdded, onCancel }: { texts: string[]; onAdded: () => Promise<void>; onCancel: () => void }) {
  const { t } = useTranslation();
  const localeName = useLocaleName();
  const [q, setQ] = useState("");
  const [found, setFound] = useState<KbEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const search = useCallback(async (text: string) => {
    try {
      const query = new URLSearchParams({ limit: "10" });
      if (text.trim()) query.set("q", text.trim());
      setFound((await api<Page<KbEntry>>(`/api/v1/kb/entries?${query}`)).items);
      setError(null);
    } catch (e) {
      setError(errorText(e) ?? "network");
    }
  }, []);

  useEffect(() => {
    // Start from the whole knowledge base: the question rarely shares words with its entry.
    void search("");
  }, [search]);

  async function add(entry: KbEntry) {
    setBusy(true);
    setError(null);
    try {
      // Read it fresh, so the version is current; a change in between is a conflict, never lost.
      const current = await api<KbEntry>(`/api/v1/kb/entries/${entry.id}`);
      const have = new Set([current.question, ...current.similar_questions].map((s) => s.toLowerCase()));
      const more = texts.filter((s) => !have.has(s.toLowerCase()));
      if (more.length > 0) {
        await api<KbEntry>(`/api/v1/kb/entries/${entry.id}`, {
          method: "PATCH",
          body: { version: current.version, similar_questions: [...current.similar_questions, ...more] },
        });
      }
      await onAdded();
    } catch (e) {
      setError(e instanceof ApiError && e.code === "version_conflict" ? t("admin.kb.conflict") : (errorText(e) ?? "network"));
    } finally {
      setBusy(false);
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    void search(q);
  }

  return (
    <div className="group-form" role="group" aria-label={t("admin.questions.pickEntry")} data-testid="add-to-entry">
      <h3>{t("admin.questions.pickEntry")}</h3>
      <form className="inline-form" onSubmit={submit} role="search">
        <label>
          {t("admin.questions.pickSearch")}
          <input type="search" name="entry-q" value={q} onChange={(e) => setQ(e.target.value)} />
        </label>
        <button type="submit">{t("admin.kb.search")}</button>
        <button type="button" onClick={onCancel}>
          {t("admin.cancel")}
        </button>
      </form>
      <Outcome error={error} />
      {found?.length === 0 && <p className="muted">{t("admin.questions.noMatch")}</p>}
      <ul className="members">
        {found?.map((e) => (
          <li key={e.id} data-testid="pick-entry" data-id={e.id}>
            <span>
              <span lang={e.locale}>{e.question}</span> <span className="badge">{localeName(e.locale)}</span>
            </span>
            <button type="button" disabled={busy} onClick={() => void add(e)} data-testid="pick-entry-add">
              {t("admin.questions.addHere")}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
