import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError, type Message } from "../shared/api";
import { AttachmentPreview } from "../shared/attachments";
import { DEFAULT_CSAT_TEXT, face, scaleKind, scaleValues } from "../shared/csat";
import { RichText } from "../shared/RichText";

/** The hand-off note's code (see `widget/handoff.rs`), shown translated. */
const HANDOFF_CODE = "handoff_requested";
/** The bot's hand-offs (low confidence, out of scope, …) share this prefix. */
const HANDOFF_PREFIX = "handoff_";
/** Its text, for notes stored before notes carried codes. */
const HANDOFF_NOTE = "The customer asked for a human agent";

export interface Rating {
  request_message_id: string;
  rating: number;
  comment?: string | null;
}

/** A file of the conversation, with fresh signed links from the widget API. */
function Attachment({ id, token }: { id: string; token: string }) {
  const { t } = useTranslation();
  return (
    <AttachmentPreview
      path={`/api/v1/widget/attachments/${encodeURIComponent(id)}`}
      token={token}
      fallback={t("widget.file")}
      testid={{ image: "widget-image", file: "widget-file" }}
    />
  );
}

/** Dark enough for white initials to meet contrast (≥ 4.5:1). */
const AVATAR_COLORS = ["#1d4ed8", "#047857", "#7c3aed", "#be123c", "#0f766e", "#9a3412"];

/** A colour picked by the name, so one agent keeps one colour. */
function avatarColor(name: string): string {
  let h = 0;
  for (const ch of name) h = (h * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return AVATAR_COLORS[h % AVATAR_COLORS.length];
}

/** Initials: the first letters of the first two words ("Li Lei" → "LL"), or the first character ("王芳" → "王"). */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return "?";
  if (words.length === 1) return Array.from(words[0])[0].toUpperCase();
  return (Array.from(words[0])[0] + Array.from(words[1])[0]).toUpperCase();
}

/** The author of a bot's or an agent's message: an avatar and a name. */
export function Author({ message }: { message: Message }) {
  const { t } = useTranslation();
  const kind = message.sender.kind;
  if (kind === "bot") {
    return (
      <span className="author" data-testid="widget-author">
        <span className="avatar bot" aria-hidden="true">
          🤖
        </span>
        {t("widget.bot")}
      </span>
    );
  }
  const name = message.sender.name?.trim() || t("widget.agent");
  return (
    <span className="author" data-testid="widget-author">
      <span className="avatar" aria-hidden="true" style={{ background: avatarColor(name) }}>
        {initials(name)}
      </span>
      {name}
    </span>
  );
}

/** The rating card for a `csat_request` message: stars or faces, as the inbox asks (`content.scale`), then an optional comment. */
function RatingCard({
  message,
  rating,
  onRate,
}: {
  message: Message;
  rating: Rating | undefined;
  onRate: (messageId: string, rating: number, comment: string) => Promise<void>;
}) {
  const { t } = useTranslation();
  const [chosen, setChosen] = useState(0);
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(false);
  const kind = scaleKind(message.content.scale);
  if (rating) {
    return (
      <div className="rating done" data-testid="widget-rated">
        <p>{t("widget.thanks")}</p>
        <p>
          {kind === "emoji" ? (
            <>
              <span aria-hidden="true">{face(rating.rating)} </span>
              {t("widget.ratedFace", { label: t(`csat.faces.${rating.rating}`) })}
            </>
          ) : (
            t("widget.rated", { rating: rating.rating })
          )}
        </p>
      </div>
    );
  }
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!chosen) return;
    setBusy(true);
    setError(false);
    try {
      await onRate(message.id, chosen, comment);
    } catch {
      setError(true);
    } finally {
      setBusy(false);
    }
  }
  // The inbox's own question as written; the default one in the visitor's language.
  const text = message.content.text?.trim();
  const question = text && text !== DEFAULT_CSAT_TEXT ? text : t("widget.rateTitle");
  return (
    <form className="rating" onSubmit={submit} data-testid="widget-rating" data-scale={kind}>
      <fieldset>
        <legend>{question}</legend>
        <div className={kind === "emoji" ? "faces" : "stars"}>
          {scaleValues(message.content.scale).map((n) =>
            kind === "emoji" ? (
              <button
                key={n}
                type="button"
                className={n === chosen ? "face on" : "face"}
                aria-pressed={n === chosen}
                aria-label={t(`csat.faces.${n}`)}
                title={t(`csat.faces.${n}`)}
                data-testid={`rate-${n}`}
                onClick={() => setChosen(n)}
              >
                {face(n)}
              </button>
            ) : (
              <button
                key={n}
                type="button"
                className={n <= chosen ? "star on" : "star"}
                aria-pressed={n === chosen}
                aria-label={t("widget.rateStar", { count: n })}
                data-testid={`rate-${n}`}
                onClick={() => setChosen(n)}
              >
                ★
              </button>
            ),
          )}
        </div>
      </fieldset>
      {chosen > 0 && (
        <>
          <textarea
            aria-label={t("widget.comment")}
            placeholder={t("widget.comment")}
            maxLength={1000}
            value={comment}
            data-testid="rate-comment"
            onChange={(e) => setComment(e.target.value)}
          />
          <button type="submit" disabled={busy} data-testid="rate-submit">
            {t("widget.submitRating")}
          </button>
        </>
      )}
      {error && <p className="error">{t("widget.notSent")}</p>}
    </form>
  );
}

