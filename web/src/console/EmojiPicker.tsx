import { useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

/**
 * A small curated grid of native emoji: no data download, no fonts. Each
 * button's text is the emoji itself, which screen readers announce by its
 * name in the reader's own language. Arrow keys move within the grid,
 * Escape closes and returns focus to the toggle.
 */
const EMOJI = [
  "😀", "😄", "😊", "🙂", "😉", "😍", "🤔", "😅",
  "😂", "😢", "😮", "😎", "🙏", "👍", "👎", "👋",
  "👏", "💪", "🎉", "❤️", "✅", "❌", "⭐", "🔥",
  "📦", "🚚", "💳", "🧾", "📞", "📧", "⏰", "🎁",
];
const COLS = 8;

export function EmojiPicker({ onPick }: { onPick: (emoji: string) => void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const grid = useRef<HTMLDivElement>(null);
  const id = useId();

  useEffect(() => {
    if (open) grid.current?.querySelector<HTMLButtonElement>("button")?.focus();
  }, [open]);

  function close() {
    setOpen(false);
    toggle.current?.focus();
  }

  function onKey(e: React.KeyboardEvent<HTMLDivElement>) {
    const buttons = [...(grid.current?.querySelectorAll<HTMLButtonElement>("button") ?? [])];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const move = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: COLS, ArrowUp: -COLS }[e.key];
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close();
    } else if (move !== undefined && i >= 0) {
      e.preventDefault();
      buttons[Math.min(buttons.length - 1, Math.max(0, i + move))]?.focus();
    }
  }

  return (
    <div
      className="emoji"
      onBlur={(e) => {
        // Focus left the picker (click or Tab elsewhere): close it.
        if (open && !e.currentTarget.contains(e.relatedTarget as Node | null)) setOpen(false);
      }}
    >
      <button
        ref={toggle}
        type="button"
        aria-label={t("conv.emoji")}
        title={t("conv.emoji")}
        aria-expanded={open}
        aria-controls={id}
        data-testid="emoji-toggle"
        onClick={() => (open ? close() : setOpen(true))}
      >
        🙂
      </button>
      {open && (
        <div
          id={id}
          ref={grid}
          className="emoji-grid"
          role="group"
          aria-label={t("conv.emojiTitle")}
          data-testid="emoji-grid"
          onKeyDown={onKey}
        >
          {EMOJI.map((e) => (
            <button
              key={e}
              type="button"
              data-testid="emoji"
              onClick={() => {
                onPick(e);
                setOpen(false);
              }}
            >
              {e}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
