import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, errorText } from "../shared/api";

/**
 * A form for the account's inspection rules (`crates/kefu-qa/src/rule.rs`,
 * docs/quality-inspection.md). Each rule stays the object the server sent:
 * the form only sets the fields it knows, so fields it does not know (added
 * by a newer server) are saved back unchanged.
 */

export type Json = Record<string, unknown>;

export const RULE_TYPES = [
  "keywords",
  "regex",
  "forbidden",
  "greeting",
  "closing",
  "apology",
  "response_time",
  "pii",
  "escalation",
  "sentiment",
] as const;
type RuleType = (typeof RULE_TYPES)[number];

/** The fields each type owns: dropped when a rule changes type, so the server does not refuse them as unknown. */
const TYPE_FIELDS: Record<RuleType, string[]> = {
  keywords: ["mode", "terms", "at_least"],
  regex: ["pattern", "exclude"],
  forbidden: ["words"],
  greeting: ["phrases", "within_first"],
  closing: ["phrases", "within_last"],
  apology: ["complaint", "apology", "within_replies"],
  response_time: ["metric", "over_s"],
  pii: ["kinds"],
  escalation: ["extra"],
  sentiment: ["level", "min_probability"],
};

const TYPE_DEFAULTS: Record<RuleType, Json> = {
  keywords: { mode: "any", terms: [] },
  regex: { pattern: "" },
  forbidden: { words: [] },
  greeting: { phrases: [] },
  closing: { phrases: [] },
  apology: { complaint: [], apology: [] },
  response_time: { metric: "first_response", over_s: 60 },
  pii: {},
  escalation: {},
  sentiment: { level: "negative" },
};

/** Greeting, closing and apology rules always read the agent's messages. */
const AGENT_ONLY: string[] = ["greeting", "closing", "apology"];
/** Rules that read the customer's messages when they name no speaker. */
const CUSTOMER_DEFAULT: string[] = ["escalation", "sentiment"];
const PII_KINDS = ["phone", "id_card", "bank_card", "email"] as const;

/** A copy with `key` set, or removed when `value` is undefined. */
export function withField(obj: Json, key: string, value: unknown): Json {
  const next = { ...obj };
  if (value === undefined) delete next[key];
  else next[key] = value;
  return next;
}

export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function num(v: unknown): string {
  return typeof v === "number" ? String(v) : "";
}