function safeUrl(u: unknown): string | null {
  if (typeof u !== "string") return null;
  try {
    const url = new URL(u, location.href);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

interface Choice {
  title: string;
  payload?: string | null;
  url?: string | null;
}

/** What a message says, by content type. */
export function MessageBody({
  m,
  token,
  rating,
  onChoose,
  onRate,
}: {
  m: Message;
  token: string;
  rating: Rating | undefined;
  onChoose: (text: string) => void;
  onRate: (messageId: string, rating: number, comment: string) => Promise<void>;
}) {
  const { t } = useTranslation();
  const c = m.content;
  const text = typeof c.text === "string" ? c.text : null;
  switch (c.type) {
    case "attachment":
      return (
        <div className="text">
          <Attachment id={String(c.attachment_id)} token={token} />
          {text && <p data-testid="widget-message-text">{text}</p>}
        </div>
      );
    case "quick_replies": {
      const options = (Array.isArray(c.options) ? c.options : []) as Choice[];
      return (
        <div className="text">
          <p data-testid="widget-message-text">{text}</p>
          <div className="choices" data-testid="widget-quick-replies">
            {options.map((o, i) => (
              <button key={i} type="button" onClick={() => onChoose(o.payload || o.title)}>
                {o.title}
              </button>
            ))}
          </div>
        </div>
      );
    }
    case "card": {
      const buttons = (Array.isArray(c.buttons) ? c.buttons : []) as Choice[];
      const image = safeUrl(c.image_url);
      return (
        <div className="card" data-testid="widget-card">
          {image && <img src={image} alt="" />}
          <strong>{String(c.title ?? "")}</strong>
          {text && <p>{text}</p>}
          <div className="choices">
            {buttons.map((b, i) => {
              const href = safeUrl(b.url);
              return href ? (
                <a key={i} href={href} target="_blank" rel="noopener noreferrer" className="button">
                  {b.title}
                  <span className="sr-only"> {t("widget.opensNewTab")}</span>
                </a>
              ) : (
                <button key={i} type="button" onClick={() => onChoose(b.payload || b.title)}>
                  {b.title}
                </button>
              );
            })}
          </div>
        </div>
      );
    }
    case "answer": {
      // The bot's answer from the knowledge base, citing the entry's question.
      const source = c.source as { question?: unknown } | undefined;
      const question = typeof source?.question === "string" ? source.question : null;
      return (
        <div className="text">
          <p data-testid="widget-message-text">
            <RichText text={text ?? ""} newTab={t("widget.opensNewTab")} />
          </p>
          {question && (
            <p className="cite" data-testid="widget-citation">
              {t("widget.source", { question })}
            </p>
          )}
        </div>
      );
    }
    case "csat_request":
      return <RatingCard message={m} rating={rating} onRate={onRate} />;
    case "redacted":
      return (
        <div className="text redacted" data-testid="widget-message-text">
          {t("widget.redacted")}
        </div>
      );
    case "system":
      return (
        <div className="text" data-testid="widget-message-text">
          {c.code === HANDOFF_CODE || text === HANDOFF_NOTE
            ? t("widget.handedOff")
            : typeof c.code === "string" && c.code.startsWith(HANDOFF_PREFIX)
              ? t("widget.connecting")
              : text}
        </div>
      );
    default:
      return (
        <div className="text" data-testid="widget-message-text">
          {text !== null && m.sender.kind !== "contact" ? (
            <RichText text={text} newTab={t("widget.opensNewTab")} />
          ) : (
            (text ?? (typeof c.title === "string" ? c.title : ""))
          )}
        </div>
      );
  }
}

export interface Profile {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
}

export interface PreChatSettings {
  enabled?: boolean;
  fields?: string[];
  required?: string[];
}

const FIELDS = ["name", "email", "phone"] as const;

/** Whether the inbox's pre-chat form still needs answers from this visitor. */
export function preChatNeeded(pre: PreChatSettings | undefined, profile: Profile | undefined): boolean {
  if (!pre?.enabled) return false;
  const fields = FIELDS.filter((f) => pre.fields?.includes(f) ?? true);
  if (fields.length === 0) return false;
  const required = FIELDS.filter((f) => pre.required?.includes(f));
  if (required.length > 0) return required.some((f) => !profile?.[f]);
  return fields.every((f) => !profile?.[f]);
}

/** The pre-chat form: the visitor's details before the first message. */
export function PreChat({
  pre,
  token,
  onDone,
}: {
  pre: PreChatSettings;
  token: string;
  onDone: (p: Profile) => void;
}) {
  const { t } = useTranslation();
  const fields = FIELDS.filter((f) => pre.fields?.includes(f) ?? true);
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, string> = {};
      for (const f of fields) if (values[f]?.trim()) body[f] = values[f];
      onDone(await api<Profile>("/api/v1/widget/contact", { method: "PATCH", token, body }));
    } catch (err) {
      // The server names the field first ("email: ..."): show it translated.
      const field = err instanceof ApiError ? FIELDS.find((f) => err.message.startsWith(f)) : undefined;
      setError(field ? t("widget.invalid", { field: t(`widget.${field}`) }) : t("widget.notSent"));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="prechat" onSubmit={submit} data-testid="widget-prechat">
      <p>{t("widget.preChatTitle")}</p>
      {fields.map((f) => {
        const required = pre.required?.includes(f) ?? false;
        return (
          <label key={f}>
            <span>
              {t(`widget.${f}`)}
              {required && <span className="muted"> ({t("widget.required")})</span>}
            </span>
            <input
              name={f}
              type={f === "email" ? "email" : f === "phone" ? "tel" : "text"}
              autoComplete={f === "phone" ? "tel" : f}
              maxLength={f === "name" ? 200 : 254}
              required={required}
              value={values[f] ?? ""}
              data-testid={`prechat-${f}`}
              onChange={(e) => setValues((v) => ({ ...v, [f]: e.target.value }))}
            />
          </label>
        );
      })}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy} data-testid="prechat-start">
        {t("widget.start")}
      </button>
    </form>
  );
}
