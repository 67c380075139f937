import { useTranslation } from "react-i18next";
import { useDirectory } from "./directory";
import { parseNum, strings, withField, type Json } from "./QaRulesEditor";

/**
 * A form for the scorecards (`crates/kefu-qa/src/scorecard.rs`): which
 * conversations a card scores, its pass score, and what each rule's hits
 * are worth. Like the rules, each card and item keeps the fields the form
 * does not know.
 */

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function numText(v: unknown): string {
  return typeof v === "number" ? String(v) : "";
}

/** Checkboxes for ids from the directory; ids it does not know (deleted, or not visible) stay listed so they can be removed. */
function IdChecks({
  legend,
  options,
  value,
  onChange,
  testid,
}: {
  legend: string;
  options: { id: string; name: string }[];
  value: string[];
  onChange: (v: string[]) => void;
  testid: string;
}) {
  const all = [...options, ...value.filter((id) => !options.some((o) => o.id === id)).map((id) => ({ id, name: id }))];
  return (
    <fieldset className="qa-ids" data-testid={testid}>
      <legend>{legend}</legend>
      {all.map((o) => (
        <label className="check" key={o.id}>
          <input
            type="checkbox"
            checked={value.includes(o.id)}
            onChange={(e) => onChange(e.target.checked ? [...value, o.id] : value.filter((x) => x !== o.id))}
          />
          {o.name}
        </label>
      ))}
    </fieldset>
  );
}

function ItemForm({ item, ruleIds, onChange, onRemove }: { item: Json; ruleIds: string[]; onChange: (i: Json) => void; onRemove: () => void }) {
  const { t } = useTranslation();
  const set = (k: string, v: unknown) => onChange(withField(item, k, v));
  const rule = str(item.rule_id);
  const ids = ruleIds.includes(rule) || !rule ? ruleIds : [rule, ...ruleIds];
  return (
    <div className="qa-item" data-testid="qa-item" data-rule-id={rule}>
      <label>
        {t("qaForm.itemRule")}{" "}
        <select value={rule} onChange={(e) => set("rule_id", e.target.value)} data-testid="qa-item-rule">
          {!rule && <option value="">—</option>}
          {ids.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("qaForm.itemLabel")} <input value={str(item.label)} onChange={(e) => set("label", e.target.value)} data-testid="qa-item-label" />
      </label>
      <label>
        {t("qaForm.effect")}{" "}
        <select value={str(item.effect) || "deduct"} onChange={(e) => set("effect", e.target.value)} data-testid="qa-item-effect">
          <option value="deduct">{t("qaForm.effects.deduct")}</option>
          <option value="bonus">{t("qaForm.effects.bonus")}</option>
        </select>
      </label>
      <label>
        {t("qaForm.points")}{" "}
        <input type="number" min={0} className="num" value={numText(item.points)} onChange={(e) => set("points", parseNum(e.target.value) ?? 0)} data-testid="qa-item-points" />
      </label>
      <label className="check">
        <input type="checkbox" checked={item.per_hit === true} onChange={(e) => set("per_hit", e.target.checked ? true : undefined)} data-testid="qa-item-per-hit" />
        {t("qaForm.perHit")}
      </label>
      {item.per_hit === true && (
        <label>
          {t("qaForm.maxPoints")}{" "}
          <input type="number" min={0} className="num" value={numText(item.max_points)} onChange={(e) => set("max_points", parseNum(e.target.value))} />
        </label>
      )}
      <label className="check">
        <input type="checkbox" checked={item.critical === true} onChange={(e) => set("critical", e.target.checked ? true : undefined)} data-testid="qa-item-critical" />
        {t("qaForm.critical")}
      </label>
      <button type="button" className="link" onClick={onRemove} data-testid="qa-item-remove">
        {t("qaForm.remove")}
      </button>
    </div>
  );
}

