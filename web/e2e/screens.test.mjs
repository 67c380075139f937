// Acceptance 2 of issue 3: the widget (on the demo host page), the console
// (a conversation open) and an admin page at 375 px and 1440 px, in English
// and Chinese. Each view is saved to docs/screenshots/ and must have no
// horizontal overflow, no untranslated text in Chinese, no serious or
// critical axe-core violation and no browser console error.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  ADMIN,
  AGENT,
  DEMO_INBOX,
  apiClient,
  launchBrowser,
  signIn,
  startKefu,
  visitorConversation,
  watchAll,
} from "./harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(here, "..", "..", "docs", "screenshots");
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * ASCII words allowed in Chinese views: product and seeded names, e-mail
 * addresses, ids, key names, and a few technical terms kept as-is in
 * Chinese UIs. Anything else in Latin letters is an untranslated string.
 */
const ALLOWED_WORDS = new Set([
  "Kefu", "Demo", "Admin", "Agent", "website", // seeded account, users and inbox names
  "IP", "IANA", "HTML", "Ctrl", "Shift", "Enter", "Asia", "Shanghai", "https", "shop", "example", "com", "English",
  "CSV", "JSON", "Lines", "Markdown", // file formats of the knowledge base
]);
const TOKEN = /^(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[0-9a-f]{8}-[0-9a-f-]{27}|https?:\/\/\S+|[\w-]+\/[\w/-]+)$/i;

let kefu, browser, convId;
const problems = [];

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  kefu = await startKefu();
  browser = await launchBrowser();
  // A conversation worth looking at: visitor text, an agent reply and a private note.
  await visitorConversation(kefu.origin, "你好，我的订单什么时候发货？");
  const agent = await apiClient(kefu.origin, AGENT);
  const list = await agent.get("/conversations?status=queued");
  convId = list.items[0].id;
  await agent.post(`/conversations/${convId}/assign`, { assignee_id: (await agent.get("/auth/me")).user.id });
  await agent.patch(`/conversations/${convId}`, { labels: ["订单"] });
  await agent.post(`/conversations/${convId}/messages`, { text: "您好，订单明天发货。", client_id: "r1" });
  await agent.post(`/conversations/${convId}/messages`, { text: "客户很着急", visibility: "internal", client_id: "n1" });
});

after(async () => {
  await browser?.close();
  await kefu?.stop();
});

/** Visible text runs of a frame, outside `translate="no"`, scripts and styles. */
async function visibleTexts(frame) {
  return frame.evaluate(() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent.trim();
      const el = n.parentElement;
      if (!text || !el || el.closest('script, style, [translate="no"]')) continue;
      // Text that declares its own language is content (a knowledge-base entry), not UI.
      const tagged = el.closest("[lang]");
      if (tagged && tagged !== document.documentElement) continue;
      if (el.closest("option, datalist")) continue; // options have no box; selects are read below
      if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
      out.push(text);
    }
    for (const sel of document.querySelectorAll("select")) {
      if (sel.checkVisibility({ visibilityProperty: true }) && !sel.closest('[translate="no"]')) out.push(sel.selectedOptions[0]?.text ?? "");
    }
    for (const el of document.querySelectorAll("input[placeholder], textarea[placeholder]")) out.push(el.placeholder);
    for (const el of document.querySelectorAll("[aria-label]")) out.push(el.getAttribute("aria-label"));
    return out;
  });
}

