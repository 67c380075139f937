/** Errors are always {"error": {"code", "message"}}. */
export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** A body sent as is (a file to import), with its content type. */
  raw?: Blob;
  token?: string;
}

/** JSON fetch against the same origin. Changing requests carry the CSRF header. */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? "GET";
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET") headers["x-kefu-csrf"] = "1";
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  else if (opts.raw) headers["content-type"] = opts.raw.type || "application/octet-stream";
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: opts.body === undefined ? opts.raw : JSON.stringify(opts.body),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    const e = data?.error ?? {};
    // A session that expired sends the console back to the sign-in page.
    if (res.status === 401 && !opts.token) window.dispatchEvent(new Event("kefu:unauthorized"));
    throw new ApiError(res.status, e.code ?? "http_" + res.status, e.message ?? res.statusText);
  }
  return data as T;
}

/** The message to show for a failed call: the server's own words when it sent some. */
export function errorText(e: unknown): string | null {
  if (e instanceof ApiError) return e.message || e.code;
  return null;
}

export function wsUrl(path: string): string {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}${path}`;
}

export type Timestamp = number | string;

export interface MessageContent {
  type: string;
  text?: string | null;
  title?: string;
  [k: string]: unknown;
}

export interface Message {
  id: string;
  conversation_id: string;
  seq: number;
  /** `name`: the agent's display name, on agents' messages the widget shows. */
  sender: { kind: "contact" | "bot" | "agent" | "system"; id?: string | null; name?: string | null };
  content: MessageContent;
  visibility?: "public" | "internal";
  client_id?: string | null;
  created_at: Timestamp;
}

export type Role = "agent" | "supervisor" | "admin";
export const ROLES: readonly Role[] = ["agent", "supervisor", "admin"];
export type Availability = "online" | "away" | "offline";

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface Account {
  id: string;
  name: string;
  time_zone: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A user as seen inside the account (GET /users). */
export interface Member {
  account_id: string;
  user_id: string;
  email: string;
  name: string;
  role: Role;
  availability: Availability;
  capacity: number;
  skills: string[];
  created_at: Timestamp;
}

export interface Team {
  id: string;
  account_id: string;
  name: string;
  skills: string[];
  created_at: Timestamp;
}

export interface CannedResponse {
  id: string;
  owner_id: string | null;
  short_code: string;
  content: string;
}

/** A canned response filled in for one conversation. */
export interface CannedSuggestion {
  id: string;
  short_code: string;
  shared: boolean;
  content: string;
  text: string;
}

export const CHANNELS = ["web_widget", "api", "email", "wechat", "telegram"] as const;
export type ChannelKind = (typeof CHANNELS)[number];

/** GET /inboxes: the inbox plus the HTML snippet that embeds its widget. */
export interface Inbox {
  id: string;
  account_id: string;
  name: string;
  channel: ChannelKind;
  bot_enabled: boolean;
  default_team_id: string | null;
  allowed_origins: string[];
  require_identity: boolean;
  settings: Record<string, unknown>;
  created_at: Timestamp;
  updated_at: Timestamp;
  embed_snippet: string;
}

export interface AuditEntry {
  id: string;
  actor_user_id: string | null;
  actor: string;
  action: string;
  target: string | null;
  details: unknown;
  ip: string | null;
  created_at: Timestamp;
}

export interface Identity {
  kind: string;
  value: string;
  inbox_id: string | null;
  verified: boolean;
}

/** GET /contacts/{id}. */
export interface Contact {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  attributes: Record<string, unknown>;
  identities: Identity[];
  created_at: Timestamp;
  /** Set when a privacy request erased the contact. */
  erased_at?: Timestamp | null;
}

export interface Conversation {
  id: string;
  inbox_id: string;
  contact_id: string;
  status: "bot" | "queued" | "assigned" | "snoozed" | "resolved";
  assignee_id: string | null;
  team_id: string | null;
  labels: string[];
  priority: string;
  version: number;
  subject: string | null;
  last_seq: number;
  created_at: Timestamp;
  updated_at: Timestamp;
  last_activity_at: Timestamp;
  kind?: "chat" | "ticket";
  ticket_type?: TicketType | null;
  /** Derived from the status: tickets only. */
  ticket_status?: TicketStatus | null;
  custom_fields?: Record<string, unknown>;
  converted_at?: Timestamp | null;
  closed_at?: Timestamp | null;
}

export type TicketType = "question" | "incident" | "problem" | "task";
export type TicketStatus = "open" | "pending" | "solved" | "closed";
export type TicketFieldType = "text" | "number" | "select" | "checkbox" | "date";

/** One of the account's custom ticket fields (GET /api/v1/ticket_fields). */
export interface TicketField {
  key: string;
  label: string;
  type: TicketFieldType;
  options?: string[];
  required?: boolean;
}

export function toDate(t: Timestamp): Date {
  return typeof t === "number" ? new Date(t) : new Date(t);
}

/** Plain text for any message content type (rendered as text, never as HTML). */
export function contentText(c: MessageContent): string | null {
  if (typeof c.text === "string") return c.text;
  if (typeof c.title === "string") return c.title;
  return null;
}

/** The source an `answer` message cites: the knowledge-base entry it came from. */
export interface AnswerSource {
  entry_id: string;
  question: string;
  confidence: number;
}

/** The `source` of an `answer` message, when it has a usable one. */
export function answerSource(c: MessageContent): AnswerSource | null {
  const s = c.source as Partial<AnswerSource> | undefined;
  if (!s || typeof s.entry_id !== "string" || typeof s.question !== "string") return null;
  return { entry_id: s.entry_id, question: s.question, confidence: typeof s.confidence === "number" ? s.confidence : NaN };
}

export type KbKind = "faq" | "article";

/** GET /kb/entries/{id}: one entry of the knowledge base the bot answers from. */
export interface KbEntry {
  id: string;
  account_id: string;
  kind: KbKind;
  question: string;
  similar_questions: string[];
  answer: string;
  tags: string[];
  locale: string;
  enabled: boolean;
  out_of_scope: boolean;
  action: string | null;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** GET /conversations/{id}/suggested_answers: agent assist for the last customer message. */
export interface SuggestedAnswers {
  message_id: string | null;
  query: string | null;
  confidence: number | null;
  /** FAQ answers first, then passages of articles (`question`: "Title > Heading"). */
  items: { entry_id: string; kind?: KbKind; question: string; answer: string }[];
}

/** Chinese characters in a text: "zh-CN", else "en" (to tag user text with its language, or suggest one). */
export const guessLocale = (text: string) => (/[\u3400-\u9fff]/.test(text) ? "zh-CN" : "en");
