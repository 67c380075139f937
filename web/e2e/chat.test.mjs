import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN, AGENT, DEMO_INBOX, apiClient, launchBrowser, loginAgent, openWidget, signIn, startHostPage, startKefu, visitorSays, watchAll } from "./harness.mjs";

let kefu, host, browser;

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

test("a visitor chats, asks for a human, gets the answer and rates the conversation", { timeout: 150_000 }, async () => {
  const problems = []; // per test, so one test's leftovers never fail another
  // The demo inbox's bot greets the visitor, who asks for a person.
  const admin = await apiClient(kefu.origin, ADMIN);
  await admin.patch(`/inboxes/${DEMO_INBOX}`, { bot_enabled: true });
  const agentCtx = await browser.newContext({ locale: "en-US" });
  const visitorCtx = await browser.newContext({ locale: "en-US" });
  const agent = await loginAgent(agentCtx, kefu.origin, problems);

  const { page: site, frame } = await openWidget(visitorCtx, host.url, problems);
  assert.notEqual(new URL(site.url()).origin, kefu.origin, "the host page is on another origin");
  // A greeting is answered by the bot, which keeps the conversation.
  await visitorSays(frame, "Hello!");
  await frame.getByTestId("widget-message-text").filter({ hasText: "virtual assistant" }).waitFor({ timeout: 15_000 });
  await frame.getByTestId("human").click();
  await frame.getByTestId("widget-message-text").filter({ hasText: "You asked for a human agent." }).waitFor();
  await frame.getByTestId("widget-queue").filter({ hasText: "You are number 1 in the queue." }).waitFor();
  assert.equal(await frame.getByTestId("human").count(), 0, "no second request while waiting");

  // The conversation appears in the agent's queue without a reload.
  const item = agent.getByTestId("conversation-item").first();
  await item.waitFor({ timeout: 15_000 });
  await item.click();
  const view = agent.getByTestId("conversation-view");
  await view.getByTestId("message-text").filter({ hasText: "Hello!" }).first().waitFor();
  await view.getByTestId("message-text").filter({ hasText: "The customer asked for a human agent" }).waitFor();

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
  // Signed with the agent's name and avatar, live and after a reload (below).
  const reply = frame.getByTestId("widget-message").filter({ hasText: "Your order ships tomorrow." });
  await reply.getByTestId("widget-author").filter({ hasText: "Demo Agent" }).waitFor();
  assert.equal(await reply.locator(".avatar").textContent(), "DA");
  assert.equal(await frame.getByText("Customer seems to be a VIP").count(), 0, "notes never reach the visitor");
  await frame.getByTestId("widget-queue").waitFor({ state: "detached" });

  // Resolving asks the visitor for a rating; the agent sees it arrive.
  await agent.getByTestId("resolve").click();
  await agent.locator('[data-testid="conversation-view"][data-status="resolved"]').waitFor();
  const card = frame.getByTestId("widget-rating");
  await card.waitFor({ timeout: 15_000 });
  await card.getByRole("button", { name: "4 out of 5" }).click();
  await frame.getByTestId("rate-comment").fill("Quick and friendly <b>help</b>");
  await frame.getByTestId("rate-submit").click();
  await frame.getByTestId("widget-rated").filter({ hasText: "Thank you for your feedback!" }).waitFor();
  await view.getByTestId("csat-result").filter({ hasText: "Customer rating: 4 out of 5" }).waitFor({ timeout: 15_000 });
  assert.equal(await view.getByTestId("csat-comment").textContent(), "Quick and friendly <b>help</b>");

  // Reloading the site resumes the same conversation, rating included.
  await site.reload();
  await site.locator("#kefu-launcher").click();
  const again = site.frameLocator("#kefu-frame");
  await again.getByTestId("widget-message-text").filter({ hasText: "Your order ships tomorrow." }).waitFor();
  await again.getByTestId("widget-rated").filter({ hasText: "4 out of 5" }).waitFor();
  await again
    .getByTestId("widget-message")
    .filter({ hasText: "Your order ships tomorrow." })
    .getByTestId("widget-author")
    .filter({ hasText: "Demo Agent" })
    .waitFor();

  // Language switch: the console follows the choice.
  await agent.getByTestId("lang-switcher").selectOption("zh-CN");
  await agent.getByText("退出登录").waitFor();

  await admin.patch(`/inboxes/${DEMO_INBOX}`, { bot_enabled: false });
  assert.deepEqual(problems, []);
  await agentCtx.close();
  await visitorCtx.close();
});

