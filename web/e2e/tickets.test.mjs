// Tickets in a real browser: the admin defines a required custom field, the
// agent turns a visitor's chat into a ticket from the side panel, cannot
// solve it until the field is filled, fills it, solves and closes it, and
// links a follow-up; every step is checked against the API.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN, AGENT, DEMO_INBOX, apiClient, launchBrowser, loginAgent, signIn, startKefu, visitorConversation, watchAll } from "./harness.mjs";

let kefu, browser;

before(async () => {
  kefu = await startKefu();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await kefu?.stop();
});

test("a chat becomes a ticket with fields, is solved, closed and linked", { timeout: 120_000 }, async () => {
  const problems = [];
  const admin = await apiClient(kefu.origin, ADMIN);
  const agentApi = await apiClient(kefu.origin, AGENT);
  const adminId = (await admin.get("/users")).find((m) => m.email === ADMIN.email).user_id;
  await admin.patch(`/users/${adminId}`, { capacity: 0 }); // the admin takes nothing

  // The admin defines the fields in Admin → Ticket fields.
  const adminCtx = await browser.newContext({ locale: "en-US" });
  await signIn(adminCtx, kefu.origin, ADMIN);
  const apage = watchAll(await adminCtx.newPage(), problems);
  await apage.goto(`${kefu.origin}/admin/tickets`);
  const editor = apage.getByTestId("ticket-fields-admin");
  await editor.waitFor();
  // A key the server refuses: its words are shown, nothing is stored.
  await editor.getByTestId("tf-add").click();
  await editor.getByTestId("tf-key").last().fill("Order No");
  await editor.getByTestId("tf-label").last().fill("Order number");
  await editor.getByTestId("tf-save").click();
  await editor.getByTestId("ticket-fields-error").filter({ hasText: /lowercase/ }).waitFor();
  assert.deepEqual((await admin.get("/ticket_fields")).fields, []);
  await editor.getByTestId("tf-key").last().fill("order_no");
  await editor.getByTestId("tf-required").last().check();
  await editor.getByTestId("tf-add").click();
  await editor.getByTestId("tf-key").last().fill("reason");
  await editor.getByTestId("tf-label").last().fill("Reason");
  await editor.getByTestId("tf-type").last().selectOption("select");
  await editor.getByTestId("tf-options").last().fill("damaged, late");
  await editor.getByTestId("tf-save").click();
  await editor.getByTestId("ticket-fields-saved").waitFor();
  assert.deepEqual((await admin.get("/ticket_fields")).fields, [
    { key: "order_no", label: "Order number", type: "text", required: true },
    { key: "reason", label: "Reason", type: "select", options: ["damaged", "late"], required: false },
  ]);
  await adminCtx.close();

  // A visitor writes; the agent opens the chat and makes it a ticket.
  await visitorConversation(kefu.origin, "My parcel arrived broken, what now?");
  const conv = (await agentApi.get("/conversations?status=queued")).items.find((c) => c.inbox_id === DEMO_INBOX);
  assert.ok(conv, "the visitor's conversation waits");
  const ctx = await browser.newContext({ locale: "en-US" });
  const page = watchAll(await loginAgent(ctx, kefu.origin, problems), problems);
  await page.goto(`${kefu.origin}/c/${conv.id}`);
  const panel = page.getByTestId("ticket-panel");
  await panel.waitFor();
  await panel.getByTestId("convert-type").selectOption("incident");
  await panel.getByTestId("convert").click();
  await panel.getByTestId("ticket-status").waitFor();
  let stored = await agentApi.get(`/conversations/${conv.id}`);
  assert.equal(stored.kind, "ticket");
  assert.equal(stored.ticket_type, "incident");
  assert.equal(await panel.getByTestId("ticket-status").inputValue(), "open");
  // The history stays: the customer's message is still there.
  await page.getByTestId("message-text").filter({ hasText: "arrived broken" }).waitFor();

  // Solving needs the order number: the server says so and nothing moves.
  await panel.getByTestId("ticket-status").selectOption("solved");
  await panel.getByTestId("ticket-error").filter({ hasText: /order_no/ }).waitFor();
  assert.equal((await agentApi.get(`/conversations/${conv.id}`)).ticket_status, "open");
  await panel.getByTestId("field-order_no").fill("A-1001");
  await panel.getByTestId("field-reason").selectOption("damaged");
  await panel.getByTestId("save-fields").click();
  await page.waitForFunction(async (id) => {
    const r = await fetch(`/api/v1/conversations/${id}`);
    return (await r.json()).custom_fields?.order_no === "A-1001";
  }, conv.id);
  stored = await agentApi.get(`/conversations/${conv.id}`);
  assert.deepEqual(stored.custom_fields, { order_no: "A-1001", reason: "damaged" });
  await panel.getByTestId("ticket-status").selectOption("solved");
  await page.getByTestId("conversation-status").filter({ hasText: "Resolved" }).waitFor();
  assert.equal((await agentApi.get(`/conversations/${conv.id}`)).ticket_status, "solved");

  // A follow-up ticket by API, linked; the panel lists it.
  const followUp = await agentApi.post("/conversations", {
    inbox_id: DEMO_INBOX,
    contact_id: conv.contact_id,
    subject: "Send a replacement",
    ticket_type: "task",
    custom_fields: { order_no: "A-1001" },
    follow_up_of: conv.id,
  });
  await page.reload();
  const link = panel.locator(`[data-testid="ticket-link"][data-id="${followUp.id}"]`);
  await link.filter({ hasText: "Followed up by: Send a replacement" }).waitFor();

  // Closed for good: the panel locks the fields.
  await panel.getByTestId("ticket-status").selectOption("closed");
  await panel.locator('[data-testid="field-order_no"]:disabled').waitFor();
  assert.equal(await panel.getByTestId("ticket-status").isDisabled(), true);
  assert.equal(await panel.getByTestId("save-fields").count(), 0, "nothing to save on a closed ticket");
  const closed = await agentApi.get(`/conversations/${conv.id}`);
  assert.equal(closed.ticket_status, "closed");
  assert.ok(closed.closed_at);

  // Unlinking from the panel.
  await link.getByTestId("unlink").click();
  await link.waitFor({ state: "detached" });
  assert.deepEqual((await agentApi.get(`/conversations/${conv.id}/links`)).items, []);

  assert.deepEqual(problems, []);
  await ctx.close();
});
