import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";

const KEYS: [string, string][] = [
  ["j", "shortcuts.next"],
  ["k", "shortcuts.prev"],
  ["r", "shortcuts.reply"],
  ["Ctrl/⌘ + Enter", "shortcuts.send"],
  ["e", "shortcuts.resolve"],
  ["/", "shortcuts.search"],
  ["?", "shortcuts.help"],
];

/** The `?` overlay: a modal dialog listing the console's shortcuts. */
export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog ref={dialog} className="help" aria-labelledby="help-title" data-testid="shortcut-help" onClose={onClose}>
      <h2 id="help-title">{t("shortcuts.title")}</h2>
      <dl>
        {KEYS.map(([k, label]) => (
          <div key={k}>
            <dt>
              <kbd>{k}</kbd>
            </dt>
            <dd>{t(label)}</dd>
          </div>
        ))}
      </dl>
      <form method="dialog">
        <button type="submit" autoFocus>
          {t("shortcuts.close")}
        </button>
      </form>
    </dialog>
  );
}
