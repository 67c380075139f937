import { useEffect, useState, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, type CannedSuggestion } from "../shared/api";

/** `/code` typed at the start of the reply box (and nothing else yet). */
export function cannedQuery(text: string): string | null {
  const m = /^\/(\S*)$/.exec(text);
  return m ? m[1] : null;
}

/**
 * The canned responses matching what follows `/` in the reply box, filled in
 * for this conversation by the server. The reply box keeps the focus and
 * hands its keys to `onKey` while the list is open.
 */
export function useCannedPicker(conversationId: string, text: string, insert: (text: string) => void) {
  const query = cannedQuery(text);
  const [items, setItems] = useState<CannedSuggestion[]>([]);
  const [loadedFor, setLoadedFor] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const [closedFor, setClosedFor] = useState<string | null>(null);

  useEffect(() => {
    if (query === null) return;
    let live = true;
    // A short pause, so typing a code does not send a request per key.
    const timer = setTimeout(() => {
      api<CannedSuggestion[]>(`/api/v1/conversations/${conversationId}/canned_responses?q=${encodeURIComponent(query)}&limit=8`).then(
        (list) => {
          if (!live) return;
          setItems(list);
          setLoadedFor(query);
          setActive(0);
        },
        () => live && setItems([]),
      );
    }, 120);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [conversationId, query]);

  const open = query !== null && closedFor !== query && loadedFor === query;

  function onKey(e: KeyboardEvent): boolean {
    if (!open) return false;
    if (e.key === "Escape") {
      setClosedFor(query);
    } else if (e.key === "ArrowDown" && items.length) {
      setActive((a) => (a + 1) % items.length);
    } else if (e.key === "ArrowUp" && items.length) {
      setActive((a) => (a - 1 + items.length) % items.length);
    } else if ((e.key === "Enter" || e.key === "Tab") && items[active]) {
      insert(items[active].text);
    } else {
      return false;
    }
    e.preventDefault();
    return true;
  }

  return { open, items, active, query: query ?? "", onKey, pick: (i: number) => items[i] && insert(items[i].text) };
}

export function CannedList({ picker }: { picker: ReturnType<typeof useCannedPicker> }) {
  const { t } = useTranslation();
  if (!picker.open) return null;
  return (
    <div className="canned-popup" data-testid="canned-popup">
      {picker.items.length === 0 ? (
        <p className="muted">{t("conv.cannedNone", { query: picker.query })}</p>
      ) : (
        <ul role="listbox" aria-label={t("conv.canned")} id="canned-list">
          {picker.items.map((c, i) => (
            <li
              key={c.id}
              role="option"
              aria-selected={i === picker.active}
              className={i === picker.active ? "active" : ""}
              data-testid="canned-option"
              data-code={c.short_code}
              // Mouse down, not click: the reply box keeps its focus.
              onMouseDown={(e) => {
                e.preventDefault();
                picker.pick(i);
              }}
            >
              <code>/{c.short_code}</code>
              <span className="canned-text">{c.text}</span>
            </li>
          ))}
        </ul>
      )}
      <p className="hint">{t("conv.cannedHint")}</p>
    </div>
  );
}