test("the widget asks for details first when the inbox has a pre-chat form", { timeout: 120_000 }, async () => {
  const problems = []; // per test, so one test's leftovers never fail another
  // The admin turns the form on in the inbox page.
  const adminCtx = await browser.newContext({ locale: "en-US" });
  const adminPage = await adminCtx.newPage();
  await adminPage.goto(`${kefu.origin}/login`);
  await adminPage.locator('input[name="email"]').fill(ADMIN.email);
  await adminPage.locator('input[name="password"]').fill(ADMIN.password);
  await adminPage.locator('button[type="submit"]').click();
  await adminPage.getByTestId("conversation-list").waitFor();
  await adminPage.goto(`${kefu.origin}/admin/inboxes/${DEMO_INBOX}`);
  const detail = adminPage.getByTestId("inbox-detail");
  await detail.locator('input[name="pre-chat-enabled"]').check();
  await detail.locator('input[name="pre-chat-phone"]').check();
  await detail.locator('input[name="pre-chat-required-email"]').check();
  await adminPage.getByTestId("inbox-save").click();
  await detail.getByTestId("admin-ok").waitFor();
  const admin = await apiClient(kefu.origin, ADMIN);
  const inbox = await admin.get(`/inboxes/${DEMO_INBOX}`);
  assert.deepEqual(inbox.settings.pre_chat, { enabled: true, fields: ["name", "email", "phone"], required: ["email"] });

  const visitorCtx = await browser.newContext({ locale: "en-US" });
  const site = await visitorCtx.newPage();
  await site.goto(host.url);
  await site.locator("#kefu-launcher").click();
  const frame = site.frameLocator("#kefu-frame");
  const form = frame.getByTestId("widget-prechat");
  await form.waitFor();
  assert.equal(await frame.getByTestId("widget-input").count(), 0, "no chatting before the form");
  await frame.getByTestId("prechat-name").fill("Li Lei");
  await frame.getByTestId("prechat-email").fill("lilei@example.com");
  await frame.getByTestId("prechat-phone").fill("+86 (138) 0000 1111");
  await frame.getByTestId("prechat-start").click();
  await frame.locator('[data-testid="widget-input"]:not([disabled])').waitFor();
  await visitorSays(frame, "Hi, I filled the form");

  // The agent sees the details in the contact panel.
  const agentApi = await apiClient(kefu.origin, AGENT);
  const conv = (await agentApi.get("/conversations?status=queued")).items.find((c) => c.inbox_id === DEMO_INBOX);
  const contact = await agentApi.get(`/contacts/${conv.contact_id}`);
  assert.equal(contact.name, "Li Lei");
  const agentCtx = await browser.newContext({ locale: "en-US" });
  const agent = await loginAgent(agentCtx, kefu.origin, problems);
  await agent.goto(`${kefu.origin}/c/${conv.id}`);
  const panel = agent.getByTestId("contact-panel");
  await panel.getByTestId("contact-name").filter({ hasText: "Li Lei" }).waitFor();
  await panel.getByTestId("contact-email").filter({ hasText: "lilei@example.com" }).waitFor();
  await panel.getByTestId("contact-phone").filter({ hasText: "+8613800001111" }).waitFor();

  // A returning visitor is not asked again.
  await site.reload();
  await site.locator("#kefu-launcher").click();
  await site.frameLocator("#kefu-frame").locator('[data-testid="widget-input"]:not([disabled])').waitFor();
  assert.equal(await site.frameLocator("#kefu-frame").getByTestId("widget-prechat").count(), 0);

  await admin.patch(`/inboxes/${DEMO_INBOX}`, { settings: {} });
  assert.deepEqual(problems, []);
  await adminCtx.close();
  await agentCtx.close();
  await visitorCtx.close();
});

