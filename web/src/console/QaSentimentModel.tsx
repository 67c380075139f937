import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, errorText } from "../shared/api";
import { formatAgo } from "../shared/dates";

interface Counts {
  total: number;
  negative: number;
}

interface SentimentStatus {
  source: "shipped" | "account" | "unavailable";
  trained_at: number | null;
  report: { held_out?: number; shipped_accuracy?: number | null; retrained_accuracy?: number | null } | null;
  trained_on: Counts | null;
  labels: Counts;
  min_labels: number;
  min_per_polarity: number;
}

const percent = (x: number | null | undefined) => (typeof x === "number" ? `${(x * 100).toFixed(1)}%` : "–");

/**
 * Which sentiment model the account's rules use, the labels its reviewers
 * have given by judging sentiment hits, and (admins) retraining on them or
 * going back to the shipped model.
 */
export function QaSentimentModel({ admin }: { admin: boolean }) {
  const { t, i18n } = useTranslation();
  const [status, setStatus] = useState<SentimentStatus | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api<SentimentStatus>("/api/v1/qa/sentiment")
      .then(setStatus)
      .catch((e) => setError(errorText(e) ?? "network"));
  }, []);

  async function run(path: string, method: "POST" | "DELETE") {
    setBusy(true);
    setError(null);
    try {
      setStatus(await api<SentimentStatus>(path, { method }));
    } catch (e) {
      setError(errorText(e) ?? "network");
    } finally {
      setBusy(false);
    }
  }

  if (!status) return error ? <p role="alert" className="error">{error}</p> : null;
  const lng = i18n.resolvedLanguage ?? "en";
  const { labels } = status;
  const enough =
    labels.total >= status.min_labels &&
    labels.negative >= status.min_per_polarity &&
    labels.total - labels.negative >= status.min_per_polarity;
  return (
    <section aria-label={t("qaSentiment.title")} data-testid="qa-sentiment">
      <h2>{t("qaSentiment.title")}</h2>
      <p data-testid="qa-sentiment-source" data-source={status.source}>
        {status.source === "account" && status.trained_at !== null && status.trained_on
          ? t("qaSentiment.account", { when: formatAgo(status.trained_at, lng), ...status.trained_on })
          : t(`qaSentiment.${status.source}`)}
      </p>
      {status.source === "account" && status.report?.held_out ? (
        <p data-testid="qa-sentiment-report">
          {t("qaSentiment.heldOut", {
            count: status.report.held_out,
            shipped: percent(status.report.shipped_accuracy),
            retrained: percent(status.report.retrained_accuracy),
          })}
        </p>
      ) : null}
      <p data-testid="qa-sentiment-labels">{t("qaSentiment.labels", { ...labels })}</p>
      {!enough && <p className="muted">{t("qaSentiment.needs", { min: status.min_labels, per: status.min_per_polarity })}</p>}
      {error && (
        <p role="alert" className="error" data-testid="qa-sentiment-error">
          {error}
        </p>
      )}
      {admin && status.source !== "unavailable" && (
        <p className="row">
          <button
            type="button"
            disabled={busy || !enough}
            onClick={() => void run("/api/v1/qa/sentiment/retrain", "POST")}
            data-testid="qa-sentiment-retrain"
          >
            {busy ? t("qaSentiment.retraining") : t("qaSentiment.retrain")}
          </button>
          {status.source === "account" && (
            <button type="button" className="secondary" disabled={busy} onClick={() => void run("/api/v1/qa/sentiment/model", "DELETE")} data-testid="qa-sentiment-revert">
              {t("qaSentiment.revert")}
            </button>
          )}
        </p>
      )}
    </section>
  );
}
