import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError, errorText, type Availability } from "../shared/api";
import { formatTime } from "../shared/dates";
import type { Me } from "./App";
import type { AgentEvent } from "./socket";

/** GET /api/v1/queues (crates/kefu-http/src/routes/queues/overview.rs). */
export interface QueueOverview {
  queues: QueueSummary[];
  agents: AgentLoad[];
  at: number;
}

export interface QueueSummary {
  team_id: string | null;
  inbox_id: string | null;
  name: string;
  waiting: number;
  longest_wait_ms: number;
  by_priority: Record<string, number>;
  agents_online: number;
}

export interface AgentLoad {
  user_id: string;
  name: string;
  availability: Availability;
  capacity: number;
  open: Record<string, number>;
  open_total: number;
}

const REFRESH_MS = 5_000;
/** Socket events come in bursts; one read covers a burst. */
const EVENT_DEBOUNCE_MS = 500;
const PRIORITIES = ["urgent", "high", "normal", "low"] as const;

/** "03:07", or "1:03:07" past an hour. */
export function formatWait(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const mm = String(Math.floor((total % 3600) / 60)).padStart(2, "0");
  const ss = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/**
 * The floor for supervisors and admins: every queue with its length, its
 * longest wait (ticking) and its priorities, and every agent with their
 * status and load. Read every 5 s and on the account's events. Looking only:
 * nothing here changes anything.
 */
export function Queues({ me, subscribe }: { me: Me; subscribe: (l: (e: AgentEvent) => void) => () => void }) {
  const { t, i18n } = useTranslation();
  const allowed = me.role === "admin" || me.role === "supervisor";
  const [view, setView] = useState<{ data: QueueOverview; at: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const load = useCallback(async () => {
    try {
      const data = await api<QueueOverview>("/api/v1/queues");
      const at = Date.now();
      setView({ data, at });
      setNow(at);
      setError(null);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 403 ? t("queues.forbidden") : (errorText(e) ?? t("conv.error", { code: "network" })));
    }
  }, [t]);

  useEffect(() => {
    if (!allowed) return;
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [allowed, load]);

  useEffect(() => {
    if (!allowed) return;
    const off = subscribe(() => {
      clearTimeout(pending.current);
      pending.current = setTimeout(() => void load(), EVENT_DEBOUNCE_MS);
    });
    return () => {
      off();
      clearTimeout(pending.current);
    };
  }, [allowed, subscribe, load]);

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  if (!allowed) {
    return (
      <main className="admin-main standalone">
        <p className="error" role="alert" data-testid="queues-forbidden">
          {t("queues.forbidden")}
        </p>
      </main>
    );
  }

  const lng = i18n.resolvedLanguage ?? "en";
  const elapsed = view ? Math.max(0, now - view.at) : 0;
  return (
    <main className="admin-main standalone queues-page" data-testid="queues-page">
      <h1>{t("queues.title")}</h1>
      {error && (
        <p role="alert" className="error" data-testid="queues-error">
          {error}
        </p>
      )}
      {view && (
        <p className="muted" data-testid="queues-updated">
          {t("queues.updated", { time: formatTime(view.data.at, lng) })}
        </p>
      )}
      <section aria-labelledby="queues-heading">
        <h2 id="queues-heading">{t("queues.queues")}</h2>
        {view && view.data.queues.length === 0 && (
          <p className="muted" data-testid="queues-empty">
            {t("queues.noQueues")}
          </p>
        )}
        {view && view.data.queues.length > 0 && (
          <div className="table-wrap">
            <table className="queues-table">
              <thead>
                <tr>
                  <th scope="col">{t("queues.name")}</th>
                  <th scope="col">{t("queues.waiting")}</th>
                  <th scope="col">{t("queues.longest")}</th>
                  <th scope="col">{t("queues.byPriority")}</th>
                  <th scope="col">{t("queues.online")}</th>
                </tr>
              </thead>
              <tbody>
                {view.data.queues.map((q) => (
                  <tr
                    key={`${q.team_id ?? ""}:${q.inbox_id ?? ""}`}
                    data-testid="queue-row"
                    data-team-id={q.team_id ?? ""}
                    data-inbox-id={q.inbox_id ?? ""}
                    data-waiting={q.waiting}
                  >
                    <th scope="row" data-testid="queue-name">
                      {q.name}
                    </th>
                    <td data-testid="queue-waiting">{q.waiting}</td>
                    <td data-testid="queue-longest">
                      <time>{formatWait(q.longest_wait_ms + (q.waiting > 0 ? elapsed : 0))}</time>
                    </td>
                    <td data-testid="queue-priorities">
                      <ul className="chips">
                        {PRIORITIES.filter((p) => (q.by_priority[p] ?? 0) > 0).map((p) => (
                          <li key={p} className={`chip priority-${p}`} data-priority={p}>
                            {t(`queues.priority.${p}`)}: {q.by_priority[p]}
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td data-testid="queue-online">{q.agents_online}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="agents-heading">
        <h2 id="agents-heading">{t("queues.agents")}</h2>
        {view && view.data.agents.length === 0 && (
          <p className="muted" data-testid="agents-empty">
            {t("queues.noAgents")}
          </p>
        )}
        {view && view.data.agents.length > 0 && (
          <ul className="agent-loads">
            {view.data.agents.map((a) => {
              return (
                <li
                  key={a.user_id}
                  className="agent-load"
                  data-testid="agent-row"
                  data-user-id={a.user_id}
                  data-availability={a.availability}
                  data-open={a.open_total}
                  data-capacity={a.capacity}
                >
                  <span className={`dot dot-${a.availability}`} aria-hidden="true" />
                  <span className="agent-name" data-testid="agent-name">
                    {a.name}
                  </span>
                  <span className="muted" data-testid="agent-availability">
                    {t(`presence.${a.availability}`)}
                  </span>
                  <meter
                    className="load-bar"
                    data-testid="agent-meter"
                    min={0}
                    max={Math.max(1, a.capacity)}
                    low={Math.max(1, a.capacity) * 0.75}
                    high={Math.max(1, a.capacity) - 0.01}
                    optimum={0}
                    value={Math.min(a.open_total, Math.max(1, a.capacity))}
                    aria-label={t("queues.load")}
                  />
                  <span className="load-text" data-testid="agent-load">
                    {a.open_total} / {a.capacity}
                  </span>
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </main>
  );
}
