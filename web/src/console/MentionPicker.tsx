import { useEffect, useState, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../shared/api";

/** A colleague a note may mention (the server lists only those who can see the inbox). */
export interface Mentionable {
  user_id: string;
  name: string;
}

/** The `@query` being typed just before the caret, if any. */
export function mentionQuery(before: string): string | null {
  const m = /(?:^|\s)@([^\s@]{0,40})$/.exec(before);
  return m ? m[1] : null;
}

/**
 * The `@` picker of the note composer: colleagues who can see this
 * conversation's inbox, filtered by what follows `@`. The reply box keeps
 * the focus and hands its keys to `onKey` while the list is open; choosing
 * one replaces `@query` with `@Name ` and reports who was chosen.
 */
export function useMentionPicker(
  conversationId: string,
  enabled: boolean,
  text: string,
  caret: number,
  insert: (next: string, caret: number, who: Mentionable) => void,
) {
  const [people, setPeople] = useState<Mentionable[] | null>(null);
  const [active, setActive] = useState(0);
  const [closedFor, setClosedFor] = useState<string | null>(null);
  const before = text.slice(0, caret);
  const query = enabled ? mentionQuery(before) : null;

  useEffect(() => {
    // Loaded once per conversation, the first time a note is written.
    if (!enabled || people !== null) return;
    let live = true;
    api<Mentionable[]>(`/api/v1/conversations/${conversationId}/mentionable`).then(
      (list) => live && setPeople(list),
      () => live && setPeople([]),
    );
    return () => {
      live = false;
    };
  }, [conversationId, enabled, people]);

  const q = (query ?? "").toLowerCase();
  const items = (people ?? []).filter((p) => p.name.toLowerCase().includes(q)).slice(0, 8);
  const key = `${caret}:${query}`;
  const open = query !== null && people !== null && closedFor !== key;

  useEffect(() => setActive(0), [query]);

  function pick(i: number) {
    const who = items[i];
    if (!who || query === null) return;
    const start = before.length - query.length - 1;
    const inserted = `@${who.name} `;
    insert(text.slice(0, start) + inserted + text.slice(caret), start + inserted.length, who);
  }

  function onKey(e: KeyboardEvent): boolean {
    if (!open) return false;
    if (e.key === "Escape") setClosedFor(key);
    else if (e.key === "ArrowDown" && items.length) setActive((a) => (a + 1) % items.length);
    else if (e.key === "ArrowUp" && items.length) setActive((a) => (a - 1 + items.length) % items.length);
    else if ((e.key === "Enter" || e.key === "Tab") && items[active]) pick(active);
    else return false;
    e.preventDefault();
    return true;
  }

  return { open, items, active, query: query ?? "", onKey, pick, names: (people ?? []).map((p) => p.name) };
}

export function MentionList({ picker }: { picker: ReturnType<typeof useMentionPicker> }) {
  const { t } = useTranslation();
  if (!picker.open) return null;
  return (
    <div className="canned-popup mention-popup" data-testid="mention-popup">
      {picker.items.length === 0 ? (
        <p className="muted">{t("mentions.pickerNone", { query: picker.query })}</p>
      ) : (
        <ul role="listbox" aria-label={t("mentions.picker")}>
          {picker.items.map((p, i) => (
            <li
              key={p.user_id}
              role="option"
              aria-selected={i === picker.active}
              className={i === picker.active ? "active" : ""}
              data-testid="mention-option"
              data-user-id={p.user_id}
              // Mouse down, not click: the reply box keeps its focus.
              onMouseDown={(e) => {
                e.preventDefault();
                picker.pick(i);
              }}
            >
              <span>@{p.name}</span>
            </li>
          ))}
        </ul>
      )}
      <p className="hint">{t("mentions.pickerHint")}</p>
    </div>
  );
}
