import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { Account } from "../../shared/api";
import type { Me } from "../App";
import { api, Outcome, ReadOnlyNote, useAction, useResource } from "./common";

/** Time zones the browser knows, for suggestions; any IANA name is accepted. */
const ZONES: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.("timeZone") ?? [];
  } catch {
    return [];
  }
})();

export function AccountSettings({ me }: { me: Me }) {
  const { t } = useTranslation();
  const readOnly = me.role !== "admin";
  const { data, error, setData } = useResource<Account>("/api/v1/account");
  const save = useAction();
  const [name, setName] = useState("");
  const [tz, setTz] = useState("");

  useEffect(() => {
    if (data) {
      setName(data.name);
      setTz(data.time_zone);
    }
  }, [data]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const { value } = await save.run(() => api<Account>("/api/v1/account", { method: "PATCH", body: { name, time_zone: tz } }));
    if (value) setData(value);
  }

  return (
    <section className="admin-section" data-testid="admin-account">
      <h2>{t("admin.sections.account")}</h2>
      <ReadOnlyNote readOnly={readOnly} />
      <Outcome error={error} />
      {data && (
        <form className="stack-form" onSubmit={submit}>
          <label>
            {t("admin.account.name")}
            <input name="account-name" value={name} onChange={(e) => setName(e.target.value)} disabled={readOnly} required />
          </label>
          <label>
            {t("admin.account.timeZone")}
            <input
              name="time-zone"
              list="time-zones"
              value={tz}
              onChange={(e) => setTz(e.target.value)}
              disabled={readOnly}
              aria-describedby="tz-hint"
              required
            />
          </label>
          <datalist id="time-zones">
            {ZONES.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
          <span id="tz-hint" className="hint">
            {t("admin.account.timeZoneHint")}
          </span>
          {!readOnly && (
            <button type="submit" disabled={save.busy} data-testid="account-save">
              {t("admin.save")}
            </button>
          )}
          <Outcome error={save.error} ok={save.ok} />
        </form>
      )}
      {!readOnly && <RetentionPolicyForm />}
    </section>
  );
}

interface RetentionPolicy {
  days: number | null;
  action: "anonymise" | "delete";
}

/** How long conversations are kept (admins): off, or N days then anonymise or delete. */
function RetentionPolicyForm() {
  const { t } = useTranslation();
  const { data, error, setData } = useResource<RetentionPolicy>("/api/v1/account/retention");
  const save = useAction();
  const [enabled, setEnabled] = useState(false);
  const [days, setDays] = useState("365");
  const [action, setAction] = useState<RetentionPolicy["action"]>("anonymise");

  useEffect(() => {
    if (data) {
      setEnabled(data.days !== null);
      if (data.days !== null) setDays(String(data.days));
      setAction(data.action);
    }
  }, [data]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body: RetentionPolicy = { days: enabled ? Number(days) : null, action };
    const { value } = await save.run(() => api<RetentionPolicy>("/api/v1/account/retention", { method: "PUT", body }));
    if (value) setData(value);
  }

  return (
    <form className="stack-form" onSubmit={submit} data-testid="retention-form" aria-labelledby="retention-title">
      <h3 id="retention-title">{t("admin.retention.title")}</h3>
      <Outcome error={error} />
      <p className="hint">{t("admin.retention.hint")}</p>
      <label className="check">
        <input type="checkbox" name="retention-enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        {t("admin.retention.enabled")}
      </label>
      {enabled && (
        <>
          <label>
            {t("admin.retention.days")}
            <input name="retention-days" type="number" min={1} max={3650} value={days} onChange={(e) => setDays(e.target.value)} required />
          </label>
          <label>
            {t("admin.retention.action")}
            <select name="retention-action" value={action} onChange={(e) => setAction(e.target.value as RetentionPolicy["action"])}>
              <option value="anonymise">{t("admin.retention.anonymise")}</option>
              <option value="delete">{t("admin.retention.delete")}</option>
            </select>
          </label>
        </>
      )}
      <button type="submit" disabled={save.busy} data-testid="retention-save">
        {t("admin.save")}
      </button>
      <Outcome error={save.error} ok={save.ok} />
    </form>
  );
}
