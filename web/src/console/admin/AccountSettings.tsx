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
    </section>
  );
}
