// SLA clocks in the conversation view and the supervisors' Queues page, in
// a real browser: the first-response clock counts down live, turns to "met"
// when the agent replies, and the admin sees the queue and the agent's load.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN, AGENT, DEMO_INBOX, apiClient, launchBrowser, loginAgent, startKefu, visitorConversation, watchAll } from "./harness.mjs";

let kefu, browser;

before(async () => {
  kefu = await startKefu(); // the bot off: the visitor's message goes straight to the agents
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await kefu?.stop();
});

/** "First response · 0:58 left" → 58 (seconds left), or null when the chip says something else. */
function secondsLeft(text) {
  const m = /(?:(\d+):)?(\d+):(\d\d) left/.exec(text ?? "");
  return m ? Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) : null;
}

test("the first-response clock counts down, is met by the reply, and the admin sees the queues", { timeout: 120_000 }, async () => {
  const started = Date.now();
  const problems = [];
  const admin = await apiClient(kefu.origin, ADMIN);
  const agentApi = await apiClient(kefu.origin, AGENT);
  const members = await admin.get("/users");
  const agentId = members.find((m) => m.email === AGENT.email).user_id;
  const adminId = members.find((m) => m.email === ADMIN.email).user_id;
  // Nobody online, and the admin never takes conversations: what waits keeps waiting.
  assert.deepEqual(members.filter((m) => m.availability === "online").map((m) => m.email), []);
  await admin.patch(`/users/${adminId}`, { capacity: 0 });

  // The demo inbox gets a policy: first response within 60 s, calendar hours.
  // PATCH replaces the whole settings object, so the others are kept.
  const inbox = await admin.get(`/inboxes/${DEMO_INBOX}`);
  const sla = { name: "Chat", business_hours: false, targets: { normal: { first_response_s: 60 } } };
  const patched = await admin.patch(`/inboxes/${DEMO_INBOX}`, { settings: { ...inbox.settings, sla } });
  for (const [k, v] of Object.entries(inbox.settings ?? {})) assert.deepEqual(patched.settings[k], v, `setting ${k} kept`);
  assert.deepEqual(patched.settings.sla, sla);

  // A visitor asks for a human.
  await visitorConversation(kefu.origin, "Hello, can a person help me with my order?");
  const conv = (await agentApi.get("/conversations?status=queued")).items.find((c) => c.inbox_id === DEMO_INBOX);
  assert.ok(conv, "the visitor's conversation waits in the queue");
  const clocks = await agentApi.get(`/conversations/${conv.id}/sla`);
  assert.equal(clocks.policy, "Chat", JSON.stringify(clocks));

  // The agent signs in through the page and opens it.
  const agentCtx = await browser.newContext({ locale: "en-US" });
  const page = await loginAgent(agentCtx, kefu.origin, problems);
  watchAll(page, problems);
  assert.equal(await page.getByTestId("nav-queues").count(), 0, "agents have no Queues page");
  await page.goto(`${kefu.origin}/?filter=queued`);
  await page.locator('[data-testid="live"].on').waitFor();
  await page.locator(`[data-testid="conversation-item"][data-id="${conv.id}"]`).click();
  const view = page.getByTestId("conversation-view");
  await view.getByTestId("message-text").filter({ hasText: "can a person help me" }).waitFor();

  // About a minute left, counting down every second without a reload.
  const chip = view.locator('[data-testid="sla-clock"][data-metric="first_response"]');
  await chip.filter({ hasText: /First response · \d+:\d\d left/ }).waitFor();
  assert.equal(await view.getByTestId("sla-clock").count(), 1, "one target, one clock");
  assert.equal(await chip.getAttribute("data-breached"), "false");
  await page.evaluate(() => ((window).__sameDocument = true));
  const first = secondsLeft(await chip.textContent());
  assert.ok(first !== null && first > 30 && first <= 60, `about a minute left: ${await chip.textContent()}`);
  await page.waitForTimeout(2_500);
  const second = secondsLeft(await chip.textContent());
  assert.ok(second !== null && second < first && second >= first - 5, `it counted down: ${first} s, then ${second} s`);
  assert.equal(await page.evaluate(() => (window).__sameDocument), true, "no reload");

  // The agent takes it and replies: the target is met.
  await page.getByTestId("assign-me").click();
  await page.getByTestId("assignee-name").filter({ hasText: "Demo Agent" }).waitFor();
  await page.getByTestId("reply-input").fill("Hello! I am looking at your order now.");
  await page.getByTestId("send").click();
  await view.getByTestId("message-text").filter({ hasText: "looking at your order" }).waitFor();
  await chip.and(page.locator('[data-state="met"]')).waitFor();
  assert.match(await chip.textContent(), /First response · met/);
  assert.equal(await chip.getAttribute("data-breached"), "false");
  assert.equal(secondsLeft(await chip.textContent()), null, "no countdown once met");
  const after = await agentApi.get(`/conversations/${conv.id}/sla`);
  assert.ok(after.metrics.find((m) => m.metric === "first_response").achieved_at, JSON.stringify(after));

  // Another visitor waits; the admin opens the Queues page.
  await visitorConversation(kefu.origin, "Is anybody there?");
  const adminCtx = await browser.newContext({ locale: "en-US" });
  const apage = watchAll(await adminCtx.newPage(), problems);
  await apage.goto(`${kefu.origin}/login`);
  await apage.locator('input[name="email"]').fill(ADMIN.email);
  await apage.locator('input[name="password"]').fill(ADMIN.password);
  await apage.locator('button[type="submit"]').click();
  await apage.getByTestId("nav-queues").click();
  await apage.getByTestId("queues-page").waitFor();
  // The page is a real address: it loads on its own too.
  assert.equal(new URL(apage.url()).pathname, "/queues");
  await apage.reload();
  await apage.getByTestId("queues-page").waitFor();
  const queue = apage.locator(`[data-testid="queue-row"][data-inbox-id="${DEMO_INBOX}"]`);
  await queue.waitFor();
  assert.equal(await queue.getByTestId("queue-name").textContent(), inbox.name);
  assert.equal(await queue.getByTestId("queue-waiting").textContent(), "1");
  assert.match(await queue.getByTestId("queue-priorities").textContent(), /Normal: 1/);
  // The longest wait ticks on the page between reads.
  const waited = async () => {
    const [m, s] = (await queue.getByTestId("queue-longest").textContent()).split(":").map(Number);
    return m * 60 + s;
  };
  const w1 = await waited();
  await apage.waitForTimeout(2_200);
  const w2 = await waited();
  assert.ok(w2 > w1, `the longest wait goes up: ${w1} s, then ${w2} s`);

  const agentRow = apage.locator(`[data-testid="agent-row"][data-user-id="${agentId}"]`);
  await agentRow.waitFor();
  assert.equal(await agentRow.getByTestId("agent-name").textContent(), "Demo Agent");
  assert.equal(await agentRow.getAttribute("data-open"), "1");
  assert.match(await agentRow.getByTestId("agent-load").textContent(), /^1 \/ \d+$/);
  assert.equal(await agentRow.locator("button, a, select, input").count(), 0, "nothing to click on an agent's row");

  // Live: the agent takes the second one too; the queue empties and their load goes to 2 without a reload.
  const waiting = (await agentApi.get("/conversations?status=queued")).items.find((c) => c.inbox_id === DEMO_INBOX);
  await agentApi.post(`/conversations/${waiting.id}/assign`, { assignee_id: agentId });
  await apage.locator(`[data-testid="agent-row"][data-user-id="${agentId}"][data-open="2"]`).waitFor({ timeout: 8_000 });
  await queue.waitFor({ state: "detached" });
  await apage.getByTestId("queues-empty").waitFor();

  assert.deepEqual(problems, []);
  await agentCtx.close();
  await adminCtx.close();
  console.log(`sla test: ${Date.now() - started} ms`);
});
