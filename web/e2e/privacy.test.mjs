// Privacy requests from the console: an admin downloads a contact's data
// from the contact panel, then erases the contact; the server's durable job
// runs the erasure and the open conversation shows every message erased,
// live. Admins set the retention policy under Admin → Account.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { ADMIN, AGENT, apiClient, eventually, launchBrowser, signIn, startKefu, visitorConversation, watchAll } from "./harness.mjs";

let kefu, browser;

before(async () => {
  kefu = await startKefu();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await kefu?.stop();
});

const SAID = "PRIVACY-E2E 我叫李四，电话13900001111";
const NAME = "李四PRIVACY";

test("an admin exports then erases a contact from the contact panel", { timeout: 120_000 }, async () => {
  const problems = [];
  const admin = await apiClient(kefu.origin, ADMIN);
  const { body } = await visitorConversation(kefu.origin, SAID);
  const conv = body.conversation.id;
  const contact = (await admin.get(`/conversations/${conv}`)).contact_id;
  await admin.patch(`/contacts/${contact}`, { name: NAME });

  // Agents do not see the privacy actions.
  const agentCtx = await browser.newContext({ locale: "en-US" });
  await signIn(agentCtx, kefu.origin, AGENT);
  const agentPage = watchAll(await agentCtx.newPage(), problems);
  await agentPage.goto(`${kefu.origin}/c/${conv}`);
  await agentPage.getByTestId("contact-name").filter({ hasText: NAME }).waitFor();
  assert.equal(await agentPage.getByTestId("contact-privacy").count(), 0);
  await agentCtx.close();

  const ctx = await browser.newContext({ locale: "en-US", acceptDownloads: true });
  await signIn(ctx, kefu.origin, ADMIN);
  const page = watchAll(await ctx.newPage(), problems);
  await page.goto(`${kefu.origin}/c/${conv}`);
  await page.getByTestId("message-text").filter({ hasText: "PRIVACY-E2E" }).waitFor();
  const privacy = page.getByTestId("contact-privacy");

  // Export: a ZIP named after the contact, holding its JSON files.
  const [download] = await Promise.all([page.waitForEvent("download"), privacy.getByTestId("contact-export").click()]);
  assert.equal(download.suggestedFilename(), `contact-${contact}.zip`);
  const zip = await readFile(await download.path());
  assert.equal(zip.subarray(0, 4).toString("binary"), "PK\x03\x04", "a ZIP archive");
  for (const name of ["manifest.json", "contact.json", `conversations/${conv}.json`]) assert.ok(zip.includes(name), `${name} in the archive`);

  // Erase: a typed confirmation; a wrong word does nothing.
  page.once("dialog", (d) => d.accept("erase it"));
  await privacy.getByTestId("contact-erase").click();
  assert.equal(await privacy.getByTestId("contact-erase-status").count(), 0);
  assert.equal((await admin.get(`/contacts/${contact}`)).erased_at ?? null, null);
  page.once("dialog", (d) => d.accept("ERASE"));
  await privacy.getByTestId("contact-erase").click();
  await privacy.getByTestId("contact-erase-status").waitFor();
  await eventually("the erasure job ran", async () => (await admin.get(`/contacts/${contact}`)).erased_at != null, 30_000);

  // The open conversation updates itself: every message erased.
  await page.getByTestId("message-text").filter({ hasText: "This message was erased." }).first().waitFor();
  assert.equal(await page.getByTestId("message-text").filter({ hasText: "PRIVACY-E2E" }).count(), 0);
  await page.reload();
  await page.getByTestId("contact-erased").waitFor();
  assert.equal(await page.getByTestId("contact-privacy").count(), 0);
  const audit = JSON.stringify(await admin.get("/audit-log?limit=20"));
  assert.match(audit, /contact\.erasure_requested/);
  assert.match(audit, /contact\.erased/);

  // Retention, under Admin → Account.
  await page.goto(`${kefu.origin}/admin/account`);
  const form = page.getByTestId("retention-form");
  await form.locator('input[name="retention-enabled"]').check();
  await form.locator('input[name="retention-days"]').fill("90");
  await form.locator('select[name="retention-action"]').selectOption("delete");
  await form.getByTestId("retention-save").click();
  await eventually("the policy is saved", async () => (await admin.get("/account/retention")).days === 90);
  assert.deepEqual(await admin.get("/account/retention"), { days: 90, action: "delete" });
  await admin.put("/account/retention", { days: null });
  assert.deepEqual(problems, []);
  await ctx.close();
});
