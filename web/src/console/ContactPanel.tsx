import { useEffect, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, errorText, type Contact, type Conversation, type Page } from "../shared/api";
import { formatAgo, formatTime } from "../shared/dates";
import { useDirectory } from "./directory";

/** How many recent conversations are searched for the contact's others. */
const SCAN_PAGES = 3;
const PAGE_SIZE = 200;

/**
 * The contact beside a conversation: who they are and their other
 * conversations, in any inbox or channel the agent can see.
 *
 * The API has no `contact_id` filter on GET /conversations yet, so the
 * other conversations are found among the most recent ones the agent can
 * see (at most SCAN_PAGES × PAGE_SIZE), which the panel says.
 */
export function ContactPanel({
  contactId,
  conversationId,
  admin = false,
  children,
}: {
  contactId: string;
  conversationId: string;
  /** Admins see the privacy actions: export and erase. */
  admin?: boolean;
  children?: ReactNode;
}) {
  const { t, i18n } = useTranslation();
  const dir = useDirectory();
  const [contact, setContact] = useState<Contact | null>(null);
  const [others, setOthers] = useState<Conversation[] | null>(null);
  const [scanned, setScanned] = useState(0);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    api<Contact>(`/api/v1/contacts/${contactId}`)
      .then((c) => !cancelled && setContact(c))
      .catch((e) => !cancelled && setError(errorText(e) ?? "network"));
    return () => {
      cancelled = true;
    };
  }, [contactId]);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const found: Conversation[] = [];
      let cursor: string | null | undefined = null;
      let seen = 0;
      for (let i = 0; i < SCAN_PAGES; i++) {
        const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
        const page: Page<Conversation> = await api<Page<Conversation>>(`/api/v1/conversations?limit=${PAGE_SIZE}${q}`);
        seen += page.items.length;
        found.push(...page.items.filter((c) => c.contact_id === contactId && c.id !== conversationId));
        cursor = page.next_cursor;
        if (!cursor) break;
      }
      if (!cancelled) {
        setOthers(found);
        setScanned(seen);
      }
    })().catch(() => !cancelled && setOthers([]));
    return () => {
      cancelled = true;
    };
  }, [contactId, conversationId]);

  const lng = i18n.resolvedLanguage ?? "en";
  const attrs = contact ? Object.entries(contact.attributes ?? {}) : [];
  return (
    <aside className="contact-panel" data-testid="contact-panel" aria-labelledby="contact-title" tabIndex={0}>
      {children}
      <h2 id="contact-title">{t("contact.title")}</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {contact && (
        <dl className="facts">
          <dt>{t("contact.name")}</dt>
          <dd data-testid="contact-name">{contact.name ?? t("contact.anonymous")}</dd>
          {contact.email && (
            <>
              <dt>{t("contact.email")}</dt>
              <dd data-testid="contact-email">{contact.email}</dd>
            </>
          )}
          {contact.phone && (
            <>
              <dt>{t("contact.phone")}</dt>
              <dd data-testid="contact-phone">{contact.phone}</dd>
            </>
          )}
          {attrs.length > 0 && (
            <>
              <dt>{t("contact.attributes")}</dt>
              <dd>
                <dl className="attrs" data-testid="contact-attributes">
                  {attrs.map(([k, v]) => (
                    <div key={k}>
                      <dt>{k}</dt>
                      <dd>{typeof v === "string" ? v : JSON.stringify(v)}</dd>
                    </div>
                  ))}
                </dl>
              </dd>
            </>
          )}
        </dl>
      )}
      {contact?.erased_at && (
        <p className="muted" data-testid="contact-erased">
          {t("contact.erased", { date: formatTime(contact.erased_at, lng) })}
        </p>
      )}
      {admin && contact && !contact.erased_at && <PrivacyActions contactId={contactId} />}
      <h3>{t("contact.others")}</h3>
      {others && others.length === 0 && <p className="muted">{t("contact.noOthers")}</p>}
      {others && others.length > 0 && (
        <ul className="others" data-testid="contact-others">
          {others.map((c) => (
            <li key={c.id}>
              <Link to={`/c/${c.id}`} data-testid="contact-other" data-id={c.id}>
                <span className="title">{c.subject ?? t("list.untitled")}</span>
                <span className={`badge status-${c.status}`}>{t(`status.${c.status}`)}</span>
                <span className="sub">
                  {dir.inboxName(c.inbox_id)} · <time>{formatAgo(c.last_activity_at, lng)}</time>
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
      {others && scanned >= PAGE_SIZE * SCAN_PAGES && <p className="muted small">{t("contact.othersHint", { count: scanned })}</p>}
    </aside>
  );
}

/** Export everything about the contact, or erase them (admins). */
function PrivacyActions({ contactId }: { contactId: string }) {
  const { t } = useTranslation();
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function erase() {
    const answer = window.prompt(t("contact.eraseConfirm"));
    if (answer?.trim() !== t("contact.eraseWord")) return;
    setError(null);
    try {
      await api(`/api/v1/contacts/${contactId}/erase`, { method: "POST" });
      setStatus(t("contact.eraseScheduled"));
    } catch (e) {
      setError(errorText(e) ?? "network");
    }
  }

  return (
    <section className="privacy" data-testid="contact-privacy" aria-labelledby="contact-privacy-title">
      <h3 id="contact-privacy-title">{t("contact.privacy")}</h3>
      <p className="actions">
        <a className="button" href={`/api/v1/contacts/${contactId}/export`} download title={t("contact.exportHint")} data-testid="contact-export">
          {t("contact.export")}
        </a>
        <button type="button" className="danger" onClick={erase} data-testid="contact-erase">
          {t("contact.erase")}
        </button>
      </p>
      {status && (
        <p role="status" className="muted" data-testid="contact-erase-status">
          {status}
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}
