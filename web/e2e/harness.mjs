// Test harness: the real kefu binary on a free port, a host page on another
// origin, and Debian's chromium driven by playwright-core.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const DEMO_INBOX = "01920000-0000-7000-8000-000000000002";
export const AGENT = { email: "agent@kefu.demo", password: "kefu-demo-agent" };

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on("error", fail);
  });
}

/**
 * Starts `kefu serve --demo` on a fresh data dir; resolves once /readyz answers.
 * The demo inbox's bot answers visitors first; tests of the humans' side
 * start without it (`bot: false`, the default) so a visitor's message goes
 * straight to the agents, as it did before the bot existed.
 */
export async function startKefu({ bot = false } = {}) {
  const bin = resolve(here, "..", process.env.KEFU_BIN ?? "../target/debug/kefu");
  if (!existsSync(bin)) throw new Error(`kefu binary not found at ${bin}: run \`cargo build -p kefu\` or set KEFU_BIN`);
  const dataDir = mkdtempSync(join(tmpdir(), "kefu-e2e-"));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  let log = "";
  let proc;
  const launch = async () => {
    proc = spawn(bin, ["serve", "--demo", "--data-dir", dataDir, "--listen", `127.0.0.1:${port}`], {
      env: { ...process.env, KEFU_METRICS_LISTEN: "", KEFU_LOG: process.env.KEFU_LOG ?? "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    proc.stdout.on("data", (d) => (log += d));
    proc.stderr.on("data", (d) => (log += d));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`kefu exited early (${proc.exitCode}):\n${log}`);
      try {
        const r = await fetch(`${origin}/readyz`);
        if (r.ok) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`kefu did not become ready:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const halt = async () => {
    proc.kill("SIGTERM");
    await new Promise((r) => (proc.exitCode !== null ? r() : proc.once("exit", r)));
  };
  await launch();
  if (!bot) {
    const admin = await apiClient(origin, ADMIN);
    await admin.patch(`/inboxes/${DEMO_INBOX}`, { bot_enabled: false });
  }
  return {
    origin,
    log: () => log,
    /** Stops the server, waits `downMs`, and starts it again on the same port and data. */
    async restart(downMs = 0) {
      await halt();
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    async stop() {
      await halt();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A customer's site on a different origin (localhost, not 127.0.0.1, and
 * another port) embedding the widget with the documented snippet.
 */
export async function startHostPage(kefuOrigin, inbox = DEMO_INBOX) {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>Acme shop</title></head>
<body><h1>Acme shop</h1><p>Welcome to our demo store.</p>
<script src="${kefuOrigin}/sdk.js" data-inbox="${inbox}" async></script></body></html>`;
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(html);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return { url: `http://localhost:${port}/`, stop: () => new Promise((ok) => server.close(ok)) };
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  // playwright-core gives every launch a fresh temporary profile (user-data-dir).
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Collects page errors and CSP violations so tests can assert there were none. */
export function watchPage(page, problems) {
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`csp: ${m.text()}`);
  });
  return page;
}

export async function loginAgent(context, origin, problems) {
  const page = watchPage(await context.newPage(), problems);
  await page.goto(`${origin}/login`);
  await page.locator('input[name="email"]').fill(AGENT.email);
  await page.locator('input[name="password"]').fill(AGENT.password);
  await page.locator('button[type="submit"]').click();
  await page.getByTestId("conversation-list").waitFor();
  await page.locator('[data-testid="live"].on').waitFor();
  return page;
}

/** Opens the host page, clicks the launcher and returns the widget frame. */
export async function openWidget(context, hostUrl, problems) {
  const page = watchPage(await context.newPage(), problems);
  await page.goto(hostUrl);
  await page.locator("#kefu-launcher").click();
  const frame = page.frameLocator("#kefu-frame");
  await frame.getByTestId("widget-input").waitFor();
  await frame.locator('[data-testid="widget-input"]:not([disabled])').waitFor();
  return { page, frame };
}

export async function visitorSays(frame, text) {
  await frame.getByTestId("widget-input").fill(text);
  await frame.getByTestId("widget-send").click();
  await frame.getByTestId("widget-message-text").filter({ hasText: text }).first().waitFor();
}

export const ADMIN = { email: "admin@kefu.demo", password: "kefu-demo-admin" };

/**
 * Collects every browser console error and page error (not only CSP). The
 * one exception: Chromium logs each 4xx answer of the API ("Failed to load
 * resource"), which the apps handle and show (a failed sign-in check, a
 * validation error); any other failed load, 5xx, script error or CSP
 * violation counts.
 */
export function watchAll(page, problems) {
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const url = m.location()?.url ?? "";
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()) && /\/api\/v1\//.test(url)) return;
    problems.push(`console (${page.url()}): ${m.text()} ${url}`);
  });
  return page;
}

/** Signs a browser context in through the API (the cookie is shared with its pages). */
export async function signIn(context, origin, who) {
  const r = await context.request.post(`${origin}/api/v1/auth/login`, { data: who });
  if (!r.ok()) throw new Error(`sign-in of ${who.email} failed: ${r.status()} ${await r.text()}`);
}

/** A JSON API client for the tests' own setup, signed in as `who`. */
export async function apiClient(origin, who) {
  const r = await fetch(`${origin}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(who),
  });
  if (!r.ok) throw new Error(`sign-in of ${who.email} failed: ${r.status}`);
  const cookie = r.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const call = async (method, path, body) => {
    const res = await fetch(`${origin}/api/v1${path}`, {
      method,
      headers: { cookie, "x-kefu-csrf": "1", ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  return {
    get: (p) => call("GET", p),
    post: (p, b = {}) => call("POST", p, b),
    patch: (p, b) => call("PATCH", p, b),
    put: (p, b) => call("PUT", p, b),
    del: (p) => call("DELETE", p),
  };
}

/**
 * A visitor conversation through the widget's REST API (as the widget does):
 * a session, a message, and a request for a human so it reaches the queue.
 */
export async function visitorConversation(origin, text, inbox = DEMO_INBOX) {
  const s = await (
    await fetch(`${origin}/api/v1/widget/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ inbox_id: inbox }),
    })
  ).json();
  const auth = { authorization: `Bearer ${s.token}`, "content-type": "application/json" };
  const sent = await fetch(`${origin}/api/v1/widget/messages`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ text, client_id: `m-${Date.now()}-${Math.random()}` }),
  });
  if (!sent.ok) throw new Error(`visitor message: ${sent.status} ${await sent.text()}`);
  const body = await sent.json();
  return { token: s.token, body };
}

/** Polls `check` until it returns true (at most `timeoutMs`), for effects a page shows no sign of. */
export async function eventually(what, check, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
