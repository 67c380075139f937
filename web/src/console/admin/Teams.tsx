import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { Member, Team } from "../../shared/api";
import type { Me } from "../App";
import { useDirectory } from "../directory";
import { api, Outcome, ReadOnlyNote, useAction, useResource } from "./common";

export function Teams({ me }: { me: Me }) {
  const { t } = useTranslation();
  const readOnly = me.role !== "admin";
  const dir = useDirectory();
  const { data, error, reload } = useResource<Team[]>("/api/v1/teams");
  const action = useAction();
  const [name, setName] = useState("");
  const [open, setOpen] = useState<string | null>(null);

  const refresh = async () => {
    await reload();
    void dir.reload();
  };

  async function create(e: FormEvent) {
    e.preventDefault();
    const { ok } = await action.run(() => api<Team>("/api/v1/teams", { method: "POST", body: { name } }));
    if (ok) {
      setName("");
      await refresh();
    }
  }

  async function remove(team: Team) {
    if (!window.confirm(t("admin.confirmDelete", { name: team.name }))) return;
    const { ok } = await action.run(() => api(`/api/v1/teams/${team.id}`, { method: "DELETE" }));
    if (ok && open === team.id) setOpen(null);
    await refresh();
  }

  const team = data?.find((x) => x.id === open) ?? null;
  return (
    <section className="admin-section" data-testid="admin-teams">
      <h2>{t("admin.sections.teams")}</h2>
      <ReadOnlyNote readOnly={readOnly} />
      <Outcome error={error ?? action.error} ok={action.ok} />
      {data?.length === 0 && <p className="muted">{t("admin.empty")}</p>}
      <ul className="cards">
        {data?.map((tm) => (
          <li key={tm.id} data-testid="team-row" data-name={tm.name}>
            <strong>{tm.name}</strong>
            <button type="button" aria-expanded={open === tm.id} onClick={() => setOpen(open === tm.id ? null : tm.id)} data-testid="team-open">
              {t("admin.teams.members")}
            </button>
            {!readOnly && (
              <button type="button" onClick={() => void remove(tm)} data-testid="team-delete">
                {t("admin.delete")}
              </button>
            )}
          </li>
        ))}
      </ul>
      {team && <TeamDetail key={team.id} team={team} readOnly={readOnly} onChanged={() => void refresh()} />}
      {!readOnly && (
        <form className="inline-form" onSubmit={create} data-testid="team-create">
          <h3>{t("admin.teams.new")}</h3>
          <label>
            {t("admin.teams.name")}
            <input name="team-name" value={name} onChange={(e) => setName(e.target.value)} required />
          </label>
          <button type="submit" disabled={action.busy}>
            {t("admin.create")}
          </button>
        </form>
      )}
    </section>
  );
}

function TeamDetail({ team, readOnly, onChanged }: { team: Team; readOnly: boolean; onChanged: () => void }) {
  const { t } = useTranslation();
  const dir = useDirectory();
  const members = useResource<Member[]>(`/api/v1/teams/${team.id}/members`);
  const action = useAction();
  const [name, setName] = useState(team.name);
  const [pick, setPick] = useState("");

  async function rename(e: FormEvent) {
    e.preventDefault();
    const { ok } = await action.run(() => api(`/api/v1/teams/${team.id}`, { method: "PATCH", body: { name } }));
    if (ok) onChanged();
  }

  async function setMember(userId: string, on: boolean) {
    const { ok } = await action.run(() => api(`/api/v1/teams/${team.id}/members/${userId}`, { method: on ? "PUT" : "DELETE" }));
    if (ok) await members.reload();
    setPick("");
  }

  const ids = new Set(members.data?.map((m) => m.user_id));
  return (
    <div className="detail" data-testid="team-detail">
      <h3>{team.name}</h3>
      {!readOnly && (
        <form className="inline-form" onSubmit={rename}>
          <label>
            {t("admin.teams.name")}
            <input name="rename" value={name} onChange={(e) => setName(e.target.value)} required />
          </label>
          <button type="submit">{t("admin.teams.rename")}</button>
        </form>
      )}
      <h4>{t("admin.teams.members")}</h4>
      {members.data?.length === 0 && <p className="muted">{t("admin.empty")}</p>}
      <ul className="members" data-testid="team-members">
        {members.data?.map((m) => (
          <li key={m.user_id}>
            <span>{m.name || m.email}</span>
            {!readOnly && (
              <button type="button" onClick={() => void setMember(m.user_id, false)}>
                {t("admin.remove")}
              </button>
            )}
          </li>
        ))}
      </ul>
      {!readOnly && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (pick) void setMember(pick, true);
          }}
        >
          <label>
            {t("admin.teams.addMember")}
            <select name="team-member" value={pick} onChange={(e) => setPick(e.target.value)}>
              <option value="">—</option>
              {dir.users
                .filter((u) => !ids.has(u.user_id))
                .map((u) => (
                  <option key={u.user_id} value={u.user_id}>
                    {u.name || u.email}
                  </option>
                ))}
            </select>
          </label>
          <button type="submit" disabled={!pick} data-testid="team-add-member">
            {t("admin.add")}
          </button>
        </form>
      )}
      <Outcome error={action.error || members.error} />
    </div>
  );
}
