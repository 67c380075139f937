import { useCallback, useState } from "react";

/**
 * Desktop notifications and a short chime for new visitor messages while the
 * tab is hidden. Permission is only asked from a click (browsers ignore or
 * penalise prompts without a user gesture).
 */
export type NotifyPermission = NotificationPermission | "unsupported";

let audio: AudioContext | null = null;

function chime() {
  try {
    audio ??= new AudioContext();
    const ctx = audio;
    void ctx.resume();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "sine";
    osc.frequency.setValueAtTime(880, ctx.currentTime);
    osc.frequency.setValueAtTime(660, ctx.currentTime + 0.12);
    gain.gain.setValueAtTime(0.0001, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.3);
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.32);
  } catch {
    /* no audio available */
  }
}

export function useNotifications() {
  const supported = typeof window !== "undefined" && "Notification" in window;
  const [permission, setPermission] = useState<NotifyPermission>(supported ? Notification.permission : "unsupported");

  const request = useCallback(async () => {
    if (!supported) return;
    // Unlock audio on this click so the chime can play later.
    try {
      audio ??= new AudioContext();
      void audio.resume();
    } catch {
      /* no audio */
    }
    setPermission(await Notification.requestPermission());
  }, [supported]);

  const notify = useCallback(
    (title: string, body: string, onClick: () => void) => {
      if (!document.hidden) return;
      chime();
      if (!supported || Notification.permission !== "granted") return;
      const n = new Notification(title, { body, tag: "kefu-message" });
      n.onclick = () => {
        window.focus();
        onClick();
        n.close();
      };
    },
    [supported],
  );

  return { permission, request, notify };
}
