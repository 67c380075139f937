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

/** Starts `kefu serve --demo` on a fresh data dir; resolves once /readyz answers. */
export async function startKefu() {
  const bin = resolve(here, "..", process.env.KEFU_BIN ?? "../target/debug/kefu");
  if (!existsSync(bin)) throw new Error(`kefu binary not found at ${bin}: run \`cargo build -p kefu\` or set KEFU_BIN`);
  const dataDir = mkdtempSync(join(tmpdir(), "kefu-e2e-"));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const proc = spawn(bin, ["serve", "--demo", "--data-dir", dataDir, "--listen", `127.0.0.1:${port}`], {
    env: { ...process.env, KEFU_METRICS_LISTEN: "", KEFU_LOG: process.env.KEFU_LOG ?? "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
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
  return {
    origin,
    log: () => log,
    async stop() {
      proc.kill("SIGTERM");
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once("exit", r)));
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
