import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { api } from "../shared/api";
import type { Me } from "./App";
import { HeaderList } from "./HeaderList";
import type { AgentEvent } from "./socket";

/** A live QA alert, as `GET /api/v1/qa/alerts` lists it. */
interface AlertView {
  id: string;
  conversation_id: string;
  rule_id: string;
  rule_name: string;
  reason: "rule" | "silence";
  message_id: string;
  excerpt: string;
  speaker: string;
  /** Milliseconds since the epoch. */
  created_at: number;
}

/** Where the newest alert seen is remembered, per browser and account. */
const seenKey = (account: string) => `kefu.qaAlerts.seen.${account}`;

/**
 * The header's live QA alerts, for supervisors and admins (the server sends
 * `qa.alert` to no one else): a bell with the number of alerts not yet seen,
 * opening the recent ones; choosing one opens its conversation. Each new
 * alert reloads the list and shows a short notice.
 */
export function QaAlertsMenu({
  me,
  subscribe,
  notify,
}: {
  me: Me;
  subscribe: (l: (e: AgentEvent) => void) => () => void;
  notify: (title: string, body: string, onClick: () => void) => void;
}) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [items, setItems] = useState<AlertView[]>([]);
  const [open, setOpen] = useState(false);
  const [seen, setSeen] = useState<number>(() => Number(localStorage.getItem(seenKey(me.account.id)) ?? 0) || 0);
  const [notice, setNotice] = useState<string | null>(null);
  const noticeTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const load = useCallback(async () => {
    try {
      const page = await api<{ items: AlertView[] }>("/api/v1/qa/alerts?limit=30");
      setItems(page.items);
    } catch {
      /* offline: keep what is shown */
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(
    () =>
      subscribe((e) => {
        if (e.type !== "qa.alert") return;
        void load();
        const rule = typeof e.data.rule_name === "string" ? e.data.rule_name : "";
        const excerpt = typeof e.data.excerpt === "string" ? e.data.excerpt : "";
        const title = e.data.reason === "silence" ? t("qaAlerts.silence", { rule }) : t("qaAlerts.rule", { rule });
        setNotice(`${title}: ${excerpt}`);
        clearTimeout(noticeTimer.current);
        noticeTimer.current = setTimeout(() => setNotice(null), 8000);
        const id = e.conversation_id;
        notify(title, excerpt, () => id && navigate(`/c/${id}`));
      }),
    [subscribe, load, t, notify, navigate],
  );

  useEffect(() => () => clearTimeout(noticeTimer.current), []);

  const unseen = items.filter((a) => a.created_at > seen).length;
  function toggle() {
    setOpen((o) => !o);
    const newest = items[0]?.created_at;
    if (newest && newest > seen) {
      setSeen(newest);
      localStorage.setItem(seenKey(me.account.id), String(newest));
    }
  }

  return (
    <span className="mentions qa-alerts">
      <button
        type="button"
        aria-expanded={open}
        onClick={toggle}
        title={t("qaAlerts.title")}
        data-testid="qa-alerts-button"
      >
        <span aria-hidden="true">🔔</span>
        {unseen > 0 && (
          <span className="mention-count" data-testid="qa-alerts-count" aria-hidden="true">
            {unseen}
          </span>
        )}
        <span className="sr-only">
          {t("qaAlerts.title")} ({t("qaAlerts.count", { count: unseen })})
        </span>
      </button>
      {open && (
        <HeaderList
          testid="qa-alerts-list"
          itemTestid="qa-alert-item"
          title={t("qaAlerts.title")}
          closeLabel={t("qaAlerts.close")}
          emptyLabel={t("qaAlerts.none")}
          items={items}
          onClose={() => setOpen(false)}
          who={(a) => (
            <>
              {a.reason === "silence"
                ? t("qaAlerts.silence", { rule: a.rule_name })
                : t("qaAlerts.rule", { rule: a.rule_name })}
              {" · "}
              {t(`qaAlerts.speaker.${a.speaker}`, { defaultValue: a.speaker })}
            </>
          )}
        />
      )}
      {notice && (
        <span className="mention-toast qa-alert-toast" role="status" data-testid="qa-alert-toast">
          {notice}
        </span>
      )}
    </span>
  );
}
