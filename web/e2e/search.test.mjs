// Search from the console: the header's box (also reached with `/`) opens
// the results page, whose words and filters live in the URL; hits show the
// matched words in <mark> (Chinese and English alike), and a message hit
// opens its conversation. Indexing is asynchronous: the test first waits for
// the API to find what the visitors wrote. An agent searches too.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN, AGENT, DEMO_INBOX, apiClient, eventually, launchBrowser, signIn, startKefu, visitorConversation, watchAll } from "./harness.mjs";

let kefu, browser;

before(async () => {
  kefu = await startKefu();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await kefu?.stop();
});

const ZH = "我想申请退款，订单号12345还没收到";
const EN = "My invoice is missing the VAT number";
const CONTACT_NAME = "Olga Petrovna";

/** Polls `GET /search` until `found(answer)` holds (30 s: the index catches up asynchronously); returns the answer. */
async function searchUntil(client, params, what, found) {
  let last;
  try {
    await eventually(
      what,
      async () => {
        try {
          last = await client.get(`/search?${new URLSearchParams(params)}`);
          return found(last);
        } catch (e) {
          last = e;
          return false;
        }
      },
      30_000,
    );
  } catch (e) {
    throw new Error(`${e.message}; last answer: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
  }
  return last;
}

/** The YYYY-MM-DD of a local day, `days` from today, as a date input takes it. */
const localDay = (days) => {
  const d = new Date();
  d.setDate(d.getDate() + days);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
};

/**
 * The results list, or the empty state, once it answers this search: the URL
 * changes before the page renders the new answer, so waiting on the URL alone
 * could read the previous results.
 */
const answering = (page, testid, { q, kind = "", from = "", order = "relevance" }) =>
  page.locator(`[data-testid="${testid}"][data-q="${q}"][data-kind="${kind}"][data-from="${from}"][data-order="${order}"]`);
const resultsFor = (page, search) => answering(page, "search-results", search);
const emptyFor = (page, search) => answering(page, "search-empty", search);
const hitSel = (kind, attr, id) => `[data-testid="search-hit"][data-kind="${kind}"][data-${attr}="${id}"]`;

test("agents search conversations, messages and contacts from the console", { timeout: 150_000 }, async () => {
  const problems = [];
  const admin = await apiClient(kefu.origin, ADMIN);
  const zh = (await visitorConversation(kefu.origin, ZH)).body.conversation;
  // The console's view of the conversation names its contact.
  const en = await admin.get(`/conversations/${(await visitorConversation(kefu.origin, EN)).body.conversation.id}`);
  await admin.patch(`/contacts/${en.contact_id}`, { name: CONTACT_NAME });
  const inboxName = (await admin.get("/inboxes")).find((i) => i.id === DEMO_INBOX)?.name;

  const isHit = (kind, conv) => (h) => h.kind === kind && h.conversation_id === conv;
  const zhAnswer = await searchUntil(admin, { q: "退款" }, "the Chinese message is indexed", (r) => r.hits.some(isHit("message", zh.id)));
  assert.equal(typeof zhAnswer.total, "number");
  const zhApiHit = zhAnswer.hits.find(isHit("message", zh.id));
  assert.ok(zhApiHit.message_id, "a message hit names its message");
  assert.ok(
    zhApiHit.snippet.some((p) => p.mark && p.text === "退款"),
    `the snippet marks 退款: ${JSON.stringify(zhApiHit.snippet)}`,
  );
  await searchUntil(admin, { q: "invoice" }, "the English message is indexed", (r) => r.hits.some(isHit("message", en.id)));
  await searchUntil(admin, { q: "Petrovna", kind: "contact" }, "the renamed contact is indexed", (r) =>
    r.hits.some((h) => h.kind === "contact" && h.contact_id === en.contact_id),
  );

  const ctx = await browser.newContext({ locale: "en-US" });
  await signIn(ctx, kefu.origin, ADMIN);
  const page = watchAll(await ctx.newPage(), problems);
  await page.goto(`${kefu.origin}/`);
  await page.getByTestId("conversation-list").waitFor();
  const box = page.getByTestId("search-input");
  await box.waitFor();
  assert.equal(await page.locator('form[role="search"]').filter({ has: box }).count(), 1, "the header box is in a search landmark");

  // `/` outside a form field focuses the header's box, without typing a slash.
  await page.evaluate(() => (document.activeElement instanceof HTMLElement ? document.activeElement.blur() : undefined));
  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("data-testid")), "search-input");
  assert.equal(await box.inputValue(), "");

  // Chinese: Enter opens the results page; the message hit marks exactly 退款.
  await box.fill("退款");
  await box.press("Enter");
  await page.waitForURL((u) => u.pathname === "/search" && u.searchParams.get("q") === "退款");
  await page.getByTestId("search-page").waitFor();
  const zhHit = resultsFor(page, { q: "退款" }).locator(hitSel("message", "conversation-id", zh.id));
  await zhHit.waitFor();
  assert.equal(await page.getByTestId("search-query").inputValue(), "退款", "the page's box is pre-filled");
  const marks = await zhHit.getByTestId("search-snippet").locator("mark").allTextContents();
  assert.ok(marks.includes("退款"), `marked: ${JSON.stringify(marks)}`);
  assert.match(await zhHit.getByTestId("search-snippet").textContent(), /退款/);
  const count = page.getByTestId("search-count");
  assert.equal(await count.getAttribute("aria-live"), "polite");
  assert.match(await count.textContent(), /^\d+ results?$/);
  if (inboxName && zhApiHit.inbox_id === DEMO_INBOX) assert.ok((await zhHit.textContent()).includes(inboxName), "the hit names its inbox");
  if (zhApiHit.status) assert.equal(await zhHit.locator(`.badge.status-${zhApiHit.status}`).count(), 1, "the hit shows its status");

  // A message hit opens its conversation; back returns to the results.
  await zhHit.getByTestId("search-hit-link").click();
  await page.waitForURL((u) => u.pathname === `/c/${zh.id}`);
  await page.getByTestId("conversation-view").getByTestId("message-text").filter({ hasText: "订单号12345" }).waitFor();
  await page.goBack();
  await page.waitForURL((u) => u.pathname === "/search" && u.searchParams.get("q") === "退款");
  await zhHit.waitFor();
  assert.equal(await box.inputValue(), "退款", "the header box shows what was searched");

  // Dates filter on creation time: from today keeps the hit, from tomorrow finds nothing.
  await page.getByTestId("search-from").fill(localDay(0));
  await page.waitForURL((u) => u.searchParams.get("from") === localDay(0));
  await resultsFor(page, { q: "退款", from: localDay(0) }).locator(hitSel("message", "conversation-id", zh.id)).waitFor();
  await page.getByTestId("search-from").fill(localDay(1));
  await page.waitForURL((u) => u.searchParams.get("from") === localDay(1));
  await emptyFor(page, { q: "退款", from: localDay(1) }).waitFor();
  assert.equal(await page.getByTestId("search-hit").count(), 0);
  await page.getByTestId("search-clear").click();
  await page.waitForURL((u) => u.pathname === "/search" && !u.searchParams.has("from") && u.searchParams.get("q") === "退款");
  await zhHit.waitFor();

  // English, from the header box on the results page: matched case-insensitively.
  await box.fill("invoice");
  await box.press("Enter");
  await page.waitForURL((u) => u.searchParams.get("q") === "invoice");
  const enResults = resultsFor(page, { q: "invoice" });
  const enHit = enResults.locator(hitSel("message", "conversation-id", en.id));
  await enHit.waitFor();
  const enMarks = await enHit.getByTestId("search-snippet").locator("mark").allTextContents();
  assert.ok(
    enMarks.some((m) => m.toLowerCase() === "invoice"),
    `marked: ${JSON.stringify(enMarks)}`,
  );
  assert.equal(await enResults.locator(`[data-conversation-id="${zh.id}"]`).count(), 0, "the Chinese conversation does not match");

  // Kind and order are filters in the URL too.
  await page.getByTestId("search-kind").selectOption("message");
  await page.waitForURL((u) => u.searchParams.get("kind") === "message" && u.searchParams.get("q") === "invoice");
  const messages = resultsFor(page, { q: "invoice", kind: "message" });
  await messages.locator(hitSel("message", "conversation-id", en.id)).waitFor();
  const kinds = await messages.getByTestId("search-hit").evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")));
  assert.ok(kinds.length > 0 && kinds.every((k) => k === "message"), `kinds: ${kinds}`);
  await page.getByTestId("search-order").selectOption("recency");
  await page.waitForURL((u) => u.searchParams.get("order") === "recency");
  const recent = resultsFor(page, { q: "invoice", kind: "message", order: "recency" });
  await recent.locator(hitSel("message", "conversation-id", en.id)).waitFor();

  // Contacts: the hit shows the matched name and links nowhere.
  await page.getByTestId("search-kind").selectOption("contact");
  await page.waitForURL((u) => u.searchParams.get("kind") === "contact");
  await page.getByTestId("search-query").fill("Petrovna");
  await page.getByTestId("search-submit").click();
  await page.waitForURL((u) => u.searchParams.get("q") === "Petrovna" && u.searchParams.get("kind") === "contact");
  const contacts = resultsFor(page, { q: "Petrovna", kind: "contact", order: "recency" });
  const contactHit = contacts.locator(hitSel("contact", "contact-id", en.contact_id));
  await contactHit.waitFor();
  const contactMarks = await contactHit.getByTestId("search-snippet").locator("mark").allTextContents();
  assert.ok(
    contactMarks.some((m) => m.toLowerCase() === "petrovna"),
    `marked: ${JSON.stringify(contactMarks)}`,
  );
  assert.equal(await contactHit.getByTestId("search-hit-link").count(), 0);
  const contactKinds = await contacts.getByTestId("search-hit").evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")));
  assert.ok(contactKinds.every((k) => k === "contact"), `kinds: ${contactKinds}`);

  // Nothing found: the empty state. A query over 512 characters: the server's validation error.
  await page.getByTestId("search-query").fill("qqzzxxwwvvkk");
  await page.getByTestId("search-submit").click();
  await emptyFor(page, { q: "qqzzxxwwvvkk", kind: "contact", order: "recency" }).waitFor();
  assert.equal(await page.getByTestId("search-results").count(), 0);
  await page.goto(`${kefu.origin}/search?q=${"a".repeat(600)}`);
  await page.locator('[data-testid="search-error"][data-code="validation_failed"]').waitFor();
  assert.deepEqual(problems, []);
  await ctx.close();

  // The demo agent sees the demo inbox: the search answers, in the API and in the console.
  const agent = await apiClient(kefu.origin, AGENT);
  const agentAnswer = await agent.get(`/search?${new URLSearchParams({ q: "退款" })}`);
  assert.ok(agentAnswer.hits.some(isHit("message", zh.id)), "the agent finds the Chinese message");
  const agentCtx = await browser.newContext({ locale: "en-US" });
  await signIn(agentCtx, kefu.origin, AGENT);
  const agentPage = watchAll(await agentCtx.newPage(), problems);
  await agentPage.goto(`${kefu.origin}/search?q=${encodeURIComponent("退款")}`);
  await resultsFor(agentPage, { q: "退款" }).locator(hitSel("message", "conversation-id", zh.id)).waitFor();
  assert.equal(await agentPage.getByTestId("search-error").count(), 0);
  assert.equal(await agentPage.getByTestId("search-input").inputValue(), "退款");
  assert.deepEqual(problems, []);
  await agentCtx.close();
});
