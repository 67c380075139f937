import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, errorText, type Conversation } from "../shared/api";
import type { Me } from "./App";

/** GET /conversations/{id}/qa (crates/kefu-http/src/routes/qa/scores.rs). */
export interface QaScore {
  id: string;
  conversation_id: string;
  scorecard_id: string;
  total: number;
  passed: boolean;
  critical_failed: string[];
  hits: { rule_id: string; message_id: string | null; start: number; end: number; detail: string; verdict?: "confirmed" | "rejected" }[];
  status: "auto" | "reviewed" | "appealed" | "final";
  agent_id: string | null;
  sampled: boolean;
  adjustment: number;
  review: { note?: string | null; appeal?: { reason: string }; decision?: { accepted: boolean } };
  version: number;
  created_at: number;
}

/**
 * The conversation's quality-inspection scores, once it was resolved and
 * inspected: each scorecard's total, whether it passed, and the hits with
 * the rule and what was found (shown as text, never as HTML). Supervisors
 * review them here (reject hits, adjust, decide an appeal); the agent the
 * score belongs to may appeal it.
 */
export function QaPanel({
  conv,
  me,
  messageText,
}: {
  conv: Conversation;
  me: Me;
  /** The text of a message the view has loaded, to quote what a hit is about. */
  messageText: (id: string) => string | null;
}) {
  const { t } = useTranslation();
  const [scores, setScores] = useState<QaScore[]>([]);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    api<QaScore[]>(`/api/v1/conversations/${conv.id}/qa`)
      .then(setScores)
      .catch(() => setScores([]));
  }, [conv.id]);

  useEffect(() => load(), [load, conv.version, conv.last_seq]);

  if (scores.length === 0) return null;
  const supervisor = me.role !== "agent";
  return (
    <section className="qa-panel" data-testid="qa-panel" aria-labelledby="qa-title">
      <h2 id="qa-title">{t("qa.title")}</h2>
      {error && (
        <p role="alert" className="error" data-testid="qa-error">
          {error}
        </p>
      )}
      {scores.map((s) => (
        <ScoreView
          key={s.scorecard_id}
          score={s}
          supervisor={supervisor}
          mine={s.agent_id === me.user.id}
          messageText={messageText}
          onSaved={(next) => {
            setError(null);
            setScores((list) => list.map((x) => (x.scorecard_id === next.scorecard_id ? next : x)));
          }}
          onError={(e) => setError(errorText(e) ?? "network")}
        />
      ))}
    </section>
  );
}

function ScoreView({
  score: s,
  supervisor,
  mine,
  messageText,
  onSaved,
  onError,
}: {
  score: QaScore;
  supervisor: boolean;
  mine: boolean;
  messageText: (id: string) => string | null;
  onSaved: (s: QaScore) => void;
  onError: (e: unknown) => void;
}) {
  const { t } = useTranslation();
  const [rejected, setRejected] = useState<Set<number>>(new Set());
  const [adjustment, setAdjustment] = useState("0");
  const [reason, setReason] = useState("");

  useEffect(() => {
    setRejected(new Set(s.hits.flatMap((h, i) => (h.verdict === "rejected" ? [i] : []))));
    setAdjustment(String(s.adjustment ?? 0));
  }, [s]);

  const base = `/api/v1/conversations/${s.conversation_id}/qa/${encodeURIComponent(s.scorecard_id)}`;
  async function post(path: string, body: unknown) {
    try {
      onSaved(await api<QaScore>(`${base}/${path}`, { method: "POST", body: { version: s.version, ...(body as object) } }));
    } catch (e) {
      onError(e);
    }
  }
  const verdicts = { rejected_hits: [...rejected], adjustment: Number(adjustment) || 0 };
  const reviewable = supervisor && (s.status === "auto" || s.status === "reviewed");
  const decidable = supervisor && s.status === "appealed" && !mine;
  const appealable = mine && (s.status === "auto" || s.status === "reviewed");

  return (
    <div data-testid="qa-score" data-passed={String(s.passed)} data-status={s.status}>
      <p>
        <strong>{s.scorecard_id}</strong>: {t("qa.total", { total: s.total })}{" "}
        <span className={`badge ${s.passed ? "status-resolved" : "status-queued"}`}>{s.passed ? t("qa.passed") : t("qa.failed")}</span>{" "}
        <span className="badge" data-testid="qa-status">
          {t(`qa.statuses.${s.status}`)}
        </span>
      </p>
      {s.hits.length > 0 && (
        <ul className="qa-hits">
          {s.hits.map((h, i) => (
            <li key={i} data-testid="qa-hit" data-verdict={h.verdict ?? ""}>
              {(reviewable || decidable) && (
                <label>
                  <input
                    type="checkbox"
                    checked={rejected.has(i)}
                    onChange={(e) => {
                      const next = new Set(rejected);
                      if (e.target.checked) next.add(i);
                      else next.delete(i);
                      setRejected(next);
                    }}
                    data-testid="qa-reject"
                  />{" "}
                  {t("qa.reject")}{" "}
                </label>
              )}
              <span className={h.verdict === "rejected" ? "rejected" : undefined}>
                {h.rule_id}: {h.detail}
              </span>
              <HitQuote hit={h} messageText={messageText} />
              {s.critical_failed.includes(h.rule_id) && <span className="badge"> {t("qa.critical")}</span>}
            </li>
          ))}
        </ul>
      )}
      {s.review.appeal && (
        <p className="muted" data-testid="qa-appeal-reason">
          {t("qa.appealReason")}: {s.review.appeal.reason}
        </p>
      )}
      {(reviewable || decidable) && (
        <label className="row">
          {t("qa.adjustment")}{" "}
          <input type="number" step="any" value={adjustment} onChange={(e) => setAdjustment(e.target.value)} data-testid="qa-adjustment" />
        </label>
      )}
      {reviewable && (
        <button type="button" onClick={() => void post("review", verdicts)} data-testid="qa-save-review">
          {t("qa.saveReview")}
        </button>
      )}
      {decidable && (
        <p className="row">
          <button type="button" onClick={() => void post("decide", { accept: true, ...verdicts })} data-testid="qa-uphold">
            {t("qa.uphold")}
          </button>
          <button type="button" onClick={() => void post("decide", { accept: false })} data-testid="qa-refuse">
            {t("qa.refuse")}
          </button>
        </p>
      )}
      {appealable && (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void post("appeal", { reason });
          }}
        >
          <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder={t("qa.appealPlaceholder")} aria-label={t("qa.appealPlaceholder")} data-testid="qa-appeal-reason-input" />
          <button type="submit" disabled={!reason.trim()} data-testid="qa-appeal">
            {t("qa.appeal")}
          </button>
        </form>
      )}
    </div>
  );
}

/** At most this many characters of a message are quoted under a hit. */
const QUOTE_CHARS = 80;

/**
 * The words a hit is about, when its detail does not already say them (a
 * sentiment hit's detail is its probability; the reviewer judges the
 * message), so each verdict can be given without scrolling.
 */
function HitQuote({ hit, messageText }: { hit: QaScore["hits"][number]; messageText: (id: string) => string | null }) {
  const text = hit.message_id ? messageText(hit.message_id) : null;
  if (!text || hit.end <= hit.start) return null;
  const chars = [...text].slice(hit.start, hit.end);
  const quote = chars.length > QUOTE_CHARS ? `${chars.slice(0, QUOTE_CHARS).join("")}…` : chars.join("");
  if (quote === hit.detail) return null;
  return (
    <q className="qa-quote" data-testid="qa-hit-quote">
      {quote}
    </q>
  );
}