function untranslated(texts) {
  const bad = [];
  for (const text of texts) {
    if (/^[a-z][a-zA-Z]*(\.[a-zA-Z_]+)+$/.test(text)) {
      bad.push(`i18n key: ${text}`);
      continue;
    }
    for (const word of text.split(/[\s,;:()（）：，、·<>«»"“”]+/)) {
      if (!/[A-Za-z]{2,}/.test(word) || TOKEN.test(word)) continue;
      const letters = word.match(/[A-Za-z]+/g) ?? [];
      if (letters.every((w) => w.length < 2 || ALLOWED_WORDS.has(w))) continue;
      bad.push(`${word} (in "${text}")`);
    }
  }
  return bad;
}

async function axe(frame) {
  await frame.evaluate(AXE + "\n;0");
  const result = await frame.evaluate(() =>
    window.axe.run(document, { resultTypes: ["violations"], runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] }),
  );
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
}

async function overflow(frame) {
  return frame.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
}

async function check(name, page, frame, lang) {
  const o = await overflow(frame);
  assert.ok(o.scroll <= o.inner, `${name}: horizontal overflow (${o.scroll} > ${o.inner})`);
  if (frame !== page) {
    const p = await overflow(page);
    assert.ok(p.scroll <= p.inner, `${name}: host page overflows (${p.scroll} > ${p.inner})`);
  }
  if (lang === "zh-CN") {
    const bad = untranslated(await visibleTexts(frame));
    assert.deepEqual(bad, [], `${name}: untranslated text in the Chinese view`);
    assert.equal(await frame.evaluate(() => document.documentElement.lang), "zh-CN", `${name}: html lang`);
  }
  const violations = await axe(frame);
  assert.deepEqual(violations, [], `${name}: axe-core serious/critical violations`);
}

const WIDTHS = [375, 1440];
const LANGS = [
  ["en", "en-US"],
  ["zh-CN", "zh-CN"],
];

for (const [lang, locale] of LANGS) {
  for (const width of WIDTHS) {
    const tag = `${width}-${lang === "en" ? "en" : "zh"}`;

    test(`console ${tag}`, { timeout: 60_000 }, async () => {
      const ctx = await browser.newContext({ viewport: { width, height: 860 }, locale });
      await signIn(ctx, kefu.origin, AGENT);
      const page = watchAll(await ctx.newPage(), problems);
      await page.goto(`${kefu.origin}/c/${convId}?filter=mine&lang=${lang}`);
      await page.locator('[data-testid="live"].on').waitFor();
      await page.getByTestId("message-text").filter({ hasText: "客户很着急" }).waitFor();
      await page.getByTestId("ticket-panel").waitFor();
      await page.getByTestId("contact-panel").locator("h3").last().waitFor();
      if (width > 760) await page.getByTestId("conversation-item").first().waitFor();
      await page.screenshot({ path: join(SHOTS, `console-${tag}.png`) });
      await check(`console-${tag}`, page, page, lang);
      assert.deepEqual(problems, []);
      await ctx.close();
    });

    test(`admin ${tag}`, { timeout: 60_000 }, async () => {
      const ctx = await browser.newContext({ viewport: { width, height: 860 }, locale });
      await signIn(ctx, kefu.origin, ADMIN);
      const page = watchAll(await ctx.newPage(), problems);
      await page.goto(`${kefu.origin}/admin/inboxes/${DEMO_INBOX}?lang=${lang}`);
      await page.getByTestId("embed-snippet").waitFor();
      await page.getByTestId("inbox-members").locator("li").first().waitFor();
      await page.screenshot({ path: join(SHOTS, `admin-${tag}.png`), fullPage: true });
      await check(`admin-${tag}`, page, page, lang);
      // The other sections get the same checks, without a picture.
      for (const section of ["users", "teams", "kb", "questions", "account", "audit"]) {
        await page.getByTestId(`admin-nav-${section}`).click();
        await page.getByTestId(`admin-${section}`).waitFor();
        if (section === "users") await page.getByTestId("user-row").first().waitFor();
        if (section === "kb") await page.getByTestId("kb-row").first().waitFor();
        if (section === "questions") await page.getByTestId("questions-total").waitFor();
        if (section === "audit") await page.getByTestId("audit-row").first().waitFor();
        await check(`admin-${section}-${tag}`, page, page, lang);
      }
      assert.deepEqual(problems, []);
      await ctx.close();
    });

    test(`widget ${tag}`, { timeout: 60_000 }, async () => {
      const ctx = await browser.newContext({ viewport: { width, height: 760 }, locale });
      const page = watchAll(await ctx.newPage(), problems);
      // The demo host page, on the other loopback name: another origin.
      const demo = `${kefu.origin.replace("127.0.0.1", "localhost")}/demo?inbox=${DEMO_INBOX}&lang=${lang}`;
      await page.goto(demo);
      await page.locator("#kefu-launcher").click();
      const frameEl = page.frameLocator("#kefu-frame");
      await frameEl.locator('[data-testid="widget-input"]:not([disabled])').waitFor();
      const text = lang === "en" ? "Hello! Do you ship to Canada?" : "你好，可以寄到上海吗？";
      await frameEl.getByTestId("widget-input").fill(text);
      await frameEl.getByTestId("widget-send").click();
      await frameEl.getByTestId("widget-message-text").filter({ hasText: text }).waitFor();
      const frame = page.frames().find((f) => f.url().includes("/widget"));
      assert.ok(frame, "the widget frame");
      assert.notEqual(new URL(frame.url()).origin, new URL(page.url()).origin, "the widget is cross-origin to the demo page");
      await page.screenshot({ path: join(SHOTS, `widget-${tag}.png`) });
      await check(`widget-${tag}`, page, frame, lang);
      assert.deepEqual(problems, []);
      await ctx.close();
    });
  }
}
