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

test("a visitor chats from another site and an agent answers live", { timeout: 120_000 }, async () => {
  const agentCtx = await browser.newContext({ locale: "en-US" });
  const visitorCtx = await browser.newContext({ locale: "en-US" });
  const agent = await loginAgent(agentCtx, kefu.origin, problems);

  const { page: site, frame } = await openWidget(visitorCtx, host.url, problems);
  assert.notEqual(new URL(site.url()).origin, kefu.origin, "the host page is on another origin");
  await visitorSays(frame, "Hello, where is my order #42?");
  await frame.getByTestId("human").click();
  await frame.getByTestId("widget-message-text").filter({ hasText: "human agent" }).waitFor();

  // The conversation appears in the agent's queue without a reload.
  const item = agent.getByTestId("conversation-item").first();
  await item.waitFor({ timeout: 15_000 });
  await item.click();
  const view = agent.getByTestId("conversation-view");
  await view.getByTestId("message-text").filter({ hasText: "where is my order #42?" }).waitFor();
  await view.getByTestId("message-text").filter({ hasText: "human agent" }).waitFor();

  // A private note stays private; the reply reaches the visitor live.
  await agent.getByTestId("mode-note").click();
  await agent.getByTestId("reply-input").fill("Customer seems to be a VIP");
  await agent.getByTestId("send").click();
  await view.locator(".msg.internal").filter({ hasText: "Customer seems to be a VIP" }).waitFor();
  await agent.getByTestId("mode-reply").click();
  await agent.getByTestId("reply-input").pressSequentially("Hi!");
  await frame.getByText("Typing…").waitFor({ timeout: 15_000 });
  await agent.getByTestId("reply-input").fill("Hi! Your order ships tomorrow.");
  await agent.getByTestId("send").click();
  await view.getByTestId("message-text").filter({ hasText: "Your order ships tomorrow." }).waitFor();
  await frame.getByTestId("widget-message-text").filter({ hasText: "Your order ships tomorrow." }).waitFor({ timeout: 15_000 });
  assert.equal(await frame.getByText("Customer seems to be a VIP").count(), 0, "notes never reach the visitor");

  await agent.getByTestId("resolve").click();
  await agent.locator('[data-testid="conversation-view"][data-status="resolved"]').waitFor();

  // Reloading the site resumes the same conversation.
  await site.reload();
  await site.locator("#kefu-launcher").click();
  await site
    .frameLocator("#kefu-frame")
    .getByTestId("widget-message-text")
    .filter({ hasText: "Your order ships tomorrow." })
    .waitFor();

  // Language switch: the console follows the choice.
  await agent.getByTestId("lang-switcher").selectOption("zh-CN");
  await agent.getByText("退出登录").waitFor();

  assert.deepEqual(problems, []);
  await agentCtx.close();
  await visitorCtx.close();
});

test("the console follows a Chinese browser by default", { timeout: 60_000 }, async () => {
  const ctx = await browser.newContext({ locale: "zh-CN" });
  const page = await ctx.newPage();
  await page.goto(`${kefu.origin}/login`);
  await page.getByText("登录客服").waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), "zh-CN");
  await ctx.close();
});