test("an inbox asks for a rating with faces and its own question; the agent sees the face", { timeout: 120_000 }, async () => {
  const problems = [];
  // The admin picks the face scale and words the question in the inbox page.
  const adminCtx = await browser.newContext({ locale: "en-US" });
  await signIn(adminCtx, kefu.origin, ADMIN);
  const page = watchAll(await adminCtx.newPage(), problems);
  await page.goto(`${kefu.origin}/admin/inboxes/${DEMO_INBOX}`);
  const detail = page.getByTestId("inbox-detail");
  await detail.locator('select[name="csat-scale"]').selectOption("emoji");
  await detail.locator('input[name="csat-text"]').fill("How did we do today?");
  await page.getByTestId("inbox-save").click();
  await detail.getByTestId("admin-ok").waitFor();
  const admin = await apiClient(kefu.origin, ADMIN);
  const inbox = await admin.get(`/inboxes/${DEMO_INBOX}`);
  assert.equal(inbox.settings.csat_scale, "emoji");
  assert.equal(inbox.settings.csat_text, "How did we do today?");

  const visitorCtx = await browser.newContext({ locale: "en-US" });
  const { frame } = await openWidget(visitorCtx, host.url, problems);
  await visitorSays(frame, "Where is my parcel?");
  const agentApi = await apiClient(kefu.origin, AGENT);
  const conv = (await agentApi.get("/conversations?status=queued")).items.find((c) => c.inbox_id === DEMO_INBOX);
  await agentApi.post(`/conversations/${conv.id}/messages`, { text: "It arrives tomorrow." });
  const agentCtx = await browser.newContext({ locale: "en-US" });
  const agent = await loginAgent(agentCtx, kefu.origin, problems);
  await agent.goto(`${kefu.origin}/c/${conv.id}`);
  const view = agent.getByTestId("conversation-view");
  await view.getByTestId("message-text").filter({ hasText: "It arrives tomorrow." }).waitFor();
  await agentApi.post(`/conversations/${conv.id}/resolve`, {});

  // Five faces, each named for screen readers, under the inbox's question.
  const card = frame.locator('[data-testid="widget-rating"][data-scale="emoji"]');
  await card.waitFor({ timeout: 15_000 });
  await card.locator("legend").filter({ hasText: "How did we do today?" }).waitFor();
  const faces = card.locator("button.face");
  assert.equal(await faces.count(), 5);
  assert.deepEqual(await faces.allTextContents(), ["😠", "🙁", "😐", "🙂", "😍"]);
  assert.equal(await card.locator("button.star").count(), 0, "no stars");
  await card.getByRole("button", { name: "Very satisfied" }).click();
  await frame.getByTestId("rate-comment").fill("Lovely <i>service</i>");
  await frame.getByTestId("rate-submit").click();
  await frame.getByTestId("widget-rated").filter({ hasText: "You rated this conversation: Very satisfied." }).waitFor();

  // The agent sees it arrive, on the scale it was asked on; it is recorded as an event.
  const result = view.locator('[data-testid="csat-result"][data-scale="emoji"]');
  await result.filter({ hasText: "Customer rating: 5 out of 5 (Very satisfied)" }).waitFor({ timeout: 15_000 });
  assert.match(await result.textContent(), /😍/);
  assert.equal(await view.getByTestId("csat-comment").textContent(), "Lovely <i>service</i>");
  const events = await agentApi.get(`/conversations/${conv.id}/events`);
  assert.ok(events.items.some((e) => e.type === "conversation.rated" && e.data.rating.rating === 5), "conversation.rated recorded");

  await admin.patch(`/inboxes/${DEMO_INBOX}`, { settings: {} });
  assert.deepEqual(problems, []);
  await adminCtx.close();
  await agentCtx.close();
  await visitorCtx.close();
});

// The smallest valid PNG (1×1) and a text file.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==",
  "base64",
);

