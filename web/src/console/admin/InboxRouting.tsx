import { useTranslation } from "react-i18next";
import { NumberField, withSetting } from "./common";

/** The wire names of `settings.routing.policy` (kefu_core RoutingPolicyKind). */
export const POLICIES = ["least_busy", "round_robin", "skills"] as const;
export type Policy = (typeof POLICIES)[number];

/** One rule: a conversation with this label (or bot intent) needs this skill at this level. */
export interface SkillRule {
  label?: string;
  intent?: string;
  skill: string;
  min_level?: number;
}

export interface Routing {
  policy?: Policy;
  auto_assign?: boolean;
  sticky?: boolean;
  bot_while_queued?: boolean;
  relax_after_s?: number;
  skill_rules?: SkillRule[];
}

/** What the server assumes for a field left out (InboxRoutingSettings::default). */
const DEFAULTS = { policy: "least_busy" as Policy, auto_assign: true, sticky: true, bot_while_queued: false, relax_after_s: 120 };

/**
 * `settings.routing` of an inbox: the policy, automatic assignment, sticky
 * agents, the bot while queued, and with the skills policy the relaxation
 * delay and the skill rules. Nothing is written until something changes;
 * then the whole routing object is written with the server's defaults
 * filled in, so what is stored is what the page shows.
 */
export function InboxRouting({
  value,
  onChange,
  disabled,
}: {
  value: Record<string, unknown>;
  onChange: (v: Record<string, unknown>) => void;
  disabled: boolean;
}) {
  const { t } = useTranslation();
  const stored = (value.routing ?? undefined) as Routing | undefined;
  const r: Routing = { ...DEFAULTS, skill_rules: [], ...stored };
  const set = (patch: Partial<Routing>) => {
    const next: Routing = { ...r, ...patch };
    if (next.relax_after_s === undefined) delete next.relax_after_s;
    onChange(withSetting(value, "routing", next));
  };
  const rules = r.skill_rules ?? [];
  const setRule = (i: number, rule: SkillRule) => set({ skill_rules: rules.map((x, j) => (j === i ? rule : x)) });

  return (
    <fieldset className="settings-group" data-testid="inbox-routing">
      <legend>{t("inboxSettings.routing.title")}</legend>
      <label>
        {t("inboxSettings.routing.policy")}
        <select name="routing-policy" value={r.policy} onChange={(e) => set({ policy: e.target.value as Policy })} disabled={disabled}>
          {POLICIES.map((p) => (
            <option key={p} value={p}>
              {t(`inboxSettings.routing.policies.${p}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="check">
        <input type="checkbox" name="routing-auto-assign" checked={r.auto_assign !== false} onChange={(e) => set({ auto_assign: e.target.checked })} disabled={disabled} />
        {t("inboxSettings.routing.autoAssign")}
      </label>
      <label className="check">
        <input type="checkbox" name="routing-sticky" checked={r.sticky !== false} onChange={(e) => set({ sticky: e.target.checked })} disabled={disabled} />
        {t("inboxSettings.routing.sticky")}
      </label>
      <label className="check">
        <input
          type="checkbox"
          name="routing-bot-while-queued"
          checked={r.bot_while_queued === true}
          onChange={(e) => set({ bot_while_queued: e.target.checked })}
          disabled={disabled}
        />
        {t("inboxSettings.routing.botWhileQueued")}
      </label>
      {r.policy === "skills" && (
        <>
          <label>
            {t("inboxSettings.routing.relaxAfter")}
            <NumberField
              name="routing-relax-after"
              value={r.relax_after_s}
              onChange={(v) => set({ relax_after_s: v })}
              min={0}
              max={86400}
              step={1}
              placeholder={String(DEFAULTS.relax_after_s)}
              aria-describedby="relax-hint"
              disabled={disabled}
            />
          </label>
          <span id="relax-hint" className="hint">
            {t("inboxSettings.routing.relaxHint")}
          </span>
          <h4 className="settings-sub">{t("inboxSettings.routing.rules")}</h4>
          <p className="hint">{t("inboxSettings.routing.rulesHint")}</p>
          {rules.length === 0 && <p className="muted small">{t("inboxSettings.routing.noRules")}</p>}
          <ol className="rule-list" data-testid="skill-rules">
            {rules.map((rule, i) => {
              const kind = rule.intent !== undefined ? "intent" : "label";
              const n = i + 1;
              return (
                <li key={i} className="settings-row" data-testid="skill-rule">
                  <label>
                    {t("inboxSettings.routing.when")}
                    <select
                      name={`rule-${i}-kind`}
                      value={kind}
                      onChange={(e) => {
                        const { label, intent, ...rest } = rule;
                        const text = label ?? intent ?? "";
                        setRule(i, e.target.value === "intent" ? { intent: text, ...rest } : { label: text, ...rest });
                      }}
                      disabled={disabled}
                    >
                      <option value="label">{t("inboxSettings.routing.label")}</option>
                      <option value="intent">{t("inboxSettings.routing.intent")}</option>
                    </select>
                  </label>
                  <label>
                    {t("inboxSettings.routing.is")}
                    <input
                      name={`rule-${i}-match`}
                      value={(kind === "intent" ? rule.intent : rule.label) ?? ""}
                      onChange={(e) => setRule(i, { ...rule, [kind]: e.target.value })}
                      disabled={disabled}
                      required
                    />
                  </label>
                  <label>
                    {t("inboxSettings.routing.skill")}
                    <input name={`rule-${i}-skill`} value={rule.skill} onChange={(e) => setRule(i, { ...rule, skill: e.target.value })} disabled={disabled} required />
                  </label>
                  <label>
                    {t("inboxSettings.routing.minLevel")}
                    <select
                      name={`rule-${i}-level`}
                      value={String(rule.min_level ?? 1)}
                      onChange={(e) => setRule(i, { ...rule, min_level: Number(e.target.value) })}
                      disabled={disabled}
                    >
                      {[1, 2, 3, 4, 5].map((l) => (
                        <option key={l} value={l}>
                          {l}
                        </option>
                      ))}
                    </select>
                  </label>
                  {!disabled && (
                    <button
                      type="button"
                      onClick={() => set({ skill_rules: rules.filter((_, j) => j !== i) })}
                      aria-label={t("inboxSettings.routing.removeRule", { n })}
                      data-testid="skill-rule-remove"
                    >
                      {t("admin.remove")}
                    </button>
                  )}
                </li>
              );
            })}
          </ol>
          {!disabled && (
            <button type="button" className="settings-add" onClick={() => set({ skill_rules: [...rules, { label: "", skill: "", min_level: 1 }] })} data-testid="skill-rule-add">
              {t("inboxSettings.routing.addRule")}
            </button>
          )}
        </>
      )}
    </fieldset>
  );
}
