import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, type Conversation } from "../shared/api";

/** GET /conversations/{id}/qa (crates/kefu-http/src/routes/qa/scores.rs). */
interface QaScore {
  scorecard_id: string;
  total: number;
  passed: boolean;
  critical_failed: string[];
  hits: { rule_id: string; message_id: string | null; start: number; end: number; detail: string }[];
}

/**
 * The conversation's quality-inspection scores, once it was resolved and
 * inspected: each scorecard's total, whether it passed, and the hits with
 * the rule and what was found (shown as text, never as HTML).
 */
export function QaPanel({ conv }: { conv: Conversation }) {
  const { t } = useTranslation();
  const [scores, setScores] = useState<QaScore[]>([]);

  useEffect(() => {
    let cancelled = false;
    api<QaScore[]>(`/api/v1/conversations/${conv.id}/qa`)
      .then((s) => !cancelled && setScores(s))
      .catch(() => !cancelled && setScores([]));
    return () => {
      cancelled = true;
    };
  }, [conv.id, conv.version, conv.last_seq]);

  if (scores.length === 0) return null;
  return (
    <section className="qa-panel" data-testid="qa-panel" aria-labelledby="qa-title">
      <h2 id="qa-title">{t("qa.title")}</h2>
      {scores.map((s) => (
        <div key={s.scorecard_id} data-testid="qa-score" data-passed={String(s.passed)}>
          <p>
            <strong>{s.scorecard_id}</strong>: {t("qa.total", { total: s.total })}{" "}
            <span className={`badge ${s.passed ? "status-resolved" : "status-queued"}`}>{s.passed ? t("qa.passed") : t("qa.failed")}</span>
          </p>
          {s.hits.length > 0 && (
            <ul className="qa-hits">
              {s.hits.map((h, i) => (
                <li key={i} data-testid="qa-hit">
                  {h.rule_id}: {h.detail}
                  {s.critical_failed.includes(h.rule_id) && <span className="badge"> {t("qa.critical")}</span>}
                </li>
              ))}
            </ul>
          )}
        </div>
      ))}
    </section>
  );
}
