// Routing, acceptance point 1, in a real browser: customers waiting in the
// queue see their place move as soon as an agent takes a conversation,
// pushed over the widget's socket (`queue_status` frames), never reloaded.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN, AGENT, apiClient, eventually, launchBrowser, startHostPage, startKefu, watchPage } from "./harness.mjs";

let kefu, host, browser;

before(async () => {
  kefu = await startKefu(); // the bot off: asking for a human queues at once
  host = await startHostPage(kefu.origin);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await kefu?.stop();
});

/**
 * Well under the widget's 15 s fallback poll (and no reload ever happens):
 * a change seen within this time was pushed. The server routes on every
 * relevant event and sweeps every 2 s.
 */
const LIVE_MS = 8_000;

/**
 * Opens the widget on the host page like `openWidget`, but listens to the
 * widget's socket first: the `queue_status` frames it receives, and whether
 * it is open (the server's `ready` frame), since pushes reach open sockets only.
 */
async function openVisitor(locale, problems) {
  const context = await browser.newContext({ locale });
  const page = watchPage(await context.newPage(), problems);
  const socket = { ready: false, frames: [] };
  page.on("websocket", (ws) => {
    if (!ws.url().includes("/api/v1/widget/ws")) return;
    ws.on("framereceived", ({ payload }) => {
      let f;
      try {
        f = JSON.parse(String(payload));
      } catch {
        return;
      }
      if (f.type === "ready") socket.ready = true;
      if (f.type === "queue_status") socket.frames.push({ ...f, at: Date.now() });
    });
  });
  await page.goto(host.url);
  await page.locator("#kefu-launcher").click();
  const frame = page.frameLocator("#kefu-frame");
  await frame.locator('[data-testid="human"]:not([disabled])').waitFor();
  return { context, page, frame, socket };
}

const widget = (v, status) => v.frame.locator(`.widget[data-status="${status}"]`);

test("three queued visitors see their place move live as the agent takes conversations", { timeout: 120_000 }, async () => {
  const started = Date.now();
  const problems = [];
  const admin = await apiClient(kefu.origin, ADMIN);
  const members = await admin.get("/users");
  const me = (email) => members.find((m) => m.email === email);
  // Nobody serves the demo queue yet; the admin never will (capacity 0), so
  // the demo agent is the only one conversations can go to.
  assert.deepEqual(
    members.filter((m) => m.availability === "online").map((m) => m.email),
    [],
    "no demo member is online at start",
  );
  await admin.patch(`/users/${me(ADMIN.email).user_id}`, { capacity: 0 });

  // Three visitors ask for a human one after another, with nobody online.
  const visitors = [];
  for (const [i, locale] of ["en-US", "zh-CN", "en-US"].entries()) {
    const v = await openVisitor(locale, problems);
    await v.frame.getByTestId("human").click();
    await widget(v, "queued").waitFor();
    const place = v.frame.getByTestId("widget-queue");
    await place.and(v.frame.locator(`[data-position="${i + 1}"]`)).waitFor();
    await eventually(`visitor ${i + 1}'s socket is open`, () => v.socket.ready);
    visitors.push(v);
  }
  const [first, second, third] = visitors;
  await third.frame.getByTestId("widget-queue").filter({ hasText: "You are number 3 in the queue." }).waitFor();
  await second.frame.getByTestId("widget-queue").filter({ hasText: "您当前排在第 2 位。" }).waitFor();
  // No agent online: no estimate to give.
  assert.equal(await third.frame.getByTestId("widget-queue-wait").count(), 0, "no estimate while nobody is online");

  // The agent gets a capacity of one and comes online (as the console's
  // status menu does): the first conversation is theirs at once.
  const agent = await apiClient(kefu.origin, AGENT);
  await admin.patch(`/users/${me(AGENT.email).user_id}`, { capacity: 1 });
  const online = Date.now();
  const meAgent = await agent.put("/users/me/availability", { availability: "online" });
  assert.equal(meAgent.availability, "online");

  await widget(first, "assigned").waitFor({ timeout: LIVE_MS });
  await first.frame.getByTestId("widget-queue").waitFor({ state: "detached", timeout: LIVE_MS });
  await third.frame
    .getByTestId("widget-queue")
    .filter({ hasText: "You are number 2 in the queue." })
    .waitFor({ timeout: LIVE_MS });
  await second.frame.getByTestId("widget-queue").filter({ hasText: "您当前排在第 1 位。" }).waitFor({ timeout: LIVE_MS });
  // With an agent online there is an estimate, shown next to the place.
  const wait = third.frame.getByTestId("widget-queue-wait");
  await wait.waitFor({ timeout: LIVE_MS });
  assert.match(await wait.textContent(), /^Estimated wait: (about \d+ min|less than a minute)\.$/);
  await second.frame.getByTestId("widget-queue-wait").filter({ hasText: /^预计等待(约 \d+ 分钟|不到 1 分钟)。$/ }).waitFor();
  // It came over the socket, not from the 15 s poll.
  const pushed = third.socket.frames.find((f) => f.position === 2 && f.at >= online);
  assert.ok(pushed, `a queue_status frame with position 2 reached visitor 3: ${JSON.stringify(third.socket.frames)}`);
  // The agent is full now: the next in line waits for a slot to free up,
  // and the one behind longer still (never "less than a minute" on the way).
  const since = (v, t) => v.socket.frames.filter((f) => f.at >= t);
  const toSecond = since(second, online);
  assert.ok(
    toSecond.length > 0 && toSecond.every((f) => f.position === 1 && f.estimated_wait_s > 0),
    `visitor 2 was pushed its place and never told a free slot awaits: ${JSON.stringify(second.socket.frames)}`,
  );
  assert.ok(pushed.estimated_wait_s > toSecond.at(-1).estimated_wait_s, "the one behind waits longer");

  const mine = (await agent.get("/conversations?assignee_id=me&status=assigned")).items;
  assert.equal(mine.length, 1, "capacity 1: one conversation at a time");
  // The second still waits: the agent is full.
  assert.equal(await widget(second, "queued").count(), 1);

  // The agent resolves it: the next one is assigned, the last moves up.
  const resolving = Date.now();
  await agent.post(`/conversations/${mine[0].id}/resolve`);
  await widget(first, "resolved").waitFor({ timeout: LIVE_MS });
  await widget(second, "assigned").waitFor({ timeout: LIVE_MS });
  await second.frame.getByTestId("widget-queue").waitFor({ state: "detached", timeout: LIVE_MS });
  await third.frame
    .getByTestId("widget-queue")
    .filter({ hasText: "You are number 1 in the queue." })
    .waitFor({ timeout: LIVE_MS });
  assert.ok(
    third.socket.frames.some((f) => f.position === 1 && f.at >= resolving),
    `a queue_status frame with position 1 reached visitor 3: ${JSON.stringify(third.socket.frames)}`,
  );
  assert.ok(since(third, resolving).every((f) => f.estimated_wait_s > 0), JSON.stringify(third.socket.frames));
  const next = (await agent.get("/conversations?assignee_id=me&status=assigned")).items;
  assert.equal(next.length, 1);
  assert.notEqual(next[0].id, mine[0].id);
  assert.equal(await widget(third, "queued").count(), 1, "the third still waits");

  assert.deepEqual(problems, []);
  for (const v of visitors) await v.context.close();
  console.log(`queue test: ${Date.now() - started} ms`);
});
