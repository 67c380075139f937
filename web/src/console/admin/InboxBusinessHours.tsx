import { useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { withSetting } from "./common";

export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Day = (typeof DAYS)[number];
/** `["09:00", "18:00"]`: open from the start up to (not including) the end, wall-clock time. */
export type Interval = [string, string];

export interface BusinessHours {
  time_zone: string;
  weekly: Partial<Record<Day, Interval[]>>;
  holidays?: string[];
  extra_open_days?: { date: string; hours: Interval[] }[];
}

/** Zones offered in the list when the browser cannot enumerate its own. */
const COMMON_ZONES = [
  "UTC",
  "Asia/Shanghai",
  "Asia/Hong_Kong",
  "Asia/Taipei",
  "Asia/Singapore",
  "Asia/Tokyo",
  "Asia/Kolkata",
  "Europe/London",
  "Europe/Berlin",
  "Europe/Paris",
  "America/New_York",
  "America/Chicago",
  "America/Los_Angeles",
  "Australia/Sydney",
];

function timeZones(): string[] {
  try {
    const all = Intl.supportedValuesOf("timeZone");
    return all.includes("UTC") ? all : ["UTC", ...all];
  } catch {
    return COMMON_ZONES;
  }
}

function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** A new calendar: the browser's zone, weekdays 09:00–18:00. */
function starter(): BusinessHours {
  const day = (): Interval[] => [["09:00", "18:00"]];
  return {
    time_zone: browserZone(),
    weekly: { mon: day(), tue: day(), wed: day(), thu: day(), fri: day(), sat: [], sun: [] },
    holidays: [],
    extra_open_days: [],
  };
}

/**
 * The intervals of one day: start and end as `HH:MM` text (not the
 * browser's time picker, which cannot say 24:00), checked by the server
 * when the inbox is saved.
 */
function Intervals({
  name,
  dayLabel,
  value,
  onChange,
  disabled,
}: {
  name: string;
  dayLabel: string;
  value: Interval[];
  onChange: (v: Interval[]) => void;
  disabled: boolean;
}) {
  const { t } = useTranslation();
  const set = (i: number, k: 0 | 1, s: string) => onChange(value.map((iv, j) => (j === i ? ((k === 0 ? [s, iv[1]] : [iv[0], s]) as Interval) : iv)));
  return (
    <div className="intervals">
      {value.length === 0 && <span className="muted small">{t("inboxSettings.hours.closed")}</span>}
      {value.map(([start, end], i) => (
        <span key={i} className="interval" data-testid="interval">
          <input
            name={`${name}-${i}-start`}
            className="time"
            value={start}
            onChange={(e) => set(i, 0, e.target.value)}
            placeholder="09:00"
            inputMode="numeric"
            maxLength={5}
            aria-label={t("inboxSettings.hours.startOf", { day: dayLabel, n: i + 1 })}
            disabled={disabled}
          />
          <span aria-hidden="true">–</span>
          <input
            name={`${name}-${i}-end`}
            className="time"
            value={end}
            onChange={(e) => set(i, 1, e.target.value)}
            placeholder="18:00"
            inputMode="numeric"
            maxLength={5}
            aria-label={t("inboxSettings.hours.endOf", { day: dayLabel, n: i + 1 })}
            disabled={disabled}
          />
          {!disabled && (
            <button
              type="button"
              className="link"
              onClick={() => onChange(value.filter((_, j) => j !== i))}
              aria-label={t("inboxSettings.hours.removeInterval", { day: dayLabel, n: i + 1 })}
            >
              ×
            </button>
          )}
        </span>
      ))}
      {!disabled && (
        <button
          type="button"
          className="link"
          onClick={() => onChange([...value, value.length === 0 ? ["09:00", "18:00"] : [value[value.length - 1][1], ""]])}
          aria-label={t("inboxSettings.hours.addIntervalTo", { day: dayLabel })}
          data-testid={`${name}-add`}
        >
          {t("inboxSettings.hours.addInterval")}
        </button>
      )}
    </div>
  );
}

/**
 * `settings.business_hours` and `settings.outside_hours_message` of an
 * inbox. Without business hours the inbox is always open; switching them
 * off removes the calendar (and switching back on within the same visit
 * brings back what was there).
 */
export function InboxBusinessHours({
  value,
  onChange,
  disabled,
}: {
  value: Record<string, unknown>;
  onChange: (v: Record<string, unknown>) => void;
  disabled: boolean;
}) {
  const { t } = useTranslation();
  const zones = useMemo(timeZones, []);
  const hours = (value.business_hours ?? null) as BusinessHours | null;
  const last = useRef<BusinessHours | null>(null);
  const [holiday, setHoliday] = useState("");
  const [extraDate, setExtraDate] = useState("");
  const set = (h: BusinessHours) => onChange(withSetting(value, "business_hours", h));

  const toggle = (on: boolean) => {
    if (on) {
      onChange(withSetting(value, "business_hours", last.current ?? starter()));
    } else {
      last.current = hours;
      onChange(withSetting(value, "business_hours", undefined));
    }
  };

  const holidays = hours?.holidays ?? [];
  const extra = hours?.extra_open_days ?? [];
  const message = typeof value.outside_hours_message === "string" ? value.outside_hours_message : "";

  return (
    <fieldset className="settings-group" data-testid="inbox-business-hours">
      <legend>{t("inboxSettings.hours.title")}</legend>
      <label className="check">
        <input type="checkbox" name="business-hours-enabled" checked={hours !== null} onChange={(e) => toggle(e.target.checked)} disabled={disabled} />
        {t("inboxSettings.hours.enabled")}
      </label>
      {hours === null ? (
        <p className="hint" data-testid="always-open">
          {t("inboxSettings.hours.alwaysOpen")}
        </p>
      ) : (
        <>
          <label>
            {t("inboxSettings.hours.timeZone")}
            <input
              name="business-hours-time-zone"
              list="kefu-time-zones"
              value={hours.time_zone}
              onChange={(e) => set({ ...hours, time_zone: e.target.value })}
              placeholder="Asia/Shanghai"
              autoComplete="off"
              spellCheck={false}
              disabled={disabled}
              required
            />
          </label>
          <datalist id="kefu-time-zones">
            {zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
          <h4 className="settings-sub">{t("inboxSettings.hours.weekly")}</h4>
          <div className="weekly" data-testid="weekly-hours">
            {DAYS.map((d) => {
              const dayLabel = t(`inboxSettings.hours.days.${d}`);
              return (
                <div key={d} className="settings-row day" data-testid="weekday" data-day={d}>
                  <span className="day-name">{dayLabel}</span>
                  <Intervals
                    name={`bh-${d}`}
                    dayLabel={dayLabel}
                    value={hours.weekly[d] ?? []}
                    onChange={(v) => set({ ...hours, weekly: { ...hours.weekly, [d]: v } })}
                    disabled={disabled}
                  />
                </div>
              );
            })}
          </div>

          <h4 className="settings-sub">{t("inboxSettings.hours.holidays")}</h4>
          <p className="hint">{t("inboxSettings.hours.holidaysHint")}</p>
          <ul className="date-list" data-testid="holidays">
            {holidays.map((h, i) => (
              <li key={`${h}-${i}`} data-testid="holiday" data-date={h}>
                <time dateTime={h}>{h}</time>
                {!disabled && (
                  <button
                    type="button"
                    className="link"
                    onClick={() => set({ ...hours, holidays: holidays.filter((_, j) => j !== i) })}
                    aria-label={t("inboxSettings.hours.removeDate", { date: h })}
                  >
                    ×
                  </button>
                )}
              </li>
            ))}
          </ul>
          {!disabled && (
            <div className="settings-row">
              <label>
                {t("inboxSettings.hours.date")}
                <input type="date" name="holiday-date" value={holiday} onChange={(e) => setHoliday(e.target.value)} />
              </label>
              <button
                type="button"
                disabled={!holiday}
                onClick={() => {
                  set({ ...hours, holidays: [...holidays, holiday] });
                  setHoliday("");
                }}
                data-testid="holiday-add"
              >
                {t("inboxSettings.hours.addHoliday")}
              </button>
            </div>
          )}

          <h4 className="settings-sub">{t("inboxSettings.hours.extraDays")}</h4>
          <p className="hint">{t("inboxSettings.hours.extraDaysHint")}</p>
          <div data-testid="extra-open-days">
            {extra.map((day, i) => (
              <div key={`${day.date}-${i}`} className="settings-row day" data-testid="extra-open-day" data-date={day.date}>
                <span className="day-name">
                  <time dateTime={day.date}>{day.date}</time>
                </span>
                <Intervals
                  name={`extra-${i}`}
                  dayLabel={day.date}
                  value={day.hours}
                  onChange={(v) => set({ ...hours, extra_open_days: extra.map((x, j) => (j === i ? { ...x, hours: v } : x)) })}
                  disabled={disabled}
                />
                {!disabled && (
                  <button
                    type="button"
                    onClick={() => set({ ...hours, extra_open_days: extra.filter((_, j) => j !== i) })}
                    aria-label={t("inboxSettings.hours.removeDate", { date: day.date })}
                  >
                    {t("admin.remove")}
                  </button>
                )}
              </div>
            ))}
          </div>
          {!disabled && (
            <div className="settings-row">
              <label>
                {t("inboxSettings.hours.date")}
                <input type="date" name="extra-date" value={extraDate} onChange={(e) => setExtraDate(e.target.value)} />
              </label>
              <button
                type="button"
                disabled={!extraDate}
                onClick={() => {
                  set({ ...hours, extra_open_days: [...extra, { date: extraDate, hours: [["09:00", "18:00"]] }] });
                  setExtraDate("");
                }}
                data-testid="extra-day-add"
              >
                {t("inboxSettings.hours.addExtraDay")}
              </button>
            </div>
          )}

          <label>
            {t("inboxSettings.hours.message")}
            <textarea
              name="outside-hours-message"
              rows={3}
              maxLength={1000}
              value={message}
              onChange={(e) => onChange(withSetting(value, "outside_hours_message", e.target.value === "" ? undefined : e.target.value))}
              aria-describedby="outside-hours-hint"
              disabled={disabled}
            />
          </label>
          <span id="outside-hours-hint" className="hint">
            {t("inboxSettings.hours.messageHint")} <code translate="no">{"{{opens_at}}"}</code>
          </span>
          <label>
            {t("inboxSettings.hours.action")}
            <select
              name="outside-hours-action"
              value={value.outside_hours_action === "ticket" ? "ticket" : "wait"}
              onChange={(e) => onChange(withSetting(value, "outside_hours_action", e.target.value === "ticket" ? "ticket" : undefined))}
              disabled={disabled}
              data-testid="outside-hours-action"
            >
              <option value="wait">{t("inboxSettings.hours.actionWait")}</option>
              <option value="ticket">{t("inboxSettings.hours.actionTicket")}</option>
            </select>
          </label>
        </>
      )}
    </fieldset>
  );
}
