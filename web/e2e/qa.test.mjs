// Quality inspection end to end: the demo's starter rules inspect a
// conversation the moment it is resolved (the server's own job), and the
// agent sees the failed score and its evidence beside the conversation.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AGENT, DEMO_INBOX, apiClient, eventually, launchBrowser, loginAgent, startKefu, visitorConversation, watchAll } from "./harness.mjs";

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
  assert.deepEqual(problems, []);
  await ctx.close();
});
