import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../shared/api";
import type { AgentEvent } from "./socket";

/** GET /conversations/{id}/sla (crates/kefu-http/src/sla.rs); times in epoch milliseconds. */
export interface ConversationSla {
  policy: string | null;
  time_zone: string | null;
  metrics: SlaMetricStatus[];
}

export type SlaMetric = "first_response" | "next_response" | "resolution";

export interface SlaMetricStatus {
  metric: SlaMetric;
  target_ms: number;
  business_hours: boolean;
  started_at: number;
  achieved_at: number | null;
  clock: { due_at: number | null; remaining_ms: number; breached: boolean; running: boolean };
}

/** How often the clocks are read again without any event (the countdown itself is local). */
const REFRESH_MS = 30_000;

/** "12:34" or "1:02:03": what is left, to the second. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

type Tone = "ok" | "warn" | "breached" | "met" | "paused";

/**
 * The conversation's SLA clocks, one chip per target: time left counting
 * down every second while the clock runs (from `remaining_ms` and when it
 * was read), overdue in red, under a fifth of the target in amber, paused
 * or met in grey. Read again on the conversation's events and every 30 s;
 * nothing at all when the inbox has no SLA policy.
 */
export function SlaClocks({ conversationId, subscribe }: { conversationId: string; subscribe: (l: (e: AgentEvent) => void) => () => void }) {
  const [sla, setSla] = useState<{ data: ConversationSla; at: number } | null>(null);
  const [now, setNow] = useState(() => Date.now());

  const load = useCallback(async () => {
    try {
      const data = await api<ConversationSla>(`/api/v1/conversations/${conversationId}/sla`);
      setSla({ data, at: Date.now() });
      setNow(Date.now());
    } catch {
      /* keep what is shown; the next event or refresh tries again */
    }
  }, [conversationId]);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  useEffect(
    () =>
      subscribe((e) => {
        if (e.conversation_id !== conversationId) return;
        if (e.type.startsWith("conversation.") || e.type.startsWith("message.") || e.type === "sla.breached") void load();
      }),
    [conversationId, subscribe, load],
  );

  const ticking = sla?.data.metrics.some((m) => m.clock.running && m.achieved_at == null) ?? false;
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);

  if (!sla || sla.data.policy == null || sla.data.metrics.length === 0) return null;
  const elapsed = Math.max(0, now - sla.at);
  return (
    <ul className="sla-clocks" data-testid="sla-clocks" data-policy={sla.data.policy}>
      {sla.data.metrics.map((m) => (
        <SlaChip key={`${m.metric}-${m.started_at}`} m={m} elapsed={elapsed} />
      ))}
    </ul>
  );
}

function SlaChip({ m, elapsed }: { m: SlaMetricStatus; elapsed: number }) {
  const { t } = useTranslation();
  const met = m.achieved_at != null;
  const remaining = m.clock.running && !met ? m.clock.remaining_ms - elapsed : m.clock.remaining_ms;
  // The server's breach stands; a clock that runs out here is overdue before the next read says so.
  const breached = m.clock.breached || (!met && m.clock.running && remaining <= 0);
  let tone: Tone;
  let state: string;
  if (met && !breached) {
    tone = "met";
    state = t("sla.met");
  } else if (breached) {
    tone = "breached";
    state = met ? t("sla.missed") : t("sla.overdue", { time: overdueText(t, -remaining) });
  } else if (!m.clock.running) {
    tone = "paused";
    state = t("sla.paused", { time: formatClock(remaining) });
  } else {
    tone = remaining < m.target_ms * 0.2 ? "warn" : "ok";
    state = t("sla.left", { time: formatClock(remaining) });
  }
  const name = t(`sla.metrics.${m.metric}`);
  const title = [
    t("sla.target", { time: formatClock(m.target_ms) }),
    m.business_hours ? t("sla.businessHours") : t("sla.calendarHours"),
  ].join(" · ");
  return (
    <li
      className={`sla-clock sla-${tone}`}
      data-testid="sla-clock"
      data-metric={m.metric}
      data-breached={String(breached)}
      data-state={tone}
      data-remaining-ms={Math.round(remaining)}
      title={title}
    >
      {tone === "met" && <span aria-hidden="true">✓ </span>}
      <span className="sla-name">{name}</span>
      {" · "}
      <span className="sla-time" data-testid="sla-time">
        {state}
      </span>
    </li>
  );
}

function overdueText(t: (k: string, o?: Record<string, unknown>) => string, ms: number): string {
  const min = Math.floor(Math.max(0, ms) / 60_000);
  if (min < 1) return t("sla.underMinute");
  if (min < 60) return t("sla.minutes", { n: min });
  return t("sla.hours", { h: Math.floor(min / 60), m: min % 60 });
}
