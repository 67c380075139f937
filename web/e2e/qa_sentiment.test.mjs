// Per-account sentiment retraining end to end: the admin reviews a
// conversation's sentiment hits beside it (each hit quotes the message it
// judged), rejecting the routine returns the shipped model flags; the
// Quality page counts the labels and retrains the account's model, then
// reports it in use with its held-out check. Needs the sentiment lexicons
// (scripts/fetch-models), as CI installs them.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN, apiClient, eventually, launchBrowser, signIn, startKefu, visitorConversation, watchAll } from "./harness.mjs";

let kefu, browser;

before(async () => {
  kefu = await startKefu();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await kefu?.stop();
});

// Routine for an online shop, yet flagged by the lexicon model.
const ROUTINE = ["我要退货", "我要退货，尺码不合适", "我要退货，颜色不喜欢", "我要退货，麻烦处理一下", "这件我要退货", "我要取消订单", "我要取消订单，不需要了", "我要取消订单，地址填错了", "能不能退款", "我要退货，和图片不一样"];
const ANGRY = ["我要投诉，你们太差劲了", "太垃圾了，气死我了", "我非常生气，你们骗人", "我再也不会买了，太失望了", "你们的服务太差了，我非常失望", "太差劲了，非常生气", "简直是垃圾，非常愤怒", "态度恶劣，我非常生气", "垃圾产品，再也不会买了", "客服太差劲了，我非常失望"];

test("reviewed sentiment hits retrain the account's model from the Quality page", { timeout: 150_000 }, async () => {
  const problems = [];
  const admin = await apiClient(kefu.origin, ADMIN);
  // The demo's "Customer upset" rule, at the "negative" level and scored.
  const settings = await admin.get("/qa/settings");
  const upset = settings.rules.find((r) => r.id === "upset");
  assert.ok(upset, "the demo has a sentiment rule (are the lexicons installed? scripts/fetch-models)");
  upset.level = "negative";
  settings.scorecards[0].items.push({ rule_id: "upset", label: "Customer upset", effect: "deduct", points: 1, per_hit: true });
  await admin.put("/qa/settings", settings);

  const [first, ...rest] = [...ROUTINE, ...ANGRY];
  const { token, body } = await visitorConversation(kefu.origin, first);
  for (const text of rest) {
    const r = await fetch(`${kefu.origin}/api/v1/widget/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ text, client_id: `m-${Date.now()}-${Math.random()}` }),
    });
    assert.equal(r.status, 201, await r.text());
  }
  const conv = body.conversation.id;
  // An agent took part: bot-only conversations are not scored by the card.
  await admin.post(`/conversations/${conv}/messages`, { text: "您好，我来处理" });
  await admin.post(`/conversations/${conv}/resolve`, {});
  await eventually("the conversation is scored", async () => (await admin.get(`/conversations/${conv}/qa`)).length === 1, 30_000);

  const ctx = await browser.newContext({ locale: "en-US" });
  await signIn(ctx, kefu.origin, ADMIN);
  const page = watchAll(await ctx.newPage(), problems);
  await page.goto(`${kefu.origin}/c/${conv}`);
  const panel = page.getByTestId("qa-panel");
  const upsetHits = panel.getByTestId("qa-hit").filter({ hasText: "upset:" });
  await upsetHits.first().getByTestId("qa-hit-quote").waitFor();
  assert.equal(await upsetHits.count(), 20, "the shipped model flags every message");
  for (let i = 0; i < 20; i++) {
    const hit = upsetHits.nth(i);
    const quote = await hit.getByTestId("qa-hit-quote").textContent();
    if (ROUTINE.includes(quote)) await hit.getByTestId("qa-reject").check();
    else assert.ok(ANGRY.includes(quote), `quoted: ${quote}`);
  }
  await panel.getByTestId("qa-save-review").click();
  await panel.locator('[data-testid="qa-score"][data-status="reviewed"]').waitFor();
  assert.equal(await panel.locator('[data-testid="qa-hit"][data-verdict="rejected"]').count(), 10);

  await page.getByTestId("nav-qa").click();
  const section = page.getByTestId("qa-sentiment");
  await section.getByTestId("qa-sentiment-source").and(page.locator('[data-source="shipped"]')).waitFor();
  assert.match(await section.getByTestId("qa-sentiment-labels").textContent(), /Reviewed labels: 20 \(10 negative\)/);
  await section.getByTestId("qa-sentiment-retrain").click();
  await section.locator('[data-testid="qa-sentiment-source"][data-source="account"]').waitFor({ timeout: 60_000 });
  assert.match(await section.getByTestId("qa-sentiment-source").textContent(), /retrained .* on 20 reviewed messages \(10 negative\)/);
  assert.match(await section.getByTestId("qa-sentiment-report").textContent(), /held-out labels: shipped model [\d.]+%, retrained model [\d.]+%/);
  const status = await admin.get("/qa/sentiment");
  assert.equal(status.source, "account");

  // Back to the shipped model from the page.
  await section.getByTestId("qa-sentiment-revert").click();
  await section.locator('[data-testid="qa-sentiment-source"][data-source="shipped"]').waitFor();
  assert.deepEqual(problems, []);
  await ctx.close();
});
