import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../shared/api";
import { useDirectory } from "./directory";
import type { Watch } from "./Workspace";

/** How often an open conversation is reported again (the server forgets a view after 50 s). */
const HEARTBEAT_MS = 20_000;
/** How long a colleague's typing shows without news. */
const TYPING_MS = 6_000;

/**
 * Tells the server this console has the conversation open, and tracks who
 * else has: the collision warning. Leaving (or closing the tab) says so.
 */
function useColleagues(conversationId: string, meId: string, watch: Watch) {
  const [viewers, setViewers] = useState<string[]>([]);
  const [typing, setTyping] = useState<Record<string, number>>({});

  useEffect(() => {
    const path = `/api/v1/conversations/${conversationId}/viewing`;
    let live = true;
    const report = () =>
      api<{ viewers: string[] }>(path, { method: "POST", body: { viewing: true } }).then(
        (r) => live && setViewers(r.viewers),
        () => undefined,
      );
    void report();
    const timer = setInterval(() => void report(), HEARTBEAT_MS);
    const leave = () => {
      // keepalive: the request outlives a closing tab.
      void fetch(path, {
        method: "POST",
        keepalive: true,
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-kefu-csrf": "1" },
        body: JSON.stringify({ viewing: false }),
      }).catch(() => undefined);
    };
    window.addEventListener("pagehide", leave);
    const stop = watch((e) => {
      if (e.conversation_id !== conversationId) return;
      if (e.type === "viewing" && e.viewers) {
        const still = new Set(e.viewers);
        setViewers(e.viewers);
        // Whoever left has stopped writing too.
        setTyping((t) => Object.fromEntries(Object.entries(t).filter(([id]) => still.has(id))));
      }
      const who = e.participant?.id;
      if (e.type === "typing" && e.participant?.kind === "agent" && who && who !== meId) {
        setTyping((t) => ({ ...t, [who]: e.typing ? Date.now() : 0 }));
      }
    });
    return () => {
      live = false;
      clearInterval(timer);
      window.removeEventListener("pagehide", leave);
      stop();
      leave();
    };
  }, [conversationId, meId, watch]);

  // Typing lapses without news (the sender repeats it every few seconds while typing).
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const anyTyping = Object.values(typing).some((t) => t > 0);
    if (!anyTyping) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [typing]);
  const typers = Object.entries(typing)
    .filter(([, at]) => at > 0 && now - at < TYPING_MS)
    .map(([id]) => id);
  return { others: viewers.filter((v) => v !== meId), typers };
}

/** "Li Lei is also viewing this conversation" / "… is replying". */
export function CollisionWarning({ conversationId, meId, watch }: { conversationId: string; meId: string; watch: Watch }) {
  const { t } = useTranslation();
  const dir = useDirectory();
  const { others, typers } = useColleagues(conversationId, meId, watch);
  if (others.length === 0 && typers.length === 0) return null;
  const names = (ids: string[]) => ids.map((id) => dir.userName(id) ?? t("conv.sender.agent")).join(", ");
  return (
    <p className="collision" role="status" data-testid="collision">
      <span aria-hidden="true">👀 </span>
      {typers.length > 0
        ? t("conv.colleagueTyping", { names: names(typers), count: typers.length })
        : t("conv.alsoViewing", { names: names(others), count: others.length })}
    </p>
  );
}
