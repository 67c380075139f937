import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, errorText, type Page } from "../shared/api";
import { formatAgo } from "../shared/dates";
import type { Me } from "./App";
import type { QaScore } from "./QaPanel";

/**
 * Quality inspection in the console: every member's own scores; for
 * supervisors the review queue (failed or sampled scores not yet final);
 * for admins the rules and scorecards, with a preview on a conversation.
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
  rules: unknown[];
  scorecards: unknown[];
  sample_rate: number;
}

/** The rules and scorecards as JSON (docs/quality-inspection.md names every field); the server checks and names what is wrong. */
function QaSettingsEditor() {
  const { t } = useTranslation();
  const [rules, setRules] = useState("");
  const [cards, setCards] = useState("");
  const [rate, setRate] = useState("0");
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [previewConv, setPreviewConv] = useState("");
  const [hits, setHits] = useState<{ rule_id: string; detail: string; message_index: number | null }[] | null>(null);

  const show = useCallback((s: Settings) => {
    setRules(JSON.stringify(s.rules, null, 2));
    setCards(JSON.stringify(s.scorecards, null, 2));
    setRate(String(s.sample_rate ?? 0));
  }, []);

  useEffect(() => {
    api<Settings>("/api/v1/qa/settings").then(show).catch((e) => setError(errorText(e) ?? "network"));
  }, [show]);

  function parsed(): Settings | null {
    try {
      return { rules: JSON.parse(rules), scorecards: JSON.parse(cards), sample_rate: Number(rate) || 0 };
    } catch (e) {
      setError(t("qa.badJson", { error: String(e) }));
      return null;
    }
  }

  async function save() {
    setError(null);
    setSaved(false);
    const body = parsed();
    if (!body) return;
    try {
      show(await api<Settings>("/api/v1/qa/settings", { method: "PUT", body }));
      setSaved(true);
    } catch (e) {
      setError(errorText(e) ?? "network");
    }
  }

  async function preview() {
    setError(null);
    const body = parsed();
    if (!body) return;
    try {
      const r = await api<{ hits: typeof hits }>("/api/v1/qa/preview", { method: "POST", body: { conversation_id: previewConv.trim(), rules: body.rules } });
      setHits(r.hits);
    } catch (e) {
      setError(errorText(e) ?? "network");
    }
  }

  return (
    <section aria-label={t("qa.settings")} data-testid="qa-settings">
      <h2>{t("qa.settings")}</h2>
      {error && (
        <p role="alert" className="error" data-testid="qa-settings-error">
          {error}
        </p>
      )}
      {saved && <p role="status" data-testid="qa-settings-saved">{t("tickets.saved")}</p>}
      <label className="stack">
        {t("qa.rules")}
        <textarea rows={12} value={rules} onChange={(e) => setRules(e.target.value)} spellCheck={false} data-testid="qa-rules" />
      </label>
      <label className="stack">
        {t("qa.scorecards")}
        <textarea rows={10} value={cards} onChange={(e) => setCards(e.target.value)} spellCheck={false} data-testid="qa-scorecards" />
      </label>
      <label>
        {t("qa.sampleRate")} <input type="number" min="0" max="1" step="0.01" value={rate} onChange={(e) => setRate(e.target.value)} data-testid="qa-sample-rate" />
      </label>
      <p className="row">
        <button type="button" onClick={() => void save()} data-testid="qa-save-settings">
          {t("qa.saveSettings")}
        </button>
      </p>
      <h3>{t("qa.preview")}</h3>
      <p className="row">
        <input value={previewConv} onChange={(e) => setPreviewConv(e.target.value)} placeholder={t("tickets.linkPlaceholder")} aria-label={t("tickets.linkPlaceholder")} data-testid="qa-preview-conversation" />
        <button type="button" disabled={!previewConv.trim()} onClick={() => void preview()} data-testid="qa-preview">
          {t("qa.runPreview")}
        </button>
      </p>
      {hits && (
        <ul data-testid="qa-preview-hits">
          {hits.length === 0 && <li className="muted">{t("qa.noHits")}</li>}
          {hits.map((h, i) => (
            <li key={i} data-testid="qa-preview-hit">
              {h.rule_id}: {h.detail} {h.message_index !== null && `(#${h.message_index + 1})`}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
