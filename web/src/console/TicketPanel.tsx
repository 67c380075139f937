import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, errorText, type Conversation, type TicketField, type TicketStatus, type TicketType } from "../shared/api";

export const TICKET_TYPES: readonly TicketType[] = ["question", "incident", "problem", "task"];
export const TICKET_STATUSES: readonly TicketStatus[] = ["open", "pending", "solved", "closed"];
const LINK_KINDS = ["related", "follow_up", "duplicate"] as const;

/** GET /conversations/{id}/links (crates/kefu-http/src/routes/tickets/links.rs). */
interface LinkView {
  kind: (typeof LINK_KINDS)[number];
  direction: "outgoing" | "incoming";
  conversation: { id: string; kind: "chat" | "ticket"; status: string; ticket_status: TicketStatus | null; subject: string | null };
}

/** The value an input shows for a stored field value. */
function shown(f: TicketField, v: unknown): string | boolean {
  if (f.type === "checkbox") return v === true;
  return v === undefined || v === null ? "" : String(v);
}

/** The value to store for what an input holds (`null` clears the field). */
function stored(f: TicketField, v: string | boolean): unknown {
  if (f.type === "checkbox") return v === true;
  const s = String(v).trim();
  if (!s) return null;
  return f.type === "number" ? Number(s) : s;
}

/**
 * The ticket side of a conversation: a chat can be turned into a ticket; a
 * ticket shows its status, type and the account's custom fields, and every
 * conversation lists its links (follow-ups, duplicates, related). The
 * server checks everything; its refusal is shown as it words it.
 */
