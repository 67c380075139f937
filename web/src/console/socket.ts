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

/**
 * The agent socket: one per tab, resumed with the last cursor after a
 * disconnect so nothing is missed or repeated.
 */
export function useAgentSocket(onEvent: Listener): boolean {
  const [live, setLive] = useState(false);
  const listener = useRef(onEvent);
  listener.current = onEvent;

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
        let frame: { type: string; cursor?: string | null; event?: AgentEvent };
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
