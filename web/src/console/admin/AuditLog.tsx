import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, errorText, type AuditEntry, type Page } from "../../shared/api";
import { formatTime } from "../../shared/dates";
import { useDirectory } from "../directory";
import { Outcome } from "./common";

const PAGE = 50;

/** The account's audit log, newest first, one page at a time. */
export function AuditLog() {
  const { t, i18n } = useTranslation();
  const dir = useDirectory();
  const [items, setItems] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async (from: string | null) => {
    setBusy(true);
    try {
      const q = from ? `&cursor=${encodeURIComponent(from)}` : "";
      const page = await api<Page<AuditEntry>>(`/api/v1/audit-log?limit=${PAGE}${q}`);
      setItems((list) => (from ? [...list, ...page.items] : page.items));
      setCursor(page.next_cursor ?? null);
      setError(null);
    } catch (e) {
      setError(errorText(e) ?? "network");
    } finally {
      setBusy(false);
    }
  }, []);

  useEffect(() => {
    void load(null);
  }, [load]);

  const lng = i18n.resolvedLanguage ?? "en";
  return (
    <section className="admin-section" data-testid="admin-audit">
      <h2>{t("admin.sections.audit")}</h2>
      <Outcome error={error} />
      <div className="table-wrap" tabIndex={0}>
        <table className="audit">
          <thead>
            <tr>
              <th scope="col">{t("admin.audit.when")}</th>
              <th scope="col">{t("admin.audit.actor")}</th>
              <th scope="col">{t("admin.audit.action")}</th>
              <th scope="col">{t("admin.audit.target")}</th>
              <th scope="col">{t("admin.audit.details")}</th>
              <th scope="col">{t("admin.audit.ip")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((a) => (
              <tr key={a.id} data-testid="audit-row" data-action={a.action}>
                <td className="nowrap">{formatTime(a.created_at, lng)}</td>
                <td className="wrap">{dir.userName(a.actor_user_id) ?? <code translate="no">{a.actor}</code>}</td>
                <td>
                  <code translate="no">{a.action}</code>
                </td>
                <td className="wrap">
                  <code translate="no">{a.target ?? ""}</code>
                </td>
                <td className="wrap">
                  <code translate="no">{a.details && typeof a.details === "object" && Object.keys(a.details).length ? JSON.stringify(a.details) : ""}</code>
                </td>
                <td>{a.ip ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {items.length === 0 && !busy && <p className="muted">{t("admin.empty")}</p>}
      {cursor ? (
        <button type="button" onClick={() => void load(cursor)} disabled={busy} data-testid="audit-more">
          {t("admin.audit.more")}
        </button>
      ) : (
        cursor === null && items.length > 0 && <p className="muted">{t("admin.audit.end")}</p>
      )}
    </section>
  );
}
