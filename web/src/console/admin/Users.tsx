import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { ROLES, type Member, type Role } from "../../shared/api";
import type { Me } from "../App";
import { useDirectory } from "../directory";
import { api, Outcome, ReadOnlyNote, useAction, useResource } from "./common";

export function Users({ me }: { me: Me }) {
  const { t } = useTranslation();
  const readOnly = me.role !== "admin";
  const dir = useDirectory();
  const { data, error, reload } = useResource<Member[]>("/api/v1/users");
  const action = useAction();
  const [form, setForm] = useState({ email: "", name: "", role: "agent" as Role, password: "" });
  const [open, setOpen] = useState<string | null>(null);

  const refresh = async () => {
    await reload();
    void dir.reload();
  };

  async function add(e: FormEvent) {
    e.preventDefault();
    const body = { email: form.email, name: form.name, role: form.role, password: form.password || undefined };
    const { ok } = await action.run(() => api<Member>("/api/v1/users", { method: "POST", body }));
    if (ok) {
      setForm({ email: "", name: "", role: "agent", password: "" });
      await refresh();
    }
  }

  async function setRole(m: Member, role: Role) {
    await action.run(() => api(`/api/v1/users/${m.user_id}`, { method: "PATCH", body: { role } }));
    await refresh();
  }

  async function remove(m: Member) {
    if (!window.confirm(t("admin.confirmRemove", { name: m.name || m.email }))) return;
    await action.run(() => api(`/api/v1/users/${m.user_id}`, { method: "DELETE" }));
    await refresh();
  }

  return (
    <section className="admin-section" data-testid="admin-users">
      <h2>{t("admin.sections.users")}</h2>
      <ReadOnlyNote readOnly={readOnly} />
      <Outcome error={error ?? action.error} ok={action.ok} />
      <div className="table-wrap" tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t("admin.users.name")}</th>
              <th scope="col">{t("admin.users.email")}</th>
              <th scope="col">{t("admin.users.role")}</th>
              <th scope="col">{t("admin.users.availability")}</th>
              <th scope="col">
                <span className="sr-only">{t("admin.users.membership")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data?.map((m) => (
              <tr key={m.user_id} data-testid="user-row" data-email={m.email}>
                <td>
                  {m.name} {m.user_id === me.user.id && <span className="muted">{t("admin.users.you")}</span>}
                </td>
                <td className="wrap">{m.email}</td>
                <td>
                  {readOnly || m.user_id === me.user.id ? (
                    t(`admin.roles.${m.role}`)
                  ) : (
                    <select
                      aria-label={`${t("admin.users.role")}: ${m.name || m.email}`}
                      data-testid="user-role"
                      value={m.role}
                      onChange={(e) => void setRole(m, e.target.value as Role)}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {t(`admin.roles.${r}`)}
                        </option>
                      ))}
                    </select>
                  )}
                </td>
                <td>{t(`presence.${m.availability}`)}</td>
                <td className="actions">
                  <button type="button" aria-expanded={open === m.user_id} onClick={() => setOpen(open === m.user_id ? null : m.user_id)} data-testid="user-memberships">
                    {t("admin.users.membership")}
                  </button>
                  {!readOnly && m.user_id !== me.user.id && (
                    <button type="button" onClick={() => void remove(m)} data-testid="user-remove">
                      {t("admin.remove")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {open && data?.find((m) => m.user_id === open) && (
        <Memberships member={data.find((m) => m.user_id === open)!} readOnly={readOnly} />
      )}
      {!readOnly && (
        <form className="stack-form" onSubmit={add} data-testid="user-create">
          <h3>{t("admin.users.new")}</h3>
          <label>
            {t("admin.users.email")}
            <input name="email" type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} required />
          </label>
          <label>
            {t("admin.users.name")}
            <input name="name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required />
          </label>
          <label>
            {t("admin.users.role")}
            <select name="role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`admin.roles.${r}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("admin.users.password")}
            <input
              name="password"
              type="password"
              autoComplete="new-password"
              aria-describedby="password-hint"
              value={form.password}
              onChange={(e) => setForm({ ...form, password: e.target.value })}
            />
          </label>
          <span id="password-hint" className="hint">
            {t("admin.users.passwordHint")}
          </span>
          <button type="submit" disabled={action.busy}>
            {t("admin.add")}
          </button>
        </form>
      )}
    </section>
  );
}

/** A member's inboxes and teams, as checkboxes. */
function Memberships({ member, readOnly }: { member: Member; readOnly: boolean }) {
  const { t } = useTranslation();
  const dir = useDirectory();
  const action = useAction();
  const [inboxes, setInboxes] = useState<Set<string>>(new Set());
  const [teams, setTeams] = useState<Set<string>>(new Set());
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const inIds = new Set<string>();
      const teamIds = new Set<string>();
      await Promise.all([
        ...dir.inboxes.map(async (i) => {
          const ms = await api<Member[]>(`/api/v1/inboxes/${i.id}/members`);
          if (ms.some((m) => m.user_id === member.user_id)) inIds.add(i.id);
        }),
        ...dir.teams.map(async (tm) => {
          const ms = await api<Member[]>(`/api/v1/teams/${tm.id}/members`);
          if (ms.some((m) => m.user_id === member.user_id)) teamIds.add(tm.id);
        }),
      ]);
      if (!cancelled) {
        setInboxes(inIds);
        setTeams(teamIds);
        setLoaded(true);
      }
    })().catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [member.user_id, dir.inboxes, dir.teams]);

  async function toggle(kind: "inboxes" | "teams", id: string, on: boolean) {
    // Optimistic: the box follows the click at once and goes back if the server refuses.
    const set = kind === "inboxes" ? setInboxes : setTeams;
    const apply = (value: boolean) =>
      set((s) => {
        const n = new Set(s);
        if (value) n.add(id);
        else n.delete(id);
        return n;
      });
    apply(on);
    const { ok } = await action.run(() => api(`/api/v1/${kind}/${id}/members/${member.user_id}`, { method: on ? "PUT" : "DELETE" }));
    if (!ok) apply(!on);
  }

  return (
    <div className="detail" data-testid="memberships">
      <h3>{t("admin.users.memberships", { name: member.name || member.email })}</h3>
      {!loaded && <p className="muted">{t("admin.loading")}</p>}
      {loaded && (
        <div className="columns">
          <fieldset>
            <legend>{t("admin.users.inboxes")}</legend>
            {dir.inboxes.map((i) => (
              <label key={i.id} className="check">
                <input
                  type="checkbox"
                  data-testid="membership-inbox"
                  data-name={i.name}
                  checked={inboxes.has(i.id)}
                  disabled={readOnly}
                  onChange={(e) => void toggle("inboxes", i.id, e.target.checked)}
                />
                {i.name}
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>{t("admin.users.teams")}</legend>
            {dir.teams.length === 0 && <p className="muted">{t("admin.empty")}</p>}
            {dir.teams.map((tm) => (
              <label key={tm.id} className="check">
                <input
                  type="checkbox"
                  data-testid="membership-team"
                  data-name={tm.name}
                  checked={teams.has(tm.id)}
                  disabled={readOnly}
                  onChange={(e) => void toggle("teams", tm.id, e.target.checked)}
                />
                {tm.name}
              </label>
            ))}
          </fieldset>
        </div>
      )}
      <Outcome error={action.error} />
    </div>
  );
}
