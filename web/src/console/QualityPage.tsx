import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, errorText, type Page } from "../shared/api";
import { formatAgo } from "../shared/dates";
import type { Me } from "./App";
import type { QaScore } from "./QaPanel";
import { QaRulesEditor, RulePreview, type Json } from "./QaRulesEditor";
import { QaScorecardEditor } from "./QaScorecardEditor";
import { QaSentimentModel } from "./QaSentimentModel";

/**
 * Quality inspection in the console: every member's own scores; for
 * supervisors the review queue (failed or sampled scores not yet final);
 * for admins the rules and scorecards (a form, or JSON), with a preview on
 * a conversation; the account's sentiment model and its retraining.
 * Reviewing and appealing happen beside the conversation (QaPanel).
 */
export function QualityPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const supervisor = me.role !== "agent";
  return (
    <main className="admin-main standalone quality" data-testid="quality-page">
      <h1>{t("qa.title")}</h1>
      {supervisor && <ScoreList title={t("qa.queue")} query="needs_review=true" testid="qa-queue" />}
      <ScoreList title={t("qa.mine")} query="agent=me" testid="qa-mine" />
      {me.role === "admin" && <QaSettingsEditor />}
      {supervisor && <QaSentimentModel admin={me.role === "admin"} />}
    </main>
  );
}

