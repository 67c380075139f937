// The console's admin pages and conversation tools, against the real server.
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

test("an admin manages inboxes, teams, users and the account", { timeout: 120_000 }, async () => {
  const problems = []; // per test, so one test's leftovers never fail another
  const ctx = await browser.newContext({ locale: "en-US" });
  await ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: kefu.origin });
  const page = watchAll(await ctx.newPage(), problems);
  await page.goto(`${kefu.origin}/login`);
  await page.locator('input[name="email"]').fill(ADMIN.email);
  await page.locator('input[name="password"]').fill(ADMIN.password);
  await page.locator('button[type="submit"]').click();
  await page.getByTestId("nav-admin").click();
  await page.getByTestId("admin-inboxes").waitFor();

  // A new web-widget inbox shows its embed snippet, which copies.
  const create = page.getByTestId("inbox-create");
  await create.locator('input[name="name"]').fill("Shop widget");
  await create.locator('select[name="channel"]').selectOption("web_widget");
  await create.getByRole("button", { name: "Create" }).click();
  const detail = page.getByTestId("inbox-detail");
  await detail.locator("h3", { hasText: "Shop widget" }).waitFor();
  const id = page.url().split("/").pop();
  const snippet = await page.getByTestId("embed-snippet").textContent();
  assert.equal(snippet, `<script src="${kefu.origin}/sdk.js" data-inbox="${id}" async></script>`);
  await page.getByTestId("copy-snippet").click();
  await page.getByTestId("copy-status").filter({ hasText: "Copied!" }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), snippet);
  assert.equal(await page.getByTestId("inbox-row").filter({ hasText: "Shop widget" }).count(), 1);

  // Editing: the server's validation message is shown as is; a valid change saves.
  await detail.locator('textarea[name="origins"]').fill("ftp://shop.example.com");
  await page.getByTestId("inbox-save").click();
  await detail.getByTestId("admin-error").filter({ hasText: /origin/i }).waitFor();
  await detail.locator('textarea[name="origins"]').fill("https://shop.example.com");
  await detail.locator('input[name="require-identity"]').check();
  await page.getByTestId("inbox-save").click();
  await detail.getByTestId("admin-ok").waitFor();
  const admin = await apiClient(kefu.origin, ADMIN);
  const saved = await admin.get(`/inboxes/${id}`);
  assert.deepEqual(saved.allowed_origins, ["https://shop.example.com"]);
  assert.equal(saved.require_identity, true);

  // Members of the inbox.
  await detail.locator('select[name="new-member"]').selectOption({ label: "Demo Agent" });
  await detail.getByRole("button", { name: "Add", exact: true }).click();
  await page.getByTestId("inbox-members").filter({ hasText: "agent@kefu.demo" }).waitFor();

  // Teams: create one and add a member.
  await page.getByTestId("admin-nav-teams").click();
  await page.getByTestId("team-create").locator('input[name="team-name"]').fill("Billing");
  await page.getByTestId("team-create").getByRole("button", { name: "Create" }).click();
  const team = page.getByTestId("team-row").filter({ hasText: "Billing" });
  await team.getByTestId("team-open").click();
  await page.getByTestId("team-detail").locator('select[name="team-member"]').selectOption({ label: "Demo Agent" });
  await page.getByTestId("team-add-member").click();
  await page.getByTestId("team-members").filter({ hasText: "Demo Agent" }).waitFor();
  // Rename and delete another team.
  await page.getByTestId("team-create").locator('input[name="team-name"]').fill("Temp");
  await page.getByTestId("team-create").getByRole("button", { name: "Create" }).click();
  const temp = page.locator('[data-testid="team-row"][data-name="Temp"]');
  await temp.getByTestId("team-open").click();
  await page.getByTestId("team-detail").locator('input[name="rename"]').fill("Temporary");
  await page.getByTestId("team-detail").getByRole("button", { name: "Rename" }).click();
  const renamed = page.locator('[data-testid="team-row"][data-name="Temporary"]');
  await renamed.waitFor();
  page.once("dialog", (d) => void d.accept());
  await renamed.getByTestId("team-delete").click();
  await renamed.waitFor({ state: "detached" });
  assert.deepEqual(
    (await (await apiClient(kefu.origin, ADMIN)).get("/teams")).map((t) => t.name),
    ["Billing"],
  );

  // Users: add one, promote them, put them in the new team.
  await page.getByTestId("admin-nav-users").click();
  const form = page.getByTestId("user-create");
  await form.locator('input[name="email"]').fill("li.lei@kefu.demo");
  await form.locator('input[name="name"]').fill("Li Lei");
  await form.locator('select[name="role"]').selectOption("agent");
  await form.locator('input[name="password"]').fill("short");
  await form.getByRole("button", { name: "Add" }).click();
  await page.getByTestId("admin-error").filter({ hasText: /password/i }).waitFor();
  await form.locator('input[name="password"]').fill("li-lei-password");
  await form.getByRole("button", { name: "Add" }).click();
  const row = page.locator('[data-testid="user-row"][data-email="li.lei@kefu.demo"]');
  await row.waitFor();
  await row.getByTestId("user-role").selectOption("supervisor");
  await page.getByTestId("admin-ok").waitFor();
  await row.getByTestId("user-memberships").click();
  await page.locator('[data-testid="membership-team"][data-name="Billing"]').check();
  // The "saved" notes of earlier steps may still be on screen, so wait for the effects themselves.
  let li;
  await eventually("Li Lei becomes a supervisor", async () => {
    li = (await admin.get("/users")).find((u) => u.email === "li.lei@kefu.demo");
    return li?.role === "supervisor";
  });
  const teams = await admin.get("/teams");
  const billing = teams.find((t) => t.name === "Billing");
  await eventually("Li Lei joins Billing", async () =>
    (await admin.get(`/teams/${billing.id}/members`)).some((m) => m.user_id === li.user_id),
  );

  // Account settings.
  await page.getByTestId("admin-nav-account").click();
  await page.locator('input[name="time-zone"]').fill("Europe/Berlin");
  await page.getByTestId("account-save").click();
  await page.getByTestId("admin-ok").waitFor();
  assert.equal((await admin.get("/account")).time_zone, "Europe/Berlin");

  // The audit log lists all of it, newest first.
  await page.getByTestId("admin-nav-audit").click();
  await page.getByTestId("audit-row").first().waitFor();
  const actions = await page.getByTestId("audit-row").evaluateAll((rows) => rows.map((r) => r.dataset.action));
  assert.equal(actions[0], "account.updated");
  for (const a of ["inbox.created", "inbox.updated", "user.added"]) assert.ok(actions.includes(a), `${a} in ${actions}`);

  // Removing a user from the account.
  page.once("dialog", (d) => void d.accept());
  await page.getByTestId("admin-nav-users").click();
  await row.getByTestId("user-remove").click();
  await row.waitFor({ state: "detached" });

  assert.deepEqual(problems, []);
  await ctx.close();
});

