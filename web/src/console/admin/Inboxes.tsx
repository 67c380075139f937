import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, Route, Routes, useNavigate, useParams } from "react-router";
import { CHANNELS, type ChannelKind, type Inbox, type Member } from "../../shared/api";
import type { Me } from "../App";
import { useDirectory } from "../directory";
import { api, mergeSettings, Outcome, ReadOnlyNote, useAction, useResource } from "./common";
import { InboxBusinessHours } from "./InboxBusinessHours";
import { InboxRouting } from "./InboxRouting";
import { InboxSla } from "./InboxSla";
import { WidgetSettings } from "./WidgetSettings";

const lines = (s: string) =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

export function Inboxes({ me }: { me: Me }) {
  const { t } = useTranslation();
  const readOnly = me.role !== "admin";
  const { data, error, reload } = useResource<Inbox[]>("/api/v1/inboxes");
  const dir = useDirectory();
  const navigate = useNavigate();
  const create = useAction();
  const [name, setName] = useState("");
  const [channel, setChannel] = useState<ChannelKind>("web_widget");

  async function submit(e: FormEvent) {
    e.preventDefault();
    const { value: inbox } = await create.run(() => api<Inbox>("/api/v1/inboxes", { method: "POST", body: { name, channel } }));
    if (inbox) {
      setName("");
      await reload();
      void dir.reload();
      navigate(`/admin/inboxes/${inbox.id}`);
    }
  }

  return (
    <section className="admin-section" data-testid="admin-inboxes">
      <h2>{t("admin.sections.inboxes")}</h2>
      <ReadOnlyNote readOnly={readOnly} />
      <Outcome error={error} />
      <div className="table-wrap" tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t("admin.inboxes.name")}</th>
              <th scope="col">{t("admin.inboxes.channel")}</th>
              <th scope="col">{t("admin.inboxes.origins")}</th>
            </tr>
          </thead>
          <tbody>
            {data?.map((i) => (
              <tr key={i.id} data-testid="inbox-row">
                <td>
                  <Link to={`/admin/inboxes/${i.id}`}>{i.name}</Link>
                </td>
                <td>{t(`admin.channels.${i.channel}`, { defaultValue: i.channel })}</td>
                <td className="wrap">{i.allowed_origins.length ? i.allowed_origins.join(" ") : t("admin.inboxes.anyOrigin")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Routes>
        <Route path=":id" element={<InboxDetail readOnly={readOnly} onChanged={() => void (reload(), dir.reload())} />} />
      </Routes>
      {!readOnly && (
        <form className="inline-form" onSubmit={submit} data-testid="inbox-create">
          <h3>{t("admin.inboxes.new")}</h3>
          <label>
            {t("admin.inboxes.name")}
            <input name="name" value={name} onChange={(e) => setName(e.target.value)} required />
          </label>
          <label>
            {t("admin.inboxes.channel")}
            <select name="channel" value={channel} onChange={(e) => setChannel(e.target.value as ChannelKind)}>
              {CHANNELS.map((c) => (
                <option key={c} value={c}>
                  {t(`admin.channels.${c}`)}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={create.busy}>
            {t("admin.create")}
          </button>
          <Outcome error={create.error} />
        </form>
      )}
    </section>
  );
}

function InboxDetail({ readOnly, onChanged }: { readOnly: boolean; onChanged: () => void }) {
  const { t } = useTranslation();
  const { id } = useParams();
  const dir = useDirectory();
  const { data: inbox, error, setData } = useResource<Inbox>(id ? `/api/v1/inboxes/${id}` : null);
  const members = useResource<Member[]>(id ? `/api/v1/inboxes/${id}/members` : null);
  const save = useAction();
  const memberAction = useAction();
  const [name, setName] = useState("");
  const [origins, setOrigins] = useState("");
  const [requireIdentity, setRequireIdentity] = useState(false);
  const [team, setTeam] = useState("");
  const [settings, setSettings] = useState<Record<string, unknown>>({});
  const [copied, setCopied] = useState<string | null>(null);
  const [newMember, setNewMember] = useState("");

  useEffect(() => {
    if (!inbox) return;
    setName(inbox.name);
    setOrigins(inbox.allowed_origins.join("\n"));
    setRequireIdentity(inbox.require_identity);
    setTeam(inbox.default_team_id ?? "");
    setSettings(inbox.settings ?? {});
  }, [inbox]);

  if (!id) return null;
  if (error) return <Outcome error={error} />;
  if (!inbox) return <p className="muted">{t("admin.loading")}</p>;

  async function submit(e: FormEvent) {
    e.preventDefault();
    // PATCH replaces the whole settings object: read what is stored now and
    // put only this page's changes over it, so settings written meanwhile
    // by someone else (or by an API client, keys this page does not know)
    // are kept.
    const { value: updated } = await save.run(async () => {
      const current = await api<Inbox>(`/api/v1/inboxes/${id}`);
      const merged = mergeSettings(inbox!.settings ?? {}, settings, current.settings ?? {});
      return api<Inbox>(`/api/v1/inboxes/${id}`, {
        method: "PATCH",
        body: { name, allowed_origins: lines(origins), require_identity: requireIdentity, default_team_id: team || null, settings: merged },
      });
    });
    if (updated) {
      setData(updated);
      onChanged();
    }
  }

  async function copy() {
    try {
      await navigator.clipboard.writeText(inbox!.embed_snippet);
      setCopied(t("admin.inboxes.copied"));
    } catch {
      setCopied(t("admin.inboxes.copyFailed"));
    }
  }

  async function setMember(userId: string, on: boolean) {
    const { ok } = await memberAction.run(() => api(`/api/v1/inboxes/${id}/members/${userId}`, { method: on ? "PUT" : "DELETE" }));
    if (ok) await members.reload();
    setNewMember("");
  }

  const memberIds = new Set(members.data?.map((m) => m.user_id));
  return (
    <div className="detail" data-testid="inbox-detail">
      <h3>{inbox.name}</h3>
      <form onSubmit={submit} className="stack-form">
        <label>
          {t("admin.inboxes.name")}
          <input name="inbox-name" value={name} onChange={(e) => setName(e.target.value)} disabled={readOnly} required />
        </label>
        <label>
          {t("admin.inboxes.origins")}
          <textarea
            name="origins"
            value={origins}
            onChange={(e) => setOrigins(e.target.value)}
            disabled={readOnly}
            aria-describedby="origins-hint"
            rows={3}
          />
        </label>
        <span id="origins-hint" className="hint">
          {t("admin.inboxes.originsHint")}
        </span>
        <label className="check">
          <input
            type="checkbox"
            name="require-identity"
            checked={requireIdentity}
            onChange={(e) => setRequireIdentity(e.target.checked)}
            disabled={readOnly}
          />
          {t("admin.inboxes.requireIdentity")}
        </label>
        <label>
          {t("admin.inboxes.defaultTeam")}
          <select name="default-team" value={team} onChange={(e) => setTeam(e.target.value)} disabled={readOnly}>
            <option value="">{t("conv.none")}</option>
            {dir.teams.map((tm) => (
              <option key={tm.id} value={tm.id}>
                {tm.name}
              </option>
            ))}
          </select>
        </label>
        {inbox.channel === "web_widget" && <WidgetSettings value={settings} onChange={setSettings} disabled={readOnly} />}
        <InboxRouting key={`r-${inbox.id}`} value={settings} onChange={setSettings} disabled={readOnly} />
        <InboxBusinessHours key={`h-${inbox.id}`} value={settings} onChange={setSettings} disabled={readOnly} />
        <InboxSla key={`s-${inbox.id}`} value={settings} onChange={setSettings} disabled={readOnly} />
        {!readOnly && (
          <button type="submit" disabled={save.busy} data-testid="inbox-save">
            {t("admin.save")}
          </button>
        )}
        <Outcome error={save.error} ok={save.ok} />
      </form>

      {inbox.channel === "web_widget" && (
        <div className="snippet">
          <h4 id="snippet-title">{t("admin.inboxes.snippet")}</h4>
          <p className="hint">{t("admin.inboxes.snippetHint")}</p>
          <pre tabIndex={0} translate="no">
            <code data-testid="embed-snippet">{inbox.embed_snippet}</code>
          </pre>
          <button type="button" onClick={() => void copy()} data-testid="copy-snippet">
            {t("admin.inboxes.copy")}
          </button>
          {copied && (
            <span role="status" className="info" data-testid="copy-status">
              {copied}
            </span>
          )}
        </div>
      )}

      <h4>{t("admin.inboxes.members")}</h4>
      <ul className="members" data-testid="inbox-members">
        {members.data?.map((m) => (
          <li key={m.user_id}>
            <span>
              {m.name} &lt;{m.email}&gt;
            </span>
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
            if (newMember) void setMember(newMember, true);
          }}
        >
          <label>
            {t("admin.inboxes.addMember")}
            <select name="new-member" value={newMember} onChange={(e) => setNewMember(e.target.value)}>
              <option value="">—</option>
              {dir.users
                .filter((u) => !memberIds.has(u.user_id))
                .map((u) => (
                  <option key={u.user_id} value={u.user_id}>
                    {u.name || u.email}
                  </option>
                ))}
            </select>
          </label>
          <button type="submit" disabled={!newMember}>
            {t("admin.add")}
          </button>
        </form>
      )}
      <Outcome error={memberAction.error} />
    </div>
  );
}