function ScoreList({ title, query, testid }: { title: string; query: string; testid: string }) {
  const { t, i18n } = useTranslation();
  const [items, setItems] = useState<QaScore[] | null>(null);
  useEffect(() => {
    api<Page<QaScore>>(`/api/v1/qa/scores?${query}&limit=100`)
      .then((p) => setItems(p.items))
      .catch(() => setItems([]));
  }, [query]);
  const lng = i18n.resolvedLanguage ?? "en";
  return (
    <section aria-label={title} data-testid={testid}>
      <h2>{title}</h2>
      {items && items.length === 0 && <p className="muted">{t("qa.none")}</p>}
      {items && items.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>{t("qa.conversation")}</th>
              <th>{t("qa.card")}</th>
              <th>{t("qa.score")}</th>
              <th>{t("qa.state")}</th>
              <th>{t("qa.when")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.id} data-testid="qa-row" data-conversation-id={s.conversation_id}>
                <td>
                  <Link to={`/c/${s.conversation_id}`}>{s.conversation_id.slice(-8)}</Link>
                </td>
                <td>{s.scorecard_id}</td>
                <td>
                  {s.total} · {s.passed ? t("qa.passed") : t("qa.failed")}
                  {s.sampled && ` · ${t("qa.sampled")}`}
                </td>
                <td>{t(`qa.statuses.${s.status}`)}</td>
                <td>
                  <time>{formatAgo(s.created_at, lng)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

interface Settings {
  rules: Json[];
  scorecards: Json[];
  sample_rate: number;
  [k: string]: unknown;
}

/** Where the server's refusal points: `rule `id`: …` or `scorecard `id`: …` (kefu_qa::QaError). */
function refusalTarget(message: string): { kind: "rule" | "scorecard"; id: string } | null {
  const m = /^(rule|scorecard) `([^`]*)`: /.exec(message);
  return m ? { kind: m[1] as "rule" | "scorecard", id: m[2] } : null;
}

/**
 * The rules and scorecards, as a form or (advanced) as JSON
 * (docs/quality-inspection.md names every field); the server checks them
 * and names what is wrong, which is shown beside that rule or card.
 */
function QaSettingsEditor() {
  const { t } = useTranslation();
  const [settings, setSettings] = useState<Settings | null>(null);
  const [json, setJson] = useState(false);
  const [rules, setRules] = useState("");
  const [cards, setCards] = useState("");
  const [rate, setRate] = useState("0");
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  const show = useCallback((s: Settings) => {
    setSettings(s);
    setRules(JSON.stringify(s.rules, null, 2));
    setCards(JSON.stringify(s.scorecards, null, 2));
    setRate(String(s.sample_rate ?? 0));
  }, []);

  useEffect(() => {
    api<Settings>("/api/v1/qa/settings").then(show).catch((e) => setError(errorText(e) ?? "network"));
  }, [show]);

  /** What would be saved: the form's state, or the JSON as typed. */
  function current(): Settings | null {
    if (!settings) return null;
    const sample_rate = Number(rate) || 0;
    if (!json) return { ...settings, sample_rate };
    try {
      const r: unknown = JSON.parse(rules);
      const c: unknown = JSON.parse(cards);
      if (!Array.isArray(r) || !Array.isArray(c)) throw new Error(t("qaForm.notLists"));
      return { ...settings, rules: r as Json[], scorecards: c as Json[], sample_rate };
    } catch (e) {
      setError(t("qa.badJson", { error: e instanceof Error ? e.message : String(e) }));
      return null;
    }
  }

  function toggleJson(on: boolean) {
    setError(null);
    if (on) {
      const s = current();
      if (s) show(s);
      setJson(true);
      return;
    }
    // Back to the form only with JSON it can show.
    const s = current();
    if (s) {
      setSettings(s);
      setJson(false);
    }
  }

  function editRules(next: Json[], renamed?: { from: string; to: string }) {
    setSaved(false);
    setSettings((s) => {
      if (!s) return s;
      const scorecards = renamed
        ? s.scorecards.map((c) =>
            Array.isArray(c.items)
              ? { ...c, items: (c.items as Json[]).map((i) => (i.rule_id === renamed.from ? { ...i, rule_id: renamed.to } : i)) }
              : c,
          )
        : s.scorecards;
      return { ...s, rules: next, scorecards };
    });
  }

  async function save() {
    setError(null);
    setSaved(false);
    const body = current();
    if (!body) return;
    try {
      show(await api<Settings>("/api/v1/qa/settings", { method: "PUT", body }));
      setSaved(true);
    } catch (e) {
      setError(errorText(e) ?? "network");
    }
  }

  const target = error ? refusalTarget(error) : null;
  const ruleErrors: Record<string, string> = target?.kind === "rule" && error ? { [target.id]: error } : {};
  const cardErrors: Record<string, string> = target?.kind === "scorecard" && error ? { [target.id]: error } : {};

  return (
    <section aria-label={t("qa.settings")} data-testid="qa-settings">
      <h2>{t("qa.settings")}</h2>
      <label className="check">
        <input type="checkbox" checked={json} onChange={(e) => toggleJson(e.target.checked)} data-testid="qa-advanced" />
        {t("qaForm.advanced")}
      </label>
      {error && (
        <p role="alert" className="error" data-testid="qa-settings-error">
          {!json && target ? t("qaForm.refused", { error }) : error}
        </p>
      )}
      {saved && <p role="status" data-testid="qa-settings-saved">{t("tickets.saved")}</p>}
      {json ? (
        <>
          <label className="stack">
            {t("qa.rules")}
            <textarea rows={12} value={rules} onChange={(e) => setRules(e.target.value)} spellCheck={false} data-testid="qa-rules" />
          </label>
          <label className="stack">
            {t("qa.scorecards")}
            <textarea rows={10} value={cards} onChange={(e) => setCards(e.target.value)} spellCheck={false} data-testid="qa-scorecards" />
          </label>
        </>
      ) : (
        settings && (
          <>
            <QaRulesEditor rules={settings.rules} onChange={editRules} errors={ruleErrors} />
            <QaScorecardEditor
              cards={settings.scorecards}
              ruleIds={settings.rules.map((r) => (typeof r.id === "string" ? r.id : "")).filter(Boolean)}
              onChange={(scorecards) => {
                setSaved(false);
                setSettings((s) => (s ? { ...s, scorecards } : s));
              }}
              errors={cardErrors}
            />
          </>
        )
      )}
      <label>
        {t("qa.sampleRate")} <input type="number" min="0" max="1" step="0.01" value={rate} onChange={(e) => setRate(e.target.value)} data-testid="qa-sample-rate" />
      </label>
      <p className="row">
        <button type="button" onClick={() => void save()} data-testid="qa-save-settings">
          {t("qa.saveSettings")}
        </button>
      </p>
      <h3>{t("qa.preview")}</h3>
      <RulePreview rules={() => current()?.rules ?? null} testid="qa-preview-all" />
    </section>
  );
}