/** An empty number field removes the key (the server's default applies). */
export function parseNum(s: string): number | undefined {
  if (s.trim() === "") return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** A rule object with another type: the old type's fields go, anything else stays. */
export function changeType(rule: Json, type: RuleType): Json {
  const next: Json = { ...rule };
  for (const fields of Object.values(TYPE_FIELDS)) for (const f of fields) delete next[f];
  return { ...next, type, ...TYPE_DEFAULTS[type] };
}

export function newRule(type: RuleType, taken: string[]): Json {
  let id: string = type;
  for (let n = 2; taken.includes(id); n++) id = `${type}-${n}`;
  return { id, name: "", type, ...TYPE_DEFAULTS[type] };
}

/**
 * A list edited as text, one item a line (or split on commas): the text is
 * kept as typed, so a new empty line survives until something is written on it.
 */
export function ListField({
  label,
  value,
  onChange,
  lines = true,
  rows = 4,
  testid,
  hint,
}: {
  label: string;
  value: string[];
  onChange: (v: string[]) => void;
  lines?: boolean;
  rows?: number;
  testid?: string;
  hint?: string;
}) {
  const join = (v: string[]) => v.join(lines ? "\n" : ", ");
  const split = (s: string) =>
    s
      .split(lines ? /\r?\n/ : /[,，、\n]/)
      .map((x) => x.trim())
      .filter(Boolean);
  const [text, setText] = useState(() => join(value));
  // Follows the value when it changes from outside (another rule, the JSON view).
  useEffect(() => {
    setText((t) => (JSON.stringify(split(t)) === JSON.stringify(value) ? t : join(value)));
  }, [JSON.stringify(value)]);
  const change = (s: string) => {
    setText(s);
    onChange(split(s));
  };
  return (
    <label className="stack">
      <span>
        {label}
        {hint && <span className="muted"> {hint}</span>}
      </span>
      {lines ? (
        <textarea rows={rows} value={text} onChange={(e) => change(e.target.value)} data-testid={testid} />
      ) : (
        <input value={text} onChange={(e) => change(e.target.value)} data-testid={testid} />
      )}
    </label>
  );
}

function NumberField({
  label,
  value,
  onChange,
  min = 0,
  max,
  step,
  placeholder,
  testid,
}: {
  label: string;
  value: unknown;
  onChange: (v: number | undefined) => void;
  min?: number;
  max?: number;
  step?: number;
  placeholder?: string;
  testid?: string;
}) {
  return (
    <label>
      {label}{" "}
      <input
        type="number"
        min={min}
        max={max}
        step={step}
        className="num"
        value={num(value)}
        placeholder={placeholder}
        onChange={(e) => onChange(parseNum(e.target.value))}
        data-testid={testid}
      />
    </label>
  );
}

interface Hit {
  rule_id: string;
  detail: string;
  message_index: number | null;
}

/** Hits of rules on one conversation, as the preview returns them. */
export function PreviewHits({ hits }: { hits: Hit[] }) {
  const { t } = useTranslation();
  return (
    <ul data-testid="qa-preview-hits">
      {hits.length === 0 && <li className="muted">{t("qa.noHits")}</li>}
      {hits.map((h, i) => (
        <li key={i} data-testid="qa-preview-hit">
          {h.rule_id}: {h.detail} {h.message_index !== null && `(#${h.message_index + 1})`}
        </li>
      ))}
    </ul>
  );
}

/** Runs rules, saved or not, on a conversation (`POST /api/v1/qa/preview`); stores nothing. */
export function RulePreview({ rules, testid }: { rules: () => Json[] | null; testid: string }) {
  const { t } = useTranslation();
  const [conv, setConv] = useState("");
  const [hits, setHits] = useState<Hit[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function run() {
    setError(null);
    setHits(null);
    const body = rules();
    if (!body) return;
    try {
      const r = await api<{ hits: Hit[] }>("/api/v1/qa/preview", { method: "POST", body: { conversation_id: conv.trim(), rules: body } });
      setHits(r.hits);
    } catch (e) {
      setError(errorText(e) ?? t("qaForm.failed"));
    }
  }
  return (
    <div className="qa-preview" data-testid={testid}>
      <p className="row">
        <input
          value={conv}
          onChange={(e) => setConv(e.target.value)}
          placeholder={t("tickets.linkPlaceholder")}
          aria-label={t("tickets.linkPlaceholder")}
          data-testid="qa-preview-conversation"
        />
        <button type="button" disabled={!conv.trim()} onClick={() => void run()} data-testid="qa-preview">
          {t("qa.runPreview")}
        </button>
      </p>
      {error && (
        <p role="alert" className="error" data-testid="qa-preview-error">
          {error}
        </p>
      )}
      {hits && <PreviewHits hits={hits} />}
    </div>
  );
}

/** The type-specific fields of one rule. */
function KindFields({ rule, set }: { rule: Json; set: (key: string, value: unknown) => void }) {
  const { t } = useTranslation();
  const type = rule.type as RuleType;
  switch (type) {
    case "keywords": {
      const terms = Array.isArray(rule.terms) ? (rule.terms as Json[]) : [];
      const setTerm = (i: number, term: Json) => set("terms", terms.map((x, j) => (j === i ? term : x)));
      return (
        <>
          <p className="row">
            <label>
              {t("qaForm.mode")}{" "}
              <select value={str(rule.mode) || "any"} onChange={(e) => set("mode", e.target.value)} data-testid="qa-keywords-mode">
                {["any", "all", "none", "at_least"].map((m) => (
                  <option key={m} value={m}>
                    {t(`qaForm.modes.${m}`)}
                  </option>
                ))}
              </select>
            </label>
            {rule.mode === "at_least" && <NumberField label={t("qaForm.atLeast")} value={rule.at_least} min={1} onChange={(v) => set("at_least", v)} />}
          </p>
          <fieldset className="qa-terms">
            <legend>{t("qaForm.terms")}</legend>
            {terms.map((term, i) => (
              <div className="row qa-term" key={i} data-testid="qa-term">
                <label>
                  {t("qaForm.term")}{" "}
                  <input value={str(term.text)} onChange={(e) => setTerm(i, { ...term, text: e.target.value })} data-testid="qa-term-text" />
                </label>
                <ListField
                  label={t("qaForm.synonyms")}
                  lines={false}
                  value={strings(term.synonyms)}
                  onChange={(v) => setTerm(i, withField(term, "synonyms", v.length ? v : undefined))}
                  testid="qa-term-synonyms"
                />
                <button type="button" className="link" onClick={() => set("terms", terms.filter((_, j) => j !== i))}>
                  {t("qaForm.remove")}
                </button>
              </div>
            ))}
            <button type="button" onClick={() => set("terms", [...terms, { text: "" }])} data-testid="qa-add-term">
              {t("qaForm.addTerm")}
            </button>
          </fieldset>
        </>
      );
    }
    case "regex":
      return (
        <>
          <label className="stack">
            {t("qaForm.pattern")}
            <input className="mono" value={str(rule.pattern)} onChange={(e) => set("pattern", e.target.value)} spellCheck={false} data-testid="qa-regex-pattern" />
          </label>
          <ListField
            label={t("qaForm.exclude")}
            hint={t("qaForm.onePerLine")}
            value={strings(rule.exclude)}
            onChange={(v) => set("exclude", v.length ? v : undefined)}
            rows={3}
            testid="qa-regex-exclude"
          />
        </>
      );
    case "forbidden":
      return (
        <ListField
          label={t("qaForm.words")}
          hint={t("qaForm.wordsHint", { count: strings(rule.words).length })}
          value={strings(rule.words)}
          onChange={(v) => set("words", v)}
          rows={12}
          testid="qa-forbidden-words"
        />
      );
    case "greeting":
    case "closing": {
      const within = type === "greeting" ? "within_first" : "within_last";
      return (
        <>
          <ListField label={t("qaForm.phrases")} hint={t("qaForm.onePerLine")} value={strings(rule.phrases)} onChange={(v) => set("phrases", v)} testid="qa-phrases" />
          <NumberField label={t(`qaForm.${within}`)} value={rule[within]} min={1} placeholder="1" onChange={(v) => set(within, v)} />
        </>
      );
    }
    case "apology":
      return (
        <>
          <ListField label={t("qaForm.complaint")} hint={t("qaForm.onePerLine")} value={strings(rule.complaint)} onChange={(v) => set("complaint", v)} testid="qa-complaint" />
          <ListField label={t("qaForm.apology")} hint={t("qaForm.onePerLine")} value={strings(rule.apology)} onChange={(v) => set("apology", v)} testid="qa-apology" />
          <NumberField label={t("qaForm.within_replies")} value={rule.within_replies} min={1} placeholder="2" onChange={(v) => set("within_replies", v)} />
        </>
      );
    case "response_time":
      return (
        <p className="row">
          <label>
            {t("qaForm.metric")}{" "}
            <select value={str(rule.metric) || "first_response"} onChange={(e) => set("metric", e.target.value)} data-testid="qa-metric">
              <option value="first_response">{t("qaForm.metrics.first_response")}</option>
              <option value="any_gap">{t("qaForm.metrics.any_gap")}</option>
            </select>
          </label>
          <NumberField label={t("qaForm.overS")} value={rule.over_s} min={0} onChange={(v) => set("over_s", v)} testid="qa-over-s" />
        </p>
      );
    case "pii": {
      const kinds = strings(rule.kinds);
      return (
        <fieldset>
          <legend>
            {t("qaForm.kinds")} <span className="muted">{t("qaForm.kindsHint")}</span>
          </legend>
          {PII_KINDS.map((k) => (
            <label className="check" key={k}>
              <input
                type="checkbox"
                checked={kinds.includes(k)}
                onChange={(e) => {
                  const next = e.target.checked ? [...kinds, k] : kinds.filter((x) => x !== k);
                  set("kinds", next.length ? next : undefined);
                }}
                data-testid={`qa-pii-${k}`}
              />
              {t(`qaForm.pii.${k}`)}
            </label>
          ))}
        </fieldset>
      );
    }
    case "escalation":
      return (
        <ListField
          label={t("qaForm.extra")}
          hint={t("qaForm.extraHint")}
          value={strings(rule.extra)}
          onChange={(v) => set("extra", v.length ? v : undefined)}
          testid="qa-escalation-extra"
        />
      );
    case "sentiment":
      return (
        <p className="row">
          <label>
            {t("qaForm.level")}{" "}
            <select value={str(rule.level) || "negative"} onChange={(e) => set("level", e.target.value)} data-testid="qa-sentiment-level">
              <option value="negative">{t("qaForm.levels.negative")}</option>
              <option value="strongly_negative">{t("qaForm.levels.strongly_negative")}</option>
            </select>
          </label>
          <NumberField
            label={t("qaForm.minProbability")}
            value={rule.min_probability}
            min={0}
            max={1}
            step={0.01}
            placeholder={rule.level === "strongly_negative" ? "0.9" : "0.7"}
            onChange={(v) => set("min_probability", v)}
            testid="qa-sentiment-min-probability"
          />
        </p>
      );
    default:
      return <p className="muted">{t("qaForm.unknownType")}</p>;
  }
}

/** One rule's form: name, id, type, whose messages, which of them, the type's fields, the live alert, and a trial run. */
function RuleForm({ rule, onChange }: { rule: Json; onChange: (r: Json) => void }) {
  const { t } = useTranslation();
  const set = (key: string, value: unknown) => onChange(withField(rule, key, value));
  const type = str(rule.type);
  const known = (RULE_TYPES as readonly string[]).includes(type);
  const win = (rule.window && typeof rule.window === "object" ? rule.window : {}) as Json;
  const setWin = (key: string, value: number | undefined) => {
    const w = withField(win, key, value);
    set("window", Object.keys(w).length ? w : undefined);
  };
  const defaultSpeaker = CUSTOMER_DEFAULT.includes(type) ? "customer" : "agent";
  return (
    <div className="qa-rule-form">
      <p className="row">
        <label>
          {t("qaForm.name")} <input value={str(rule.name)} onChange={(e) => set("name", e.target.value)} data-testid="qa-rule-name" />
        </label>
        <label>
          {t("qaForm.id")}{" "}
          <input className="mono" value={str(rule.id)} onChange={(e) => set("id", e.target.value)} spellCheck={false} data-testid="qa-rule-id" />
        </label>
        <label>
          {t("qaForm.type")}{" "}
          <select value={type} onChange={(e) => onChange(changeType(rule, e.target.value as RuleType))} data-testid="qa-rule-type">
            {!known && <option value={type}>{type}</option>}
            {RULE_TYPES.map((k) => (
              <option key={k} value={k}>
                {t(`qaForm.types.${k}`)}
              </option>
            ))}
          </select>
        </label>
      </p>
      {known && <KindFields rule={rule} set={set} />}
      {!AGENT_ONLY.includes(type) && (
        <p className="row">
          <label>
            {t("qaForm.speaker")}{" "}
            <select value={str(rule.speaker)} onChange={(e) => set("speaker", e.target.value || undefined)} data-testid="qa-rule-speaker">
              <option value="">{t("qaForm.speakerDefault", { speaker: t(`qaForm.speakers.${defaultSpeaker}`) })}</option>
              {["customer", "agent", "bot", "all"].map((s) => (
                <option key={s} value={s}>
                  {t(`qaForm.speakers.${s}`)}
                </option>
              ))}
            </select>
          </label>
          <NumberField label={t("qaForm.windowFirst")} value={win.first} min={1} onChange={(v) => setWin("first", v)} />
          <NumberField label={t("qaForm.windowLast")} value={win.last} min={1} onChange={(v) => setWin("last", v)} />
        </p>
      )}
      <label className="check">
        <input type="checkbox" checked={rule.live === true} onChange={(e) => set("live", e.target.checked ? true : undefined)} data-testid="qa-rule-live" />
        {t("qaForm.live")}
      </label>
    </div>
  );
}

/**
 * The rules as a list: add, edit (one open at a time), delete, and try one
 * on a conversation. `errors` maps a rule id to the server's refusal, shown
 * under that rule (which is opened).
 */
export function QaRulesEditor({
  rules,
  onChange,
  errors,
}: {
  rules: Json[];
  onChange: (rules: Json[], renamed?: { from: string; to: string }) => void;
  errors: Record<string, string>;
}) {
  const { t } = useTranslation();
  const [open, setOpen] = useState<number | null>(null);
  const [addType, setAddType] = useState<RuleType>("forbidden");
  const [testing, setTesting] = useState<number | null>(null);
  const errorKey = Object.keys(errors).join("\n");
  // A refused rule is opened, so its message sits beside its fields.
  useEffect(() => {
    const i = rules.findIndex((r) => typeof r.id === "string" && r.id in errors);
    if (i >= 0) setOpen(i);
  }, [errorKey]);

  function update(i: number, r: Json) {
    const from = str(rules[i].id);
    const to = str(r.id);
    const next = rules.map((x, j) => (j === i ? r : x));
    // Cards follow a renamed rule, unless another rule still has the old id.
    const shared = rules.some((x, j) => j !== i && x.id === from);
    onChange(next, from !== to && !shared ? { from, to } : undefined);
  }
  function add() {
    const r = newRule(
      addType,
      rules.map((x) => str(x.id)),
    );
    onChange([...rules, r]);
    setOpen(rules.length);
  }
  function remove(i: number) {
    onChange(rules.filter((_, j) => j !== i));
    setOpen(null);
    setTesting(null);
  }

  return (
    <section className="qa-rules" aria-label={t("qaForm.rules")} data-testid="qa-rules-form">
      <h3>{t("qaForm.rules")}</h3>
      {rules.length === 0 && <p className="muted">{t("qaForm.noRules")}</p>}
      <ul className="qa-rule-list">
        {rules.map((r, i) => {
          const id = str(r.id);
          const error = errors[id];
          return (
            <li key={i} className={error ? "qa-rule invalid" : "qa-rule"} data-testid="qa-rule" data-rule-id={id}>
              <div className="qa-rule-head">
                <span className="qa-rule-title">
                  <strong>{str(r.name) || t("qaForm.unnamed")}</strong> <code>{id}</code>{" "}
                  <span className="muted">
                    {(RULE_TYPES as readonly string[]).includes(str(r.type)) ? t(`qaForm.types.${str(r.type)}`) : str(r.type)}
                    {r.live === true && ` · ${t("qaForm.liveShort")}`}
                  </span>
                </span>
                <span className="row">
                  <button type="button" aria-expanded={open === i} onClick={() => setOpen(open === i ? null : i)} data-testid="qa-rule-edit">
                    {open === i ? t("qaForm.close") : t("qaForm.edit")}
                  </button>
                  <button type="button" onClick={() => setTesting(testing === i ? null : i)} aria-expanded={testing === i} data-testid="qa-rule-test">
                    {t("qaForm.test")}
                  </button>
                  <button type="button" className="danger" onClick={() => remove(i)} aria-label={`${t("qaForm.delete")}: ${str(r.name) || id}`} data-testid="qa-rule-delete">
                    {t("qaForm.delete")}
                  </button>
                </span>
              </div>
              {error && (
                <p role="alert" className="error" data-testid="qa-rule-error">
                  {error}
                </p>
              )}
              {open === i && <RuleForm rule={r} onChange={(next) => update(i, next)} />}
              {testing === i && (
                <div className="qa-rule-test">
                  <p className="muted">{t("qaForm.testHint")}</p>
                  <RulePreview rules={() => [r]} testid="qa-rule-preview" />
                </div>
              )}
            </li>
          );
        })}
      </ul>
      <p className="row">
        <label>
          {t("qaForm.newType")}{" "}
          <select value={addType} onChange={(e) => setAddType(e.target.value as RuleType)} data-testid="qa-new-rule-type">
            {RULE_TYPES.map((k) => (
              <option key={k} value={k}>
                {t(`qaForm.types.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={add} data-testid="qa-add-rule">
          {t("qaForm.addRule")}
        </button>
      </p>
    </section>
  );
}