test("agents see admin pages only as far as their role allows", { timeout: 60_000 }, async () => {
  const problems = []; // per test, so one test's leftovers never fail another
  const ctx = await browser.newContext({ locale: "en-US" });
  await signIn(ctx, kefu.origin, AGENT);
  const page = watchAll(await ctx.newPage(), problems);
  await page.goto(`${kefu.origin}/`);
  await page.getByTestId("conversation-list").waitFor();
  assert.equal(await page.getByTestId("nav-admin").count(), 0, "no admin link for agents");
  await page.goto(`${kefu.origin}/admin/users`);
  await page.getByText("Only admins and supervisors").waitFor();
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("an agent works a conversation: contact, assign, labels, notes, emoji, shortcuts, transfer", { timeout: 120_000 }, async () => {
  const problems = []; // per test, so one test's leftovers never fail another
  const admin = await apiClient(kefu.origin, ADMIN);
  const agentApi = await apiClient(kefu.origin, AGENT);
  const me = (await agentApi.get("/auth/me")).user;

  // The visitor writes on the website; the same contact also has a ticket in another inbox.
  await visitorConversation(kefu.origin, "My parcel never arrived");
  const conv = (await agentApi.get("/conversations?status=queued")).items.find((c) => c.inbox_id === DEMO_INBOX);
  await agentApi.patch(`/contacts/${conv.contact_id}`, { name: "Wang Fang", email: "wang.fang@example.com", attributes: { plan: "gold" } });
  const desk = await admin.post("/inboxes", { name: "Email desk", channel: "api" });
  await admin.put(`/inboxes/${desk.id}/members/${me.id}`);
  const ticket = await admin.post("/conversations", { inbox_id: desk.id, contact_id: conv.contact_id, subject: "Refund for order 42" });
  const team = await admin.post("/teams", { name: "Escalations" });

  const ctx = await browser.newContext({ locale: "en-US" });
  await signIn(ctx, kefu.origin, AGENT);
  const page = watchAll(await ctx.newPage(), problems);
  await page.goto(`${kefu.origin}/?filter=queued`);
  await page.locator('[data-testid="live"].on').waitFor();
  await page.locator(`[data-testid="conversation-item"][data-id="${conv.id}"]`).click();
  const view = page.getByTestId("conversation-view");
  await view.getByTestId("message-text").filter({ hasText: "My parcel never arrived" }).waitFor();

  // Contact panel: who, and the other conversation in the other inbox.
  const panel = page.getByTestId("contact-panel");
  await panel.getByTestId("contact-name").filter({ hasText: "Wang Fang" }).waitFor();
  await panel.getByTestId("contact-email").filter({ hasText: "wang.fang@example.com" }).waitFor();
  await panel.getByTestId("contact-attributes").filter({ hasText: "gold" }).waitFor();
  const other = panel.locator(`[data-testid="contact-other"][data-id="${ticket.id}"]`);
  await other.filter({ hasText: "Refund for order 42" }).filter({ hasText: "Email desk" }).waitFor();

  // Assign to me.
  await page.getByTestId("assign-me").click();
  await page.getByTestId("assignee-name").filter({ hasText: "Demo Agent" }).waitFor();
  assert.equal((await agentApi.get(`/conversations/${conv.id}`)).assignee_id, me.id);

  // Labels: add two, remove one; the list filters by label.
  for (const l of ["vip", "shipping"]) {
    await page.getByTestId("label-input").fill(l);
    await page.getByTestId("label-add").click();
    await page.getByTestId("label").filter({ hasText: l }).waitFor();
  }
  await page.getByTestId("remove-label-shipping").click();
  await page.getByTestId("label").filter({ hasText: "shipping" }).waitFor({ state: "detached" });
  assert.deepEqual((await agentApi.get(`/conversations/${conv.id}`)).labels, ["vip"]);
  await page.getByTestId("filter-all").click();
  await page.getByTestId("filter-label").fill("vip");
  await page.getByTestId("filter-label").press("Enter");
  await page.waitForURL(/label=vip/);
  // Only the labelled conversation remains (the ticket has no label).
  await page.locator(`[data-testid="conversation-item"][data-id="${ticket.id}"]`).waitFor({ state: "detached" });
  await page.locator(`[data-testid="conversation-item"][data-id="${conv.id}"]`).waitFor();
  assert.equal(await page.getByTestId("conversation-item").count(), 1);

  // Inbox filter: the other inbox shows only the ticket.
  await page.getByTestId("filter-label").fill("");
  await page.getByTestId("filter-label").press("Enter");
  await page.getByTestId("filter-inbox").selectOption(desk.id);
  await page.locator(`[data-testid="conversation-item"][data-id="${ticket.id}"]`).waitFor();
  await page.locator(`[data-testid="conversation-item"][data-id="${conv.id}"]`).waitFor({ state: "detached" });
  await page.getByTestId("filter-inbox").selectOption("");

  // A private note looks different from a reply.
  await page.getByTestId("mode-note").click();
  await page.getByTestId("reply-input").fill("Check the courier first");
  await page.getByTestId("send").click();
  const note = view.locator(".msg.internal").filter({ hasText: "Check the courier first" });
  await note.waitFor();
  assert.match(await note.textContent(), /Private note/);
  const noteBg = await note.evaluate((el) => getComputedStyle(el).backgroundColor);
  const visitorBg = await view.locator(".msg.from-contact").first().evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.notEqual(noteBg, visitorBg);

  // Emoji picker and Ctrl+Enter.
  await page.getByTestId("mode-reply").click();
  await page.getByTestId("reply-input").fill("Sorry about that ");
  await page.getByTestId("emoji-toggle").click();
  await page.getByTestId("emoji-grid").waitFor();
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("Enter");
  await page.getByTestId("emoji-grid").waitFor({ state: "detached" });
  assert.equal(await page.getByTestId("reply-input").inputValue(), "Sorry about that 😄");
  await page.getByTestId("reply-input").press("Control+Enter");
  await view.locator(".msg.from-agent").filter({ hasText: "Sorry about that 😄" }).waitFor();

  // Shortcuts: they do not fire while typing; `?` shows help, `e` resolves, `r` focuses the reply.
  await page.getByTestId("reply-input").pressSequentially("e?");
  assert.equal(await page.getByTestId("shortcut-help").count(), 0);
  assert.equal(await page.getByTestId("reply-input").inputValue(), "e?");
  await page.getByTestId("reply-input").fill("");
  await view.getByTestId("messages").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("?");
  await page.getByTestId("shortcut-help").waitFor();
  await page.keyboard.press("Escape");
  await page.getByTestId("shortcut-help").waitFor({ state: "detached" });
  await page.keyboard.press("e");
  await page.locator('[data-testid="conversation-view"][data-status="resolved"]').waitFor();
  await page.keyboard.press("r");
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "reply-input");
  await page.getByTestId("reopen").click();
  await page.locator('[data-testid="conversation-view"][data-status="assigned"]').waitFor();

  // Transfer to a team.
  await page.getByTestId("transfer-select").selectOption(`team:${team.id}`);
  await page.getByTestId("transfer").click();
  await view.locator(".conv-meta").filter({ hasText: "Escalations" }).waitFor();
  assert.equal((await agentApi.get(`/conversations/${conv.id}`)).team_id, team.id);

  // j/k move through the list; the contact panel's link opens the other conversation.
  await view.getByTestId("messages").click({ position: { x: 5, y: 5 } });
  const ids = await page.getByTestId("conversation-item").evaluateAll((els) => els.map((e) => e.dataset.id));
  assert.ok(ids.length >= 2, `at least two conversations listed: ${ids}`);
  const at = ids.indexOf(page.url().match(/\/c\/([^?]+)/)[1]);
  await page.keyboard.press(at < ids.length - 1 ? "j" : "k");
  await page.waitForURL(new RegExp(`/c/${ids[at < ids.length - 1 ? at + 1 : at - 1]}`));
  await page.goto(`${kefu.origin}/c/${conv.id}`);
  await page.getByTestId("contact-panel").locator(`[data-testid="contact-other"][data-id="${ticket.id}"]`).click();
  await page.waitForURL(new RegExp(`/c/${ticket.id}`));
  await page.locator(".conv-meta").filter({ hasText: "Email desk" }).waitFor();

  // Presence.
  await page.getByTestId("presence").selectOption("away");
  await page.waitForFunction(async () => {
    const r = await fetch("/api/v1/auth/me");
    const me = await r.json();
    const u = await (await fetch(`/api/v1/users/${me.user.id}`)).json();
    return u.availability === "away";
  });

  assert.deepEqual(problems, []);
  await ctx.close();
});

test("a hidden tab notifies of a visitor message in my conversation", { timeout: 60_000 }, async () => {
  const problems = []; // per test, so one test's leftovers never fail another
  const agentApi = await apiClient(kefu.origin, AGENT);
  const me = (await agentApi.get("/auth/me")).user;
  const visitor = await visitorConversation(kefu.origin, "Hello, anyone there?");
  const conv = (await agentApi.get("/conversations?status=queued")).items[0];
  await agentApi.post(`/conversations/${conv.id}/assign`, { assignee_id: me.id });

  const ctx = await browser.newContext({ locale: "en-US" });
  await ctx.grantPermissions(["notifications"], { origin: kefu.origin });
  // Record notifications the page shows, and pretend the tab is in the background.
  await ctx.addInitScript(() => {
    window.__shown = [];
    const Real = window.Notification;
    class Recording extends Real {
      constructor(title, opts) {
        super(title, opts);
        window.__shown.push({ title, body: opts?.body });
      }
    }
    Object.defineProperty(Recording, "permission", { get: () => Real.permission });
    Recording.requestPermission = Real.requestPermission.bind(Real);
    window.Notification = Recording;
    Object.defineProperty(document, "hidden", { get: () => window.__hidden === true });
  });
  await signIn(ctx, kefu.origin, AGENT);
  const page = watchAll(await ctx.newPage(), problems);
  await page.goto(`${kefu.origin}/?filter=mine`);
  await page.locator('[data-testid="live"].on').waitFor();
  await page.evaluate(() => (window.__hidden = true));

  const r = await fetch(`${kefu.origin}/api/v1/widget/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${visitor.token}`, "content-type": "application/json" },
    body: JSON.stringify({ text: "Are you still there?", client_id: "again" }),
  });
  assert.ok(r.ok);
  await page.waitForFunction(() => window.__shown.some((n) => n.body === "Are you still there?"), null, { timeout: 15_000 });
  const shown = await page.evaluate(() => window.__shown);
  assert.equal(shown[0].title, "New message from a visitor");
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("the console links the demo site on the other loopback origin", { timeout: 60_000 }, async () => {
  const problems = []; // per test, so one test's leftovers never fail another
  const ctx = await browser.newContext({ locale: "en-US" });
  await signIn(ctx, kefu.origin, AGENT);
  const page = watchAll(await ctx.newPage(), problems);
  await page.goto(`${kefu.origin}/`);
  const link = page.getByTestId("demo-link");
  await link.waitFor();
  const href = new URL(await link.getAttribute("href"));
  assert.equal(href.hostname, "localhost");
  assert.equal(href.port, new URL(kefu.origin).port);
  assert.equal(href.pathname, "/demo");
  assert.equal(href.searchParams.get("inbox"), DEMO_INBOX);
  const [site] = await Promise.all([ctx.waitForEvent("page"), link.click()]);
  watchAll(site, problems);
  await site.locator("#kefu-launcher").click();
  await site.frameLocator("#kefu-frame").locator('[data-testid="widget-input"]:not([disabled])').waitFor();
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("a lost socket shows a reconnecting banner until it is back", { timeout: 90_000 }, async () => {
  const problems = []; // per test, so one test's leftovers never fail another
  const ctx = await browser.newContext({ locale: "en-US" });
  await signIn(ctx, kefu.origin, AGENT);
  // While the server is down, the browser logs failed connections: expected here.
  const page = await ctx.newPage();
  await page.goto(`${kefu.origin}/`);
  await page.locator('[data-testid="live"].on').waitFor();
  assert.equal(await page.getByTestId("reconnecting").count(), 0);
  // The server goes away for a while and comes back on the same address.
  const restarted = kefu.restart(3000);
  await page.getByTestId("reconnecting").waitFor({ timeout: 15_000 });
  await page.locator('[data-testid="live"].off').waitFor();
  await restarted;
  await page.locator('[data-testid="live"].on').waitFor({ timeout: 45_000 });
  await page.getByTestId("reconnecting").waitFor({ state: "detached" });
  await ctx.close();
});

test("supervisors see the admin pages read-only, without the audit log", { timeout: 60_000 }, async () => {
  const problems = []; // per test, so one test's leftovers never fail another
  const admin = await apiClient(kefu.origin, ADMIN);
  const sup = { email: "sup@kefu.demo", password: "supervisor-pass" };
  await admin.post("/users", { ...sup, name: "Sup Ervisor", role: "supervisor" });
  const ctx = await browser.newContext({ locale: "en-US" });
  await signIn(ctx, kefu.origin, sup);
  const page = watchAll(await ctx.newPage(), problems);
  await page.goto(`${kefu.origin}/`);
  await page.getByTestId("nav-admin").click();
  await page.getByTestId("admin-inboxes").waitFor();
  await page.getByTestId("read-only").waitFor();
  assert.equal(await page.getByTestId("inbox-create").count(), 0);
  assert.equal(await page.getByTestId("admin-nav-audit").count(), 0, "the audit log is for admins");
  await page.getByTestId("inbox-row").first().getByRole("link").click();
  await page.getByTestId("embed-snippet").waitFor();
  assert.equal(await page.getByTestId("inbox-save").count(), 0);
  assert.ok(await page.locator('input[name="inbox-name"]').isDisabled());
  await page.getByTestId("admin-nav-users").click();
  await page.getByTestId("user-row").first().waitFor();
  assert.equal(await page.getByTestId("user-create").count(), 0);
  assert.equal(await page.getByTestId("user-role").count(), 0);
  await page.getByTestId("admin-nav-teams").click();
  await page.getByTestId("admin-teams").waitFor();
  assert.equal(await page.getByTestId("team-create").count(), 0);
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("canned responses: shared ones from the admin page, own ones, and `/` in the reply box", { timeout: 90_000 }, async () => {
  const problems = [];
  const agentApi = await apiClient(kefu.origin, AGENT);

  // An admin adds a shared response with variables.
  const adminCtx = await browser.newContext({ locale: "en-US" });
  await signIn(adminCtx, kefu.origin, ADMIN);
  const adminPage = watchAll(await adminCtx.newPage(), problems);
  await adminPage.goto(`${kefu.origin}/admin`);
  await adminPage.getByTestId("admin-nav-canned").click();
  // Filled in while the list may still be loading: the form must keep what was typed.
  const create = adminPage.getByTestId("canned-create");
  await create.locator('input[name="short-code"]').fill("thanks");
  await create.locator('textarea[name="canned-content"]').fill("Thank you, {{contact.name | friend}}! {{agent.name}}");
  assert.ok(await create.locator('input[name="shared"]').isChecked(), "managers share by default");
  await create.getByRole("button", { name: "Create" }).click();
  await adminPage.locator('[data-testid="canned-row"][data-code="thanks"]').filter({ hasText: "Shared" }).waitFor();
  // A typo in a variable is refused with the server's explanation.
  await create.locator('input[name="short-code"]').fill("typo");
  await create.locator('textarea[name="canned-content"]').fill("Hi {{contact.nmae}}");
  await create.getByRole("button", { name: "Create" }).click();
  await create.getByTestId("admin-error").filter({ hasText: "unknown variable" }).waitFor();
  await adminCtx.close();

  // A visitor writes; the agent knows their name.
  await visitorConversation(kefu.origin, "Where is my invoice?");
  const conv = (await agentApi.get("/conversations?status=queued")).items.find((c) => c.inbox_id === DEMO_INBOX);
  await agentApi.patch(`/contacts/${conv.contact_id}`, { name: "Zhou Min" });

  const ctx = await browser.newContext({ locale: "en-US" });
  await signIn(ctx, kefu.origin, AGENT);
  const page = watchAll(await ctx.newPage(), problems);

  // The agent keeps a response of their own; the shared one is theirs to use, not to change.
  await page.goto(`${kefu.origin}/`);
  await page.getByTestId("nav-canned").click();
  const shared = page.locator('[data-testid="canned-row"][data-code="thanks"]');
  await shared.waitFor();
  assert.equal(await shared.getByTestId("canned-edit").count(), 0);
  const mine = page.getByTestId("canned-create");
  assert.equal(await mine.locator('input[name="shared"]').count(), 0, "agents cannot share");
  await mine.locator('input[name="short-code"]').fill("thx-own");
  await mine.locator('textarea[name="canned-content"]').fill("Cheers from {{agent.name}}");
  await mine.getByRole("button", { name: "Create" }).click();
  await page.locator('[data-testid="canned-row"][data-code="thx-own"]').filter({ hasText: "Personal" }).waitFor();

  // `/th` lists both, filled in; Esc closes; Enter inserts; Enter sends.
  await page.getByTestId("nav-console").click();
  await page.goto(`${kefu.origin}/c/${conv.id}`);
  await page.getByTestId("message-text").filter({ hasText: "Where is my invoice?" }).waitFor();
  const input = page.getByTestId("reply-input");
  await input.fill("/th");
  const options = page.getByTestId("canned-option");
  await options.filter({ hasText: "Thank you, Zhou Min! Demo Agent" }).waitFor();
  await options.filter({ hasText: "Cheers from Demo Agent" }).waitFor();
  await input.press("Escape");
  await page.getByTestId("canned-popup").waitFor({ state: "detached" });
  await input.fill("/thanks");
  await options.first().filter({ hasText: "Zhou Min" }).waitFor();
  await input.press("Enter");
  assert.equal(await input.inputValue(), "Thank you, Zhou Min! Demo Agent");
  await input.press("Enter");
  await page.getByTestId("message-text").filter({ hasText: "Thank you, Zhou Min! Demo Agent" }).waitFor();
  await eventually("the reply is stored", async () =>
    (await agentApi.get(`/conversations/${conv.id}/messages`)).items.some((m) => m.content.text === "Thank you, Zhou Min! Demo Agent"),
  );
  await input.fill("/no-such-code");
  await page.getByTestId("canned-popup").filter({ hasText: "No canned response matches" }).waitFor();
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("two agents on one conversation see each other: viewing, then writing", { timeout: 90_000 }, async () => {
  const problems = [];
  const agentApi = await apiClient(kefu.origin, AGENT);
  await visitorConversation(kefu.origin, "Can someone check my order?");
  const conv = (await agentApi.get("/conversations?status=queued")).items.find((c) => c.inbox_id === DEMO_INBOX);

  const adminCtx = await browser.newContext({ locale: "en-US" });
  await signIn(adminCtx, kefu.origin, ADMIN);
  const adminPage = watchAll(await adminCtx.newPage(), problems);
  await adminPage.goto(`${kefu.origin}/c/${conv.id}`);
  await adminPage.locator('[data-testid="live"].on').waitFor();
  await adminPage.getByTestId("message-text").filter({ hasText: "Can someone check my order?" }).waitFor();
  assert.equal(await adminPage.getByTestId("collision").count(), 0, "alone at first");

  const ctx = await browser.newContext({ locale: "en-US" });
  await signIn(ctx, kefu.origin, AGENT);
  const page = watchAll(await ctx.newPage(), problems);
  await page.goto(`${kefu.origin}/c/${conv.id}`);
  await page.locator('[data-testid="live"].on').waitFor();
  // Each learns of the other: the newcomer from the server's answer, the first one live.
  await page.getByTestId("collision").filter({ hasText: "Demo Admin is also viewing this conversation" }).waitFor();
  await adminPage.getByTestId("collision").filter({ hasText: "Demo Agent is also viewing this conversation" }).waitFor();

  // Writing a reply says more than looking.
  await page.getByTestId("reply-input").pressSequentially("Let me look");
  await adminPage.getByTestId("collision").filter({ hasText: "Demo Agent is writing in this conversation" }).waitFor();

  // Leaving clears the warning for the other.
  await page.goto(`${kefu.origin}/`);
  await adminPage.getByTestId("collision").waitFor({ state: "detached", timeout: 15_000 });
  assert.deepEqual(problems, []);
  await ctx.close();
  await adminCtx.close();
});