export function TicketPanel({ conv, onChange }: { conv: Conversation; onChange: (c: Conversation) => void }) {
  const { t } = useTranslation();
  const [fields, setFields] = useState<TicketField[]>([]);
  const [draft, setDraft] = useState<Record<string, string | boolean>>({});
  const [links, setLinks] = useState<LinkView[]>([]);
  const [newType, setNewType] = useState<TicketType>("question");
  const [linkTo, setLinkTo] = useState("");
  const [linkKind, setLinkKind] = useState<(typeof LINK_KINDS)[number]>("related");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const isTicket = conv.kind === "ticket";
  const closed = conv.ticket_status === "closed";

  useEffect(() => {
    api<{ fields: TicketField[] }>("/api/v1/ticket_fields")
      .then((r) => setFields(r.fields))
      .catch(() => setFields([]));
  }, []);

  // The form starts from what is stored, again whenever it changes.
  useEffect(() => {
    const d: Record<string, string | boolean> = {};
    for (const f of fields) d[f.key] = shown(f, conv.custom_fields?.[f.key]);
    setDraft(d);
  }, [fields, conv.custom_fields, conv.version]);

  const loadLinks = useCallback(() => {
    api<{ items: LinkView[] }>(`/api/v1/conversations/${conv.id}/links`)
      .then((r) => setLinks(r.items))
      .catch(() => setLinks([]));
  }, [conv.id]);

  useEffect(() => loadLinks(), [loadLinks, conv.version]);

  async function run<T>(call: () => Promise<T>): Promise<T | null> {
    setBusy(true);
    setError(null);
    try {
      return await call();
    } catch (e) {
      setError(errorText(e) ?? "network");
      return null;
    } finally {
      setBusy(false);
    }
  }

  const base = `/api/v1/conversations/${conv.id}`;
  async function update(path: string, method: string, body: unknown) {
    const c = await run(() => api<Conversation>(`${base}${path}`, { method, body }));
    if (c) onChange(c);
  }

  function saveFields() {
    const changed: Record<string, unknown> = {};
    for (const f of fields) {
      const next = stored(f, draft[f.key] ?? "");
      const before = conv.custom_fields?.[f.key] ?? null;
      if (JSON.stringify(next) !== JSON.stringify(before)) changed[f.key] = next;
    }
    if (Object.keys(changed).length > 0) void update("", "PATCH", { custom_fields: changed });
  }

  async function addLink() {
    const target = linkTo.trim();
    if (!target) return;
    const ok = await run(() => api(`${base}/links`, { method: "POST", body: { conversation_id: target, kind: linkKind } }));
    if (ok !== null) {
      setLinkTo("");
      loadLinks();
    }
  }

  async function removeLink(other: string) {
    await run(() => api(`${base}/links/${other}`, { method: "DELETE" }));
    loadLinks();
  }

  return (
    <section className="ticket-panel" data-testid="ticket-panel" aria-labelledby="ticket-title">
      <h2 id="ticket-title">{isTicket ? t("tickets.ticket") : t("tickets.chat")}</h2>
      {error && (
        <p role="alert" className="error" data-testid="ticket-error">
          {error}
        </p>
      )}
      {!isTicket && (
        <div className="row">
          <label>
            {t("tickets.type")}{" "}
            <select value={newType} onChange={(e) => setNewType(e.target.value as TicketType)} data-testid="convert-type">
              {TICKET_TYPES.map((x) => (
                <option key={x} value={x}>
                  {t(`tickets.types.${x}`)}
                </option>
              ))}
            </select>
          </label>
          <button type="button" disabled={busy} onClick={() => void update("/convert", "POST", { ticket_type: newType })} data-testid="convert">
            {t("tickets.convert")}
          </button>
        </div>
      )}
      {isTicket && (
        <div className="ticket-fields">
          <label>
            {t("tickets.status")}{" "}
            <select
              value={conv.ticket_status ?? "open"}
              disabled={busy || closed}
              onChange={(e) => void update("/ticket_status", "POST", { status: e.target.value })}
              data-testid="ticket-status"
            >
              {TICKET_STATUSES.map((x) => (
                <option key={x} value={x}>
                  {t(`tickets.statuses.${x}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("tickets.type")}{" "}
            <select
              value={conv.ticket_type ?? ""}
              disabled={busy || closed}
              onChange={(e) => void update("", "PATCH", { ticket_type: e.target.value || null })}
              data-testid="ticket-type"
            >
              <option value="">—</option>
              {TICKET_TYPES.map((x) => (
                <option key={x} value={x}>
                  {t(`tickets.types.${x}`)}
                </option>
              ))}
            </select>
          </label>
          {fields.length > 0 && (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                saveFields();
              }}
              data-testid="custom-fields"
            >
              {fields.map((f) => (
                <label key={f.key}>
                  {f.label}
                  {f.required && <span aria-label={t("tickets.required")}> *</span>}{" "}
                  {f.type === "select" ? (
                    <select
                      value={String(draft[f.key] ?? "")}
                      disabled={closed}
                      onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}
                      data-testid={`field-${f.key}`}
                    >
                      <option value="">—</option>
                      {(f.options ?? []).map((o) => (
                        <option key={o} value={o}>
                          {o}
                        </option>
                      ))}
                    </select>
                  ) : f.type === "checkbox" ? (
                    <input
                      type="checkbox"
                      checked={draft[f.key] === true}
                      disabled={closed}
                      onChange={(e) => setDraft({ ...draft, [f.key]: e.target.checked })}
                      data-testid={`field-${f.key}`}
                    />
                  ) : (
                    <input
                      type={f.type === "number" ? "number" : f.type === "date" ? "date" : "text"}
                      step={f.type === "number" ? "any" : undefined}
                      value={String(draft[f.key] ?? "")}
                      disabled={closed}
                      onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}
                      data-testid={`field-${f.key}`}
                    />
                  )}
                </label>
              ))}
              {!closed && (
                <button type="submit" disabled={busy} data-testid="save-fields">
                  {t("tickets.saveFields")}
                </button>
              )}
            </form>
          )}
        </div>
      )}
      <h3>{t("tickets.links")}</h3>
      {links.length === 0 && <p className="muted">{t("tickets.noLinks")}</p>}
      {links.length > 0 && (
        <ul className="others" data-testid="ticket-links">
          {links.map((l) => (
            <li key={l.conversation.id} data-testid="ticket-link" data-id={l.conversation.id}>
              <Link to={`/c/${l.conversation.id}`}>
                <span className="title">
                  {t(`tickets.linkKinds.${l.kind}_${l.direction}`)}: {l.conversation.subject ?? t("list.untitled")}
                </span>
                <span className="badge">
                  {l.conversation.ticket_status ? t(`tickets.statuses.${l.conversation.ticket_status}`) : t(`status.${l.conversation.status}`)}
                </span>
              </Link>
              <button type="button" className="link-button" onClick={() => void removeLink(l.conversation.id)} data-testid="unlink">
                {t("tickets.unlink")}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void addLink();
        }}
      >
        <select value={linkKind} onChange={(e) => setLinkKind(e.target.value as (typeof LINK_KINDS)[number])} aria-label={t("tickets.linkKind")} data-testid="link-kind">
          {LINK_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`tickets.linkKinds.${k}_outgoing`)}
            </option>
          ))}
        </select>
        <input value={linkTo} onChange={(e) => setLinkTo(e.target.value)} placeholder={t("tickets.linkPlaceholder")} aria-label={t("tickets.linkPlaceholder")} data-testid="link-to" />
        <button type="submit" disabled={busy || !linkTo.trim()} data-testid="add-link">
          {t("tickets.link")}
        </button>
      </form>
    </section>
  );
}
