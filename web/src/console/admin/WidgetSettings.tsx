import { useTranslation } from "react-i18next";

const FIELDS = ["name", "email", "phone"] as const;

interface PreChat {
  enabled?: boolean;
  fields?: string[];
  required?: string[];
}

/**
 * The web widget's own settings inside `inbox.settings`: the pre-chat form
 * (`pre_chat`) and the satisfaction survey (`csat_enabled`, on by default;
 * `csat_scale`, stars or faces; `csat_text`, the question, empty for the
 * default one in the customer's language). Other keys of the settings
 * object are kept as they are.
 */
export function WidgetSettings({
  value,
  onChange,
  disabled,
}: {
  value: Record<string, unknown>;
  onChange: (v: Record<string, unknown>) => void;
  disabled: boolean;
}) {
  const { t } = useTranslation();
  const pre = (value.pre_chat ?? {}) as PreChat;
  const fields = pre.fields ?? [];
  const required = pre.required ?? [];
  const setPre = (p: PreChat) => onChange({ ...value, pre_chat: { enabled: false, fields: [], required: [], ...pre, ...p } });
  const toggle = (list: string[], f: string, on: boolean) => (on ? [...new Set([...list, f])] : list.filter((x) => x !== f));
  return (
    <fieldset className="widget-settings" data-testid="widget-settings">
      <legend>{t("widgetSettings.title")}</legend>
      <label className="check">
        <input
          type="checkbox"
          name="csat-enabled"
          checked={value.csat_enabled !== false}
          onChange={(e) => onChange({ ...value, csat_enabled: e.target.checked })}
          disabled={disabled}
        />
        {t("widgetSettings.csat")}
      </label>
      {value.csat_enabled !== false && (
        <div className="csat-settings">
          <label>
            {t("widgetSettings.csatScale")}{" "}
            <select
              name="csat-scale"
              value={value.csat_scale === "emoji" ? "emoji" : "stars"}
              onChange={(e) => onChange({ ...value, csat_scale: e.target.value })}
              disabled={disabled}
            >
              <option value="stars">{t("widgetSettings.csatStars")}</option>
              <option value="emoji">{t("widgetSettings.csatEmoji")}</option>
            </select>
          </label>
          <label className="stack">
            {t("widgetSettings.csatText")}
            <input
              name="csat-text"
              maxLength={300}
              value={typeof value.csat_text === "string" ? value.csat_text : ""}
              placeholder={t("widgetSettings.csatTextPlaceholder")}
              // Empty removes the key, so the default question (translated per visitor) applies.
              onChange={(e) => {
                const { csat_text: _old, ...rest } = value;
                onChange(e.target.value === "" ? rest : { ...value, csat_text: e.target.value });
              }}
              disabled={disabled}
            />
          </label>
        </div>
      )}
      <label className="check">
        <input
          type="checkbox"
          name="pre-chat-enabled"
          checked={pre.enabled === true}
          onChange={(e) => setPre({ enabled: e.target.checked, fields: fields.length ? fields : ["name", "email"] })}
          disabled={disabled}
        />
        {t("widgetSettings.preChat")}
      </label>
      {pre.enabled && (
        <table className="pre-chat-fields">
          <thead>
            <tr>
              <th scope="col">{t("widgetSettings.field")}</th>
              <th scope="col">{t("widgetSettings.ask")}</th>
              <th scope="col">{t("widgetSettings.required")}</th>
            </tr>
          </thead>
          <tbody>
            {FIELDS.map((f) => (
              <tr key={f}>
                <th scope="row">{t(`widgetSettings.${f}`)}</th>
                <td>
                  <input
                    type="checkbox"
                    name={`pre-chat-${f}`}
                    aria-label={`${t("widgetSettings.ask")}: ${t(`widgetSettings.${f}`)}`}
                    checked={fields.includes(f)}
                    onChange={(e) =>
                      setPre({
                        fields: toggle(fields, f, e.target.checked),
                        required: e.target.checked ? required : toggle(required, f, false),
                      })
                    }
                    disabled={disabled}
                  />
                </td>
                <td>
                  <input
                    type="checkbox"
                    name={`pre-chat-required-${f}`}
                    aria-label={`${t("widgetSettings.required")}: ${t(`widgetSettings.${f}`)}`}
                    checked={required.includes(f)}
                    onChange={(e) =>
                      setPre({
                        required: toggle(required, f, e.target.checked),
                        fields: e.target.checked ? toggle(fields, f, true) : fields,
                      })
                    }
                    disabled={disabled}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </fieldset>
  );
}