test("visitors send images and files; agents' quick replies and cards work in the widget", { timeout: 120_000 }, async () => {
  const problems = []; // per test, so one test's leftovers never fail another
  const visitorCtx = await browser.newContext({ locale: "en-US" });
  const { frame } = await openWidget(visitorCtx, host.url, problems);
  await visitorSays(frame, "Here is a photo of the damage");

  await frame.getByTestId("widget-file-input").setInputFiles({ name: "damage.png", mimeType: "image/png", buffer: PNG });
  const image = frame.getByTestId("widget-image");
  await image.waitFor({ timeout: 15_000 });
  assert.equal(await image.locator("img").getAttribute("alt"), "damage.png");
  assert.equal(await image.getAttribute("rel"), "noopener noreferrer");
  await frame.getByTestId("widget-file-input").setInputFiles({ name: "order.txt", mimeType: "text/plain", buffer: Buffer.from("order 42\n") });
  await frame.getByTestId("widget-file").filter({ hasText: "order.txt" }).waitFor({ timeout: 15_000 });
  // A file the server refuses says why.
  await frame.getByTestId("widget-file-input").setInputFiles({ name: "run.sh", mimeType: "text/plain", buffer: Buffer.from("#!/bin/sh\necho hi\n") });
  await frame.getByTestId("widget-upload-error").filter({ hasText: "This type of file is not accepted." }).waitFor({ timeout: 15_000 });

  // The agent answers with quick replies and a card (through the API).
  const agentApi = await apiClient(kefu.origin, AGENT);
  const conv = (await agentApi.get("/conversations?status=queued")).items.find((c) => c.inbox_id === DEMO_INBOX);
  const files = (await agentApi.get(`/conversations/${conv.id}/messages`)).items.filter((m) => m.content.type === "attachment");
  assert.equal(files.length, 2, "both files reached the conversation");

  // In the console the agent sees both files, and sends one back.
  const agentCtx = await browser.newContext({ locale: "en-US" });
  const console_ = await loginAgent(agentCtx, kefu.origin, problems);
  await console_.goto(`${kefu.origin}/c/${conv.id}`);
  const shown = console_.getByTestId("console-image");
  await shown.waitFor();
  assert.equal(await shown.locator("img").getAttribute("alt"), "damage.png");
  await console_.getByTestId("console-file").filter({ hasText: "order.txt" }).waitFor();
  await console_.getByTestId("file-input").setInputFiles({ name: "label.png", mimeType: "image/png", buffer: PNG });
  await console_.locator('[data-testid="console-image"] img[alt="label.png"]').waitFor({ timeout: 15_000 });
  const sent = frame.getByTestId("widget-message").filter({ has: frame.locator('img[alt="label.png"]') });
  await sent.getByTestId("widget-author").filter({ hasText: "Demo Agent" }).waitFor({ timeout: 15_000 });
  await agentCtx.close();
  await agentApi.post(`/conversations/${conv.id}/messages`, {
    content: { type: "quick_replies", text: "What should we do?", options: [{ title: "Refund" }, { title: "Replace", payload: "Please replace it" }] },
  });
  await agentApi.post(`/conversations/${conv.id}/messages`, {
    content: {
      type: "card",
      title: "Return label",
      text: "Print it and drop the parcel off.",
      buttons: [{ title: "Download label", url: "https://example.com/label.pdf" }],
    },
  });
  const choices = frame.getByTestId("widget-quick-replies");
  await choices.waitFor({ timeout: 15_000 });
  await choices.getByRole("button", { name: "Replace" }).click();
  await frame.getByTestId("widget-message-text").filter({ hasText: "Please replace it" }).waitFor();
  const card = frame.getByTestId("widget-card");
  await card.filter({ hasText: "Print it and drop the parcel off." }).waitFor();
  const link = card.getByRole("link", { name: /Download label/ });
  assert.equal(await link.getAttribute("target"), "_blank");
  assert.equal(await link.getAttribute("rel"), "noopener noreferrer");
  assert.equal(await link.getAttribute("href"), "https://example.com/label.pdf");
  const last = (await agentApi.get(`/conversations/${conv.id}/messages?latest=true&limit=1`)).items.at(-1);
  // (the agent's file claimed the conversation, so it is theirs now)
  assert.equal(last.sender.kind, "contact");
  assert.equal(last.content.text, "Please replace it");

  assert.deepEqual(problems, []);
  await visitorCtx.close();
});

test("the console follows a Chinese browser by default", { timeout: 60_000 }, async () => {
  const problems = []; // per test, so one test's leftovers never fail another
  const ctx = await browser.newContext({ locale: "zh-CN" });
  const page = await ctx.newPage();
  await page.goto(`${kefu.origin}/login`);
  await page.getByText("登录客服").waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), "zh-CN");
  await ctx.close();
});
