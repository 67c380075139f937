/**
 * Kefu embed loader, served at /sdk.js:
 *   <script src="https://HOST/sdk.js" data-inbox="INBOX_ID" async></script>
 * Adds a launcher button to the page and opens the chat in an iframe served
 * by the Kefu server. No framework, no dependencies: it must stay tiny.
 */
(function () {
  const script = document.currentScript as HTMLScriptElement | null;
  if (!script || (window as unknown as { __kefuLoaded?: boolean }).__kefuLoaded) return;
  (window as unknown as { __kefuLoaded?: boolean }).__kefuLoaded = true;
  const inbox = script.dataset.inbox ?? "";
  const origin = new URL(script.src, location.href).origin;
  const lang = script.dataset.lang;

  const style = (el: HTMLElement, css: Partial<CSSStyleDeclaration>) => Object.assign(el.style, css);

  const launcher = document.createElement("button");
  launcher.type = "button";
  launcher.id = "kefu-launcher";
  launcher.setAttribute("aria-label", "Chat");
  launcher.setAttribute("aria-expanded", "false");
  launcher.textContent = "💬";
  style(launcher, {
    position: "fixed",
    right: "20px",
    bottom: "20px",
    width: "56px",
    height: "56px",
    borderRadius: "50%",
    border: "none",
    background: "#2563eb",
    color: "#fff",
    fontSize: "26px",
    cursor: "pointer",
    boxShadow: "0 4px 12px rgba(0,0,0,.25)",
    zIndex: "2147483000",
  });

  let frame: HTMLIFrameElement | null = null;
  let open = false;

  const toggle = () => {
    open = !open;
    if (open && !frame) {
      frame = document.createElement("iframe");
      frame.id = "kefu-frame";
      frame.title = "Chat";
      const q = new URLSearchParams({ inbox });
      if (lang) q.set("lang", lang);
      const key = "kefu.visitor." + inbox;
      let token: string | null = null;
      try {
        token = localStorage.getItem(key);
      } catch {
        /* storage blocked */
      }
      frame.src = `${origin}/widget?${q}` + (token ? "#vt=" + encodeURIComponent(token) : "");
      // The widget reports its visitor token; keep it first-party so a reload resumes.
      addEventListener("message", (e: MessageEvent) => {
        const d = e.data as { type?: string; token?: unknown } | null;
        if (e.origin !== origin || !frame || e.source !== frame.contentWindow || d?.type !== "kefu:token") return;
        try {
          if (typeof d.token === "string") localStorage.setItem(key, d.token);
        } catch {
          /* storage blocked */
        }
      });
      frame.setAttribute("allow", "clipboard-write");
      style(frame, {
        position: "fixed",
        right: "20px",
        bottom: "88px",
        width: "370px",
        maxWidth: "calc(100vw - 40px)",
        height: "560px",
        maxHeight: "calc(100vh - 120px)",
        border: "none",
        borderRadius: "12px",
        boxShadow: "0 8px 30px rgba(0,0,0,.25)",
        background: "#fff",
        zIndex: "2147483000",
      });
      document.body.appendChild(frame);
    }
    if (frame) frame.style.display = open ? "block" : "none";
    launcher.setAttribute("aria-expanded", String(open));
    launcher.textContent = open ? "✕" : "💬";
  };
  launcher.addEventListener("click", toggle);

  const mount = () => document.body.appendChild(launcher);
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
