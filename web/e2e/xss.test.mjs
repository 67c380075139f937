import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, loginAgent, openWidget, startHostPage, startKefu, visitorSays } from "./harness.mjs";

let kefu, host, browser;
const problems = [];

before(async () => {
  kefu = await startKefu();
  host = await startHostPage(kefu.origin);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await kefu?.stop();
});

const IMG = "<img src=x onerror=window.__xss=1>";
const SCRIPT = "<script>window.__xss=2</script>";

test("message text is rendered as text, never as HTML", { timeout: 120_000 }, async () => {
  const agentCtx = await browser.newContext({ locale: "en-US" });
  const visitorCtx = await browser.newContext({ locale: "en-US" });
  const agent = await loginAgent(agentCtx, kefu.origin, problems);
  const { page: site, frame } = await openWidget(visitorCtx, host.url, problems);

  await visitorSays(frame, IMG);
  await visitorSays(frame, SCRIPT);

  const item = agent.getByTestId("conversation-item").first();
  await item.waitFor({ timeout: 15_000 });
  await item.click();
  const view = agent.getByTestId("conversation-view");
  await view.getByTestId("message-text").filter({ hasText: IMG }).waitFor();
  await view.getByTestId("message-text").filter({ hasText: SCRIPT }).waitFor();

  await agent.getByTestId("reply-input").fill(`${IMG} ${SCRIPT}`);
  await agent.getByTestId("send").click();
  await frame.getByTestId("widget-message-text").filter({ hasText: `${IMG} ${SCRIPT}` }).waitFor({ timeout: 15_000 });

  // Give any injected handler a moment to fire.
  await agent.waitForTimeout(500);
  const texts = await view.getByTestId("message-text").allTextContents();
  assert.ok(texts.includes(IMG) && texts.includes(SCRIPT), `console shows the raw text: ${JSON.stringify(texts)}`);
  assert.equal(await view.locator(".messages img, .messages script").count(), 0);
  assert.equal(await frame.locator(".messages img, .messages script").count(), 0);

  const widgetFrame = site.frames().find((f) => f.url().includes("/widget"));
  assert.ok(widgetFrame, "the widget frame is loaded");
  for (const [name, ctx] of [
    ["console", agent],
    ["host page", site],
    ["widget", widgetFrame],
  ]) {
    assert.equal(await ctx.evaluate(() => window.__xss), undefined, `${name}: no script ran`);
  }
  assert.deepEqual(problems, []);
  await agentCtx.close();
  await visitorCtx.close();
});
