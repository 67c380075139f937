import { useEffect, useRef, useState } from "react";
import { wsUrl } from "../shared/api";

export interface AgentEvent {
  id: string;
  type: string;
  conversation_id: string | null;
  seq: number | null;
  data: Record<string, unknown>;
}

type Listener = (e: AgentEvent) => void;

/** Presence frames: typing and viewing. Never logged, never replayed. */
export interface Ephemeral {
  type: "typing" | "viewing";
  conversation_id: string;
  participant?: { kind: string; id: string | null };
  typing?: boolean;
  viewers?: string[];
}

/**
 * The agent socket: one per tab, resumed with the last cursor after a
 * disconnect so nothing is missed or repeated.
 */
export function useAgentSocket(onEvent: Listener, onEphemeral?: (e: Ephemeral) => void): boolean {
  const [live, setLive] = useState(false);
  const listener = useRef(onEvent);
  listener.current = onEvent;
  const presence = useRef(onEphemeral);
  presence.current = onEphemeral;

  useEffect(() => {
    let cursor: string | null = null;
    let ws: WebSocket | null = null;
    let stopped = false;
    let retry = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let ping: ReturnType<typeof setInterval> | undefined;

    const connect = () => {
      const q = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
      ws = new WebSocket(wsUrl(`/api/v1/ws${q}`));
      ws.onopen = () => {
        retry = 0;
        ping = setInterval(() => ws?.readyState === WebSocket.OPEN && ws.send('{"type":"ping"}'), 25000);
      };
      ws.onmessage = (m) => {
        let frame: { type: string; cursor?: string | null; event?: AgentEvent; conversation_id?: string };
        try {
          frame = JSON.parse(m.data as string);
        } catch {
          return;
        }
        if (frame.type === "ready") {
          if (frame.cursor) cursor = frame.cursor;
          setLive(true);
        } else if (frame.type === "event" && frame.event) {
          if (frame.cursor) cursor = frame.cursor;
          listener.current(frame.event);
        } else if ((frame.type === "typing" || frame.type === "viewing") && frame.conversation_id) {
          presence.current?.(frame as unknown as Ephemeral);
        }
      };
      ws.onclose = () => {
        clearInterval(ping);
        setLive(false);
        if (stopped) return;
        const delay = Math.min(30000, 500 * 2 ** retry++);
        timer = setTimeout(connect, delay);
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      clearInterval(ping);
      ws?.close();
    };
  }, []);

  return live;
}
