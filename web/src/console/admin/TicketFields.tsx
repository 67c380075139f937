import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Me } from "../App";
import { api, errorText, type TicketField, type TicketFieldType } from "../../shared/api";

const TYPES: readonly TicketFieldType[] = ["text", "number", "select", "checkbox", "date"];

/** One row being edited; select options as one comma-separated text. */
interface Row {
  key: string;
  label: string;
  type: TicketFieldType;
  options: string;
  required: boolean;
}

function toRow(f: TicketField): Row {
  return { key: f.key, label: f.label, type: f.type, options: (f.options ?? []).join(", "), required: f.required ?? false };
}

function toField(r: Row): TicketField {
  const options = r.type === "select" ? r.options.split(",").map((o) => o.trim()).filter(Boolean) : [];
  return { key: r.key.trim(), label: r.label.trim(), type: r.type, options, required: r.required };
}

/**
 * The account's custom ticket fields (admins): keys, labels, types, the
 * choices of select fields and which must be filled before a ticket can be
 * solved. Saved whole; the server checks them and says what is wrong.
 */
export function TicketFields({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const admin = me.role === "admin";

  useEffect(() => {
    api<{ fields: TicketField[] }>("/api/v1/ticket_fields")
      .then((r) => setRows(r.fields.map(toRow)))
      .catch((e) => setError(errorText(e) ?? "network"));
  }, []);

  function set(i: number, patch: Partial<Row>) {
    setSaved(false);
    setRows((rs) => (rs ?? []).map((r, j) => (j === i ? { ...r, ...patch } : r)));
  }

  async function save() {
    if (!rows) return;
    setError(null);
    setSaved(false);
    try {
      const r = await api<{ fields: TicketField[] }>("/api/v1/ticket_fields", { method: "PUT", body: { fields: rows.map(toField) } });
      setRows(r.fields.map(toRow));
      setSaved(true);
    } catch (e) {
      setError(errorText(e) ?? "network");
    }
  }

  return (
    <section data-testid="ticket-fields-admin">
      <h2>{t("tickets.fieldsTitle")}</h2>
      <p className="muted">{t("tickets.fieldsHint")}</p>
      {error && (
        <p role="alert" className="error" data-testid="ticket-fields-error">
          {error}
        </p>
      )}
      {saved && (
        <p role="status" data-testid="ticket-fields-saved">
          {t("tickets.saved")}
        </p>
      )}
      {rows && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <table className="table">
            <thead>
              <tr>
                <th>{t("tickets.key")}</th>
                <th>{t("tickets.label")}</th>
                <th>{t("tickets.fieldType")}</th>
                <th>{t("tickets.options")}</th>
                <th>{t("tickets.required")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i} data-testid="ticket-field-row">
                  <td>
                    <input value={r.key} disabled={!admin} onChange={(e) => set(i, { key: e.target.value })} aria-label={t("tickets.key")} data-testid="tf-key" />
                  </td>
                  <td>
                    <input value={r.label} disabled={!admin} onChange={(e) => set(i, { label: e.target.value })} aria-label={t("tickets.label")} data-testid="tf-label" />
                  </td>
                  <td>
                    <select value={r.type} disabled={!admin} onChange={(e) => set(i, { type: e.target.value as TicketFieldType })} aria-label={t("tickets.fieldType")} data-testid="tf-type">
                      {TYPES.map((x) => (
                        <option key={x} value={x}>
                          {t(`tickets.fieldTypes.${x}`)}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <input
                      value={r.options}
                      disabled={!admin || r.type !== "select"}
                      onChange={(e) => set(i, { options: e.target.value })}
                      aria-label={t("tickets.options")}
                      data-testid="tf-options"
                    />
                  </td>
                  <td>
                    <input type="checkbox" checked={r.required} disabled={!admin} onChange={(e) => set(i, { required: e.target.checked })} aria-label={t("tickets.required")} data-testid="tf-required" />
                  </td>
                  <td>
                    {admin && (
                      <button type="button" onClick={() => setRows(rows.filter((_, j) => j !== i))} data-testid="tf-remove">
                        {t("tickets.remove")}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {admin && (
            <p className="row">
              <button type="button" onClick={() => setRows([...rows, { key: "", label: "", type: "text", options: "", required: false }])} data-testid="tf-add">
                {t("tickets.addField")}
              </button>
              <button type="submit" data-testid="tf-save">
                {t("tickets.saveFields")}
              </button>
            </p>
          )}
        </form>
      )}
    </section>
  );
}