function CardForm({ card, ruleIds, error, onChange, onRemove }: { card: Json; ruleIds: string[]; error?: string; onChange: (c: Json) => void; onRemove: () => void }) {
  const { t } = useTranslation();
  const dir = useDirectory();
  const set = (k: string, v: unknown) => onChange(withField(card, k, v));
  const items = Array.isArray(card.items) ? (card.items as Json[]) : [];
  const setItems = (next: Json[]) => set("items", next);
  const id = str(card.id);
  return (
    <fieldset className={error ? "qa-card invalid" : "qa-card"} data-testid="qa-card" data-card-id={id}>
      <legend>
        <strong>{str(card.name) || t("qaForm.unnamed")}</strong> <code>{id}</code>
      </legend>
      {error && (
        <p role="alert" className="error" data-testid="qa-card-error">
          {error}
        </p>
      )}
      <p className="row">
        <label>
          {t("qaForm.name")} <input value={str(card.name)} onChange={(e) => set("name", e.target.value)} data-testid="qa-card-name" />
        </label>
        <label>
          {t("qaForm.id")} <input className="mono" value={id} onChange={(e) => set("id", e.target.value)} spellCheck={false} data-testid="qa-card-id" />
        </label>
        <label>
          {t("qaForm.base")}{" "}
          <input type="number" min={1} className="num" placeholder="100" value={numText(card.base)} onChange={(e) => set("base", parseNum(e.target.value))} />
        </label>
        <label>
          {t("qaForm.passScore")}{" "}
          <input type="number" min={0} className="num" value={numText(card.pass_score)} onChange={(e) => set("pass_score", parseNum(e.target.value) ?? 0)} data-testid="qa-card-pass" />
        </label>
        <label>
          {t("qaForm.botOnly")}{" "}
          <select value={str(card.bot_only) || "skip"} onChange={(e) => set("bot_only", e.target.value)}>
            {["skip", "include", "only"].map((b) => (
              <option key={b} value={b}>
                {t(`qaForm.botOnlyOptions.${b}`)}
              </option>
            ))}
          </select>
        </label>
      </p>
      <p className="muted">{t("qaForm.assignHint")}</p>
      <div className="row qa-assign">
        <IdChecks
          legend={t("qaForm.inboxes")}
          options={dir.inboxes.map((i) => ({ id: i.id, name: i.name }))}
          value={strings(card.inboxes)}
          onChange={(v) => set("inboxes", v.length ? v : undefined)}
          testid="qa-card-inboxes"
        />
        <IdChecks
          legend={t("qaForm.teams")}
          options={dir.teams.map((x) => ({ id: x.id, name: x.name }))}
          value={strings(card.teams)}
          onChange={(v) => set("teams", v.length ? v : undefined)}
          testid="qa-card-teams"
        />
      </div>
      <h4>{t("qaForm.items")}</h4>
      {items.map((item, i) => (
        <ItemForm
          key={i}
          item={item}
          ruleIds={ruleIds}
          onChange={(next) => setItems(items.map((x, j) => (j === i ? next : x)))}
          onRemove={() => setItems(items.filter((_, j) => j !== i))}
        />
      ))}
      <p className="row">
        <button
          type="button"
          disabled={ruleIds.length === 0}
          onClick={() => setItems([...items, { rule_id: ruleIds[0], label: "", effect: "deduct", points: 10 }])}
          data-testid="qa-add-item"
        >
          {t("qaForm.addItem")}
        </button>
        <button type="button" className="danger" onClick={onRemove} data-testid="qa-card-delete">
          {t("qaForm.deleteCard")}
        </button>
      </p>
    </fieldset>
  );
}

/** Every card of the account; `errors` maps a card id to the server's refusal. */
export function QaScorecardEditor({
  cards,
  ruleIds,
  onChange,
  errors,
}: {
  cards: Json[];
  ruleIds: string[];
  onChange: (cards: Json[]) => void;
  errors: Record<string, string>;
}) {
  const { t } = useTranslation();
  function add() {
    const taken = cards.map((c) => str(c.id));
    let id = "card";
    for (let n = 2; taken.includes(id); n++) id = `card-${n}`;
    onChange([...cards, { id, name: "", pass_score: 80, items: [] }]);
  }
  return (
    <section className="qa-cards" aria-label={t("qaForm.cards")} data-testid="qa-cards-form">
      <h3>{t("qaForm.cards")}</h3>
      {cards.map((c, i) => (
        <CardForm
          key={i}
          card={c}
          ruleIds={ruleIds}
          error={errors[str(c.id)]}
          onChange={(next) => onChange(cards.map((x, j) => (j === i ? next : x)))}
          onRemove={() => onChange(cards.filter((_, j) => j !== i))}
        />
      ))}
      <button type="button" onClick={add} data-testid="qa-add-card">
        {t("qaForm.addCard")}
      </button>
    </section>
  );
}
