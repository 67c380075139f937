import { useRef } from "react";
import { useTranslation } from "react-i18next";
import { NumberField, withSetting } from "./common";

export const PRIORITIES = ["urgent", "high", "normal", "low"] as const;
export type Priority = (typeof PRIORITIES)[number];
export const METRICS = ["first_response_s", "next_response_s", "resolution_s"] as const;
export type Metric = (typeof METRICS)[number];

type Targets = Partial<Record<Metric, number>>;

export interface SlaPolicy {
  name: string;
  business_hours: boolean;
  targets?: Partial<Record<Priority, Targets>>;
}

/** The metric's name in the `sla.metrics` strings the clocks use. */
const METRIC_KEY: Record<Metric, string> = {
  first_response_s: "first_response",
  next_response_s: "next_response",
  resolution_s: "resolution",
};

/** Seconds as minutes for the form; a target that is not whole minutes shows its fraction. */
const toMinutes = (s: number | undefined) => (s === undefined ? undefined : Math.round((s / 60) * 1000) / 1000);
/** Minutes typed in the form as the seconds stored. Zero or less goes to the server, which refuses it. */
const toSeconds = (m: number | undefined) => (m === undefined ? undefined : Math.round(m * 60));

/**
 * `settings.sla` of an inbox: its name, business or calendar hours, and per
 * priority the first-response, next-response and resolution targets. The
 * form takes minutes and stores seconds; an empty field is no target, and
 * a priority without targets is left out (it uses the next lower one's).
 */
export function InboxSla({
  value,
  onChange,
  disabled,
}: {
  value: Record<string, unknown>;
  onChange: (v: Record<string, unknown>) => void;
  disabled: boolean;
}) {
  const { t } = useTranslation();
  const sla = (value.sla ?? null) as SlaPolicy | null;
  const last = useRef<SlaPolicy | null>(null);
  const set = (p: SlaPolicy) => onChange(withSetting(value, "sla", p));

  const toggle = (on: boolean) => {
    if (on) {
      set(last.current ?? { name: t("inboxSettings.sla.defaultName"), business_hours: value.business_hours != null, targets: {} });
    } else {
      last.current = sla;
      onChange(withSetting(value, "sla", undefined));
    }
  };

  const setTarget = (p: Priority, m: Metric, seconds: number | undefined) => {
    if (!sla) return;
    const targets = { ...(sla.targets ?? {}) };
    const row: Targets = { ...(targets[p] ?? {}) };
    if (seconds === undefined) delete row[m];
    else row[m] = seconds;
    if (Object.keys(row).length) targets[p] = row;
    else delete targets[p];
    set({ ...sla, targets });
  };

  return (
    <fieldset className="settings-group" data-testid="inbox-sla">
      <legend>{t("inboxSettings.sla.title")}</legend>
      <label className="check">
        <input type="checkbox" name="sla-enabled" checked={sla !== null} onChange={(e) => toggle(e.target.checked)} disabled={disabled} />
        {t("inboxSettings.sla.enabled")}
      </label>
      {sla && (
        <>
          <label>
            {t("inboxSettings.sla.name")}
            <input name="sla-name" value={sla.name} onChange={(e) => set({ ...sla, name: e.target.value })} maxLength={100} disabled={disabled} required />
          </label>
          <label className="check">
            <input
              type="checkbox"
              name="sla-business-hours"
              checked={sla.business_hours}
              onChange={(e) => set({ ...sla, business_hours: e.target.checked })}
              disabled={disabled}
            />
            {t("inboxSettings.sla.businessHours")}
          </label>
          <p className="hint">{t("inboxSettings.sla.hint")}</p>
          <div className="table-wrap" tabIndex={0} role="region" aria-label={t("inboxSettings.sla.targets")}>
            <table className="sla-targets">
              <thead>
                <tr>
                  <th scope="col">{t("inboxSettings.sla.priority")}</th>
                  {METRICS.map((m) => (
                    <th key={m} scope="col">
                      {t(`sla.metrics.${METRIC_KEY[m]}`)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {PRIORITIES.map((p) => (
                  <tr key={p} data-testid="sla-priority" data-priority={p}>
                    <th scope="row">{t(`queues.priority.${p}`)}</th>
                    {METRICS.map((m) => (
                      <td key={m}>
                        <NumberField
                          name={`sla-${p}-${m}`}
                          className="minutes"
                          value={toMinutes(sla.targets?.[p]?.[m])}
                          onChange={(v) => setTarget(p, m, toSeconds(v))}
                          min={0}
                          step="any"
                          aria-label={t("inboxSettings.sla.targetOf", { priority: t(`queues.priority.${p}`), metric: t(`sla.metrics.${METRIC_KEY[m]}`) })}
                          disabled={disabled}
                        />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </fieldset>
  );
}
