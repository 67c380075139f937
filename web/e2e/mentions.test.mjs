// @mentions in private notes: one agent names a colleague through the
// composer's picker; the colleague is notified live, sees the unread
// mention in the header, and opening it marks it read.
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

test("an agent mentions a colleague in a note; the colleague is notified and reads it", { timeout: 120_000 }, async () => {
  const problems = [];
  const admin = await apiClient(kefu.origin, ADMIN);
  const COLLEAGUE = { email: "bao.li@kefu.demo", password: "bao-li-password" };
  const bao = await admin.post("/users", { ...COLLEAGUE, name: "Bao Li", role: "agent" });
  await admin.put(`/inboxes/${DEMO_INBOX}/members/${bao.user_id}`);
  const baoApi = await apiClient(kefu.origin, COLLEAGUE);
  const agentApi = await apiClient(kefu.origin, AGENT);
  await visitorConversation(kefu.origin, "Where is my refund?");
  const conv = (await agentApi.get("/conversations?status=queued")).items.find((c) => c.inbox_id === DEMO_INBOX);

  // Bao has the console open, with nothing unread.
  const baoCtx = await browser.newContext({ locale: "en-US" });
  await signIn(baoCtx, kefu.origin, COLLEAGUE);
  const baoPage = watchAll(await baoCtx.newPage(), problems);
  await baoPage.goto(`${kefu.origin}/`);
  await baoPage.locator('[data-testid="live"].on').waitFor();
  assert.equal(await baoPage.getByTestId("mentions-count").count(), 0);

  // The agent writes a note and picks Bao from the @ picker.
  const ctx = await browser.newContext({ locale: "en-US" });
  await signIn(ctx, kefu.origin, AGENT);
  const page = watchAll(await ctx.newPage(), problems);
  await page.goto(`${kefu.origin}/c/${conv.id}`);
  const view = page.getByTestId("conversation-view");
  await view.getByTestId("message-text").filter({ hasText: "Where is my refund?" }).waitFor();
  await page.getByTestId("mode-note").click();
  const input = page.getByTestId("reply-input");
  await input.click();
  await input.pressSequentially("Can you check this, @Ba");
  await page.getByTestId("mention-popup").waitFor();
  // Only colleagues who can see the inbox are offered, never oneself.
  assert.equal(await page.locator('[data-testid="mention-option"]').filter({ hasText: "Demo Agent" }).count(), 0);
  await page.locator(`[data-testid="mention-option"][data-user-id="${bao.user_id}"]`).click();
  assert.equal(await input.inputValue(), "Can you check this, @Bao Li ");
  await page.getByTestId("mention-popup").waitFor({ state: "detached" });
  await input.pressSequentially("<b>thanks</b>");
  await page.getByTestId("send").click();
  const note = view.locator(".msg.internal").filter({ hasText: "Can you check this" });
  await note.waitFor();
  // The mention is highlighted, and markup in a note stays text.
  assert.equal(await note.getByTestId("mention").textContent(), "@Bao Li");
  assert.equal(await note.locator("b").count(), 0);
  assert.match(await note.textContent(), /<b>thanks<\/b>/);
  const mine = await agentApi.get("/mentions?unread=true");
  assert.equal(mine.items.length, 0, "the author is not mentioned");

  // Bao is told at once, and the header counts one unread mention.
  await baoPage.getByTestId("mention-toast").filter({ hasText: "Demo Agent mentioned you" }).waitFor();
  await baoPage.getByTestId("mentions-count").filter({ hasText: "1" }).waitFor();
  const unread = await baoApi.get("/mentions?unread=true");
  assert.equal(unread.items.length, 1);
  assert.equal(unread.items[0].conversation_id, conv.id);

  // Opening it from the list shows the conversation and marks it read.
  await baoPage.getByTestId("mentions-button").click();
  const item = baoPage.locator(`[data-testid="mention-item"][data-conversation-id="${conv.id}"]`);
  await item.filter({ hasText: "Can you check this" }).waitFor();
  await item.click();
  await baoPage.waitForURL(new RegExp(`/c/${conv.id}`));
  const baoNote = baoPage.getByTestId("conversation-view").locator(".msg.internal").filter({ hasText: "Can you check this" });
  await baoNote.getByTestId("mention").filter({ hasText: "@Bao Li" }).waitFor();
  await baoPage.getByTestId("mentions-count").waitFor({ state: "detached" });
  await eventually("the mention is read", async () => (await baoApi.get("/mentions?unread=true")).items.length === 0);
  const all = await baoApi.get("/mentions");
  assert.equal(all.items.length, 1);
  assert.ok(all.items[0].read_at, "read_at is set");

  assert.deepEqual(problems, []);
  await ctx.close();
  await baoCtx.close();
});
