import { useTranslation } from "react-i18next";

const FIELDS = ["name", "email", "phone"] as const;

interface PreChat {
  enabled?: boolean;
  fields?: string[];
  required?: string[];
}

/**
 * The web widget's own settings inside `inbox.settings`: the pre-chat form
 * (`pre_chat`) and the satisfaction survey (`csat_enabled`, on by default).
 * Other keys of the settings object are kept as they are.
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
