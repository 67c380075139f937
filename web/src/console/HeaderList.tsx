import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import type { Timestamp } from "../shared/api";
import { formatAgo } from "../shared/dates";

/** One row of a header list: it opens its conversation. */
export interface HeaderListItem {
  id: string;
  conversation_id: string;
  excerpt: string;
  created_at: Timestamp;
}

/**
 * The drop-down list under a header button (the @mentions and the live QA
 * alerts): a title with a close button, an empty notice, and one row per
 * item that closes the list and opens the item's conversation. Each caller
 * says only what its rows' first line reads.
 */
export function HeaderList<T extends HeaderListItem>(props: {
  /** The list's `data-testid` (`…-list`); the empty notice gets `…-empty`, rows `itemTestid`. */
  testid: string;
  itemTestid: string;
  id?: string;
  title: string;
  closeLabel: string;
  emptyLabel: string;
  items: T[];
  who: (item: T) => ReactNode;
  onClose: () => void;
}) {
  const { i18n } = useTranslation();
  const lng = i18n.resolvedLanguage ?? "en";
  const navigate = useNavigate();
  const { testid, itemTestid, items, onClose } = props;
  return (
    <div className="mentions-list" id={props.id} data-testid={testid}>
      <div className="mentions-head">
        <strong>{props.title}</strong>
        <button type="button" className="link" onClick={onClose}>
          {props.closeLabel}
        </button>
      </div>
      {items.length === 0 ? (
        <p className="muted" data-testid={`${testid.replace(/-list$/, "")}-empty`}>
          {props.emptyLabel}
        </p>
      ) : (
        <ul>
          {items.map((item) => (
            <li key={item.id}>
              <button
                type="button"
                className="mention-item"
                data-testid={itemTestid}
                data-conversation-id={item.conversation_id}
                onClick={() => {
                  onClose();
                  navigate(`/c/${item.conversation_id}`);
                }}
              >
                <span className="mention-who">{props.who(item)}</span>
                <span className="mention-excerpt">{item.excerpt}</span>
                <time>{formatAgo(item.created_at, lng)}</time>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
