// Quality inspection end to end: the demo's starter rules inspect a
// conversation the moment it is resolved (the server's own job), and the
// agent sees the failed score and its evidence beside the conversation.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN, AGENT, DEMO_INBOX, apiClient, eventually, launchBrowser, loginAgent, signIn, startKefu, visitorConversation, watchAll } from "./harness.mjs";

let kefu, browser;

before(async () => {
  kefu = await startKefu();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await kefu?.stop();
});

test("a resolved conversation is inspected and its score shown with the evidence", { timeout: 90_000 }, async () => {
  const problems = [];
  const agentApi = await apiClient(kefu.origin, AGENT);
  await visitorConversation(kefu.origin, "我的包裹到现在还没到");
  const conv = (await agentApi.get("/conversations?status=queued")).items.find((c) => c.inbox_id === DEMO_INBOX);
  assert.ok(conv, "the visitor's conversation waits");
  const reply = await agentApi.post(`/conversations/${conv.id}/messages`, { text: "您好，这个我不知道，你自己看物流吧" });
  await agentApi.post(`/conversations/${conv.id}/resolve`, {});
  // The server's job inspects it; no test hook runs it.
  let scores = [];
  await eventually("the conversation is scored", async () => {
    scores = await agentApi.get(`/conversations/${conv.id}/qa`);
    return scores.length === 1;
  }, 20_000);
  const [score] = scores;
  assert.equal(score.passed, false);
  assert.deepEqual(score.critical_failed, ["forbidden"]);
  const forbidden = score.hits.filter((h) => h.rule_id === "forbidden");
  assert.deepEqual(
    forbidden.map((h) => [h.message_id, h.start, h.end, h.detail]),
    [
      [reply.message.id, 6, 9, "不知道"],
      [reply.message.id, 10, 14, "你自己看"],
    ],
  );

  const ctx = await browser.newContext({ locale: "en-US" });
  const page = watchAll(await loginAgent(ctx, kefu.origin, problems), problems);
  await page.goto(`${kefu.origin}/c/${conv.id}`);
  const panel = page.getByTestId("qa-panel");
  await panel.locator('[data-testid="qa-score"][data-passed="false"]').waitFor();
  assert.match(await panel.textContent(), /Failed/);
  assert.equal(await panel.getByTestId("qa-hit").filter({ hasText: "forbidden: 不知道" }).count(), 1);

  // The agent appeals from the panel; their Quality page lists the score.
  assert.equal(await panel.getByTestId("qa-save-review").count(), 0, "agents do not review");
  await panel.getByTestId("qa-appeal-reason-input").fill("I quoted the customer's own words");
  await panel.getByTestId("qa-appeal").click();
  await panel.locator('[data-testid="qa-score"][data-status="appealed"]').waitFor();
  await page.getByTestId("nav-qa").click();
  await page.getByTestId("quality-page").waitFor();
  await page.getByTestId("qa-mine").locator(`[data-testid="qa-row"][data-conversation-id="${conv.id}"]`).filter({ hasText: "Appealed" }).waitFor();
  assert.equal(await page.getByTestId("qa-queue").count(), 0, "agents have no review queue");
  assert.equal(await page.getByTestId("qa-settings").count(), 0);

  // The admin finds it in the review queue, upholds the appeal with both
  // forbidden-word hits rejected: final, and passing.
  const adminCtx = await browser.newContext({ locale: "en-US" });
  await signIn(adminCtx, kefu.origin, ADMIN);
  const apage = watchAll(await adminCtx.newPage(), problems);
  await apage.goto(`${kefu.origin}/qa`);
  const row = apage.getByTestId("qa-queue").locator(`[data-testid="qa-row"][data-conversation-id="${conv.id}"]`);
  await row.waitFor();
  await row.locator("a").click();
  const apanel = apage.getByTestId("qa-panel");
  await apanel.getByTestId("qa-appeal-reason").filter({ hasText: "own words" }).waitFor();
  const forbiddenHits = apanel.getByTestId("qa-hit").filter({ hasText: "forbidden" });
  assert.equal(await forbiddenHits.count(), 2);
  for (let i = 0; i < 2; i++) await forbiddenHits.nth(i).getByTestId("qa-reject").check();
  await apanel.getByTestId("qa-uphold").click();
  await apanel.locator('[data-testid="qa-score"][data-status="final"][data-passed="true"]').waitFor();
  const [final] = await agentApi.get(`/conversations/${conv.id}/qa`);
  assert.equal(final.status, "final");
  assert.equal(final.passed, true);
  assert.deepEqual(final.hits.filter((h) => h.verdict === "rejected").map((h) => h.rule_id), ["forbidden", "forbidden"]);

  // The admin's rules editor, as a form: a rule the server refuses is
  // named beside it, and nothing is stored.
  await apage.goto(`${kefu.origin}/qa`);
  const editor = apage.getByTestId("qa-settings");
  const adminApi = await apiClient(kefu.origin, ADMIN);
  const initial = await adminApi.get("/qa/settings");
  await editor.locator('[data-testid="qa-rule"][data-rule-id="forbidden"]').waitFor();
  await editor.getByTestId("qa-new-rule-type").selectOption("regex");
  await editor.getByTestId("qa-add-rule").click();
  const bad = editor.locator('[data-testid="qa-rule"][data-rule-id="regex"]');
  await bad.getByTestId("qa-regex-pattern").fill("(");
  await editor.getByTestId("qa-save-settings").click();
  await bad.getByTestId("qa-rule-error").filter({ hasText: "rule `regex`" }).waitFor();
  assert.deepEqual(await adminApi.get("/qa/settings"), initial, "nothing stored");
  await bad.getByTestId("qa-rule-delete").click();

  // A forbidden-word rule made in the form, tried on the conversation,
  // made critical on the demo's card, and saved.
  await editor.getByTestId("qa-new-rule-type").selectOption("forbidden");
  await editor.getByTestId("qa-add-rule").click();
  const added = editor.locator('[data-testid="qa-rule"][data-rule-id="forbidden-2"]');
  await added.getByTestId("qa-rule-name").fill("Brush-offs");
  await added.getByTestId("qa-rule-id").fill("brushoff");
  const rule = editor.locator('[data-testid="qa-rule"][data-rule-id="brushoff"]');
  await rule.getByTestId("qa-forbidden-words").fill("随便你\n物流吧\n\nwhatever you say");
  await rule.getByTestId("qa-rule-test").click();
  await rule.getByTestId("qa-preview-conversation").fill(conv.id);
  await rule.getByTestId("qa-preview").click();
  await rule.getByTestId("qa-preview-hit").filter({ hasText: "brushoff: 物流吧" }).waitFor();
  assert.equal(await rule.getByTestId("qa-preview-hit").count(), 1, "only this rule runs");
  const card = editor.locator('[data-testid="qa-card"][data-card-id="chat"]');
  await card.getByTestId("qa-add-item").click();
  const item = card.getByTestId("qa-item").last();
  await item.getByTestId("qa-item-rule").selectOption("brushoff");
  await item.getByTestId("qa-item-label").fill("No brush-offs");
  await item.getByTestId("qa-item-points").fill("20");
  await item.getByTestId("qa-item-critical").check();
  await editor.getByTestId("qa-save-settings").click();
  await editor.getByTestId("qa-settings-saved").waitFor();
  const stored = await adminApi.get("/qa/settings");
  assert.deepEqual(stored.rules.find((r) => r.id === "brushoff"), {
    id: "brushoff",
    name: "Brush-offs",
    type: "forbidden",
    words: ["随便你", "物流吧", "whatever you say"],
  });
  assert.deepEqual(stored.rules.filter((r) => r.id !== "brushoff"), initial.rules, "the other rules are kept as they were");
  assert.deepEqual(stored.scorecards[0].items.at(-1), { rule_id: "brushoff", label: "No brush-offs", effect: "deduct", points: 20, critical: true });

  // The JSON view shows the same, and runs every rule on the conversation.
  await editor.getByTestId("qa-advanced").check();
  assert.deepEqual(JSON.parse(await editor.getByTestId("qa-rules").inputValue()), stored.rules);
  const all = editor.getByTestId("qa-preview-all");
  await all.getByTestId("qa-preview-conversation").fill(conv.id);
  await all.getByTestId("qa-preview").click();
  await all.getByTestId("qa-preview-hit").filter({ hasText: "forbidden: 不知道" }).waitFor();
  await all.getByTestId("qa-preview-hit").filter({ hasText: "brushoff: 物流吧" }).waitFor();

  // The saved rule scores the next resolved conversation.
  const next = (await visitorConversation(kefu.origin, "快递到哪了")).body.conversation;
  await agentApi.post(`/conversations/${next.id}/messages`, { text: "您好，随便你怎么查" });
  await agentApi.post(`/conversations/${next.id}/resolve`, {});
  let nextScores = [];
  await eventually("the next conversation is scored", async () => {
    nextScores = await agentApi.get(`/conversations/${next.id}/qa`);
    return nextScores.length === 1;
  }, 20_000);
  assert.equal(nextScores[0].passed, false);
  assert.deepEqual(nextScores[0].critical_failed, ["brushoff"]);
  assert.deepEqual(nextScores[0].hits.filter((h) => h.rule_id === "brushoff").map((h) => h.detail), ["随便你"]);

  assert.deepEqual(problems, []);
  await ctx.close();
  await adminCtx.close();
});
