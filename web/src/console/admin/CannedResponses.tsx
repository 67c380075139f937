import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { CannedResponse } from "../../shared/api";
import type { Me } from "../App";
import { api, Outcome, useAction, useResource } from "./common";

/** The variables a response may use (see `kefu_core::model::canned`). */
const VARIABLES = ["contact.name", "contact.email", "contact.phone", "agent.name", "account.name"];

/**
 * Canned responses: the account's shared ones (changed by supervisors and
 * admins) and the member's own. Everyone may open it; agents keep their own.
 */
export function CannedResponses({ me }: { me: Me }) {
  const { t } = useTranslation();
  const manager = me.role === "admin" || me.role === "supervisor";
  const { data, error, reload } = useResource<CannedResponse[]>("/api/v1/canned_responses");
  const action = useAction();
  const [editing, setEditing] = useState<string | null>(null);

  async function remove(r: CannedResponse) {
    if (!window.confirm(t("admin.confirmDelete", { name: `/${r.short_code}` }))) return;
    const { ok } = await action.run(() => api(`/api/v1/canned_responses/${r.id}`, { method: "DELETE" }));
    if (ok) await reload();
  }

  const mayChange = (r: CannedResponse) => r.owner_id !== null || manager;
  return (
    <section className="admin-section" data-testid="admin-canned">
      <h2>{t("admin.sections.canned")}</h2>
      <p className="muted">{t("admin.canned.intro")}</p>
      <Outcome error={error ?? action.error} ok={action.ok} />
      {data?.length === 0 && <p className="muted">{t("admin.empty")}</p>}
      <ul className="cards canned-list">
        {data?.map((r) =>
          editing === r.id ? (
            <li key={r.id}>
              <CannedForm
                initial={r}
                onSaved={async () => {
                  setEditing(null);
                  await reload();
                }}
                onCancel={() => setEditing(null)}
              />
            </li>
          ) : (
            <li key={r.id} data-testid="canned-row" data-code={r.short_code}>
              <div className="canned-head">
                <code>/{r.short_code}</code>
                <span className={`badge ${r.owner_id ? "" : "shared"}`}>
                  {r.owner_id ? t("admin.canned.personal") : t("admin.canned.shared")}
                </span>
              </div>
              <p className="canned-content">{r.content}</p>
              {mayChange(r) && (
                <div className="row-actions">
                  <button type="button" onClick={() => setEditing(r.id)} data-testid="canned-edit">
                    {t("admin.edit")}
                  </button>
                  <button type="button" onClick={() => void remove(r)} data-testid="canned-delete">
                    {t("admin.delete")}
                  </button>
                </div>
              )}
            </li>
          ),
        )}
      </ul>
      <CannedForm manager={manager} onSaved={reload} />
    </section>
  );
}

function CannedForm({
  initial,
  manager = false,
  onSaved,
  onCancel,
}: {
  initial?: CannedResponse;
  manager?: boolean;
  onSaved: () => Promise<void>;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const action = useAction();
  const [code, setCode] = useState(initial?.short_code ?? "");
  const [content, setContent] = useState(initial?.content ?? "");
  const [shared, setShared] = useState(manager);

  async function save(e: FormEvent) {
    e.preventDefault();
    const { ok } = await action.run(() =>
      initial
        ? api(`/api/v1/canned_responses/${initial.id}`, { method: "PATCH", body: { short_code: code, content } })
        : api("/api/v1/canned_responses", { method: "POST", body: { short_code: code, content, shared } }),
    );
    if (ok) {
      if (!initial) {
        setCode("");
        setContent("");
      }
      await onSaved();
    }
  }

  return (
    <form className="inline-form canned-form" onSubmit={save} data-testid={initial ? "canned-update" : "canned-create"}>
      {!initial && <h3>{t("admin.canned.new")}</h3>}
      <label>
        {t("admin.canned.shortCode")}
        <input name="short-code" value={code} onChange={(e) => setCode(e.target.value)} required maxLength={41} />
      </label>
      <label className="wide">
        {t("admin.canned.content")}
        <textarea name="canned-content" value={content} onChange={(e) => setContent(e.target.value)} required rows={3} />
      </label>
      <p className="hint">
        {t("admin.canned.variables")}{" "}
        {VARIABLES.map((v) => (
          <code key={v}>{`{{${v}}}`} </code>
        ))}
      </p>
      {!initial && manager && (
        <label className="check">
          <input type="checkbox" name="shared" checked={shared} onChange={(e) => setShared(e.target.checked)} />
          {t("admin.canned.shareWithAll")}
        </label>
      )}
      <button type="submit" disabled={action.busy}>
        {initial ? t("admin.save") : t("admin.create")}
      </button>
      {onCancel && (
        <button type="button" onClick={onCancel}>
          {t("admin.cancel")}
        </button>
      )}
      <Outcome error={action.error} ok={action.ok} />
    </form>
  );
}
