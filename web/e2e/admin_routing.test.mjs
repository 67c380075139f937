// The admin editors of an inbox's routing, business hours, outside-hours
// message and SLA policy, against the real server: what is entered is what
// the API stores (minutes become seconds), it shows again after a reload,
// settings the page does not edit are kept, and a calendar the server
// refuses shows its message and changes nothing.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN, DEMO_INBOX, apiClient, launchBrowser, startKefu, watchAll } from "./harness.mjs";

let kefu, browser;

before(async () => {
  kefu = await startKefu();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await kefu?.stop();
});

async function adminPage(problems) {
  const ctx = await browser.newContext({ locale: "en-US" });
  const page = watchAll(await ctx.newPage(), problems);
  await page.goto(`${kefu.origin}/login`);
  await page.locator('input[name="email"]').fill(ADMIN.email);
  await page.locator('input[name="password"]').fill(ADMIN.password);
  await page.locator('button[type="submit"]').click();
  await page.getByTestId("nav-admin").click();
  await page.getByTestId("admin-inboxes").waitFor();
  return { ctx, page };
}

const WEEKDAY = [["09:00", "18:00"]];

test("an admin sets routing, business hours and an SLA; the API stores exactly that", { timeout: 120_000 }, async () => {
  const problems = [];
  const admin = await apiClient(kefu.origin, ADMIN);
  // A setting this page has no editor for, written through the API: it must survive.
  const before = await admin.get(`/inboxes/${DEMO_INBOX}`);
  await admin.patch(`/inboxes/${DEMO_INBOX}`, { settings: { ...before.settings, greeting: "Hello from the API" } });
  const original = (await admin.get(`/inboxes/${DEMO_INBOX}`)).settings;
  assert.equal(original.routing, undefined, "the demo inbox starts without routing settings");

  const { ctx, page } = await adminPage(problems);
  await page.getByTestId("inbox-row").filter({ hasText: before.name }).getByRole("link").click();
  const detail = page.getByTestId("inbox-detail");
  await detail.getByTestId("inbox-routing").waitFor();
  assert.equal(await detail.getByTestId("always-open").count(), 1, "no business hours yet: always open");

  // Written by someone else while the page is open: kept too.
  await admin.patch(`/inboxes/${DEMO_INBOX}`, { settings: { ...original, note_from_api: "written meanwhile" } });

  // Routing: by skills, one rule, a shorter relaxation, not sticky.
  const routing = detail.getByTestId("inbox-routing");
  await routing.locator('select[name="routing-policy"]').selectOption("skills");
  await routing.getByTestId("skill-rule-add").click();
  await routing.locator('input[name="rule-0-match"]').fill("refund");
  await routing.locator('input[name="rule-0-skill"]').fill("billing");
  await routing.locator('select[name="rule-0-level"]').selectOption("3");
  await routing.locator('input[name="routing-relax-after"]').fill("60");
  await routing.locator('input[name="routing-sticky"]').uncheck();
  // A second rule, added and removed again.
  await routing.getByTestId("skill-rule-add").click();
  assert.equal(await routing.getByTestId("skill-rule").count(), 2);
  await routing.getByTestId("skill-rule-remove").nth(1).click();
  assert.equal(await routing.getByTestId("skill-rule").count(), 1);

  // Business hours: Shanghai, Monday split around lunch, a holiday and a make-up day.
  const hours = detail.getByTestId("inbox-business-hours");
  await hours.locator('input[name="business-hours-enabled"]').check();
  await hours.locator('input[name="business-hours-time-zone"]').fill("Asia/Shanghai");
  await hours.locator('input[name="bh-mon-0-start"]').fill("08:30");
  await hours.locator('input[name="bh-mon-0-end"]').fill("12:00");
  await hours.getByTestId("bh-mon-add").click();
  await hours.locator('input[name="bh-mon-1-start"]').fill("13:00");
  await hours.locator('input[name="bh-mon-1-end"]').fill("17:30");
  await hours.getByTestId("bh-sat-add").click(); // Saturday morning…
  await hours.locator('input[name="bh-sat-0-end"]').fill("12:00");
  await hours.getByRole("button", { name: "Remove hours 1 on Saturday" }).click(); // …or not.
  await hours.locator('input[name="holiday-date"]').fill("2026-10-01");
  await hours.getByTestId("holiday-add").click();
  await hours.locator('input[name="extra-date"]').fill("2026-09-27");
  await hours.getByTestId("extra-day-add").click();
  await hours.locator('input[name="extra-0-0-end"]').fill("17:00");
  await hours.locator('textarea[name="outside-hours-message"]').fill("We are closed. We open again {{opens_at}}. <b>not bold</b>");

  // SLA: urgent first response in 5 minutes, normal resolution in a day.
  const sla = detail.getByTestId("inbox-sla");
  await sla.locator('input[name="sla-enabled"]').check();
  await sla.locator('input[name="sla-name"]').fill("Chat");
  await sla.locator('input[name="sla-urgent-first_response_s"]').fill("5");
  await sla.locator('input[name="sla-normal-resolution_s"]').fill("1440");
  await sla.locator('input[name="sla-high-next_response_s"]').fill("10");
  await sla.locator('input[name="sla-high-next_response_s"]').fill(""); // emptied: no target

  await page.getByTestId("inbox-save").click();
  await detail.getByTestId("admin-ok").waitFor();

  const expected = {
    ...original,
    note_from_api: "written meanwhile",
    routing: {
      policy: "skills",
      auto_assign: true,
      sticky: false,
      bot_while_queued: false,
      relax_after_s: 60,
      skill_rules: [{ label: "refund", skill: "billing", min_level: 3 }],
    },
    business_hours: {
      time_zone: "Asia/Shanghai",
      weekly: {
        mon: [
          ["08:30", "12:00"],
          ["13:00", "17:30"],
        ],
        tue: WEEKDAY,
        wed: WEEKDAY,
        thu: WEEKDAY,
        fri: WEEKDAY,
        sat: [],
        sun: [],
      },
      holidays: ["2026-10-01"],
      extra_open_days: [{ date: "2026-09-27", hours: [["09:00", "17:00"]] }],
    },
    outside_hours_message: "We are closed. We open again {{opens_at}}. <b>not bold</b>",
    sla: { name: "Chat", business_hours: true, targets: { urgent: { first_response_s: 300 }, normal: { resolution_s: 86400 } } },
  };
  const stored = (await admin.get(`/inboxes/${DEMO_INBOX}`)).settings;
  assert.deepEqual(stored, expected);

  // After a reload the page shows what is stored.
  await page.reload();
  await detail.getByTestId("inbox-routing").waitFor();
  assert.equal(await routing.locator('select[name="routing-policy"]').inputValue(), "skills");
  assert.equal(await routing.locator('input[name="rule-0-match"]').inputValue(), "refund");
  assert.equal(await routing.locator('input[name="rule-0-skill"]').inputValue(), "billing");
  assert.equal(await routing.locator('select[name="rule-0-level"]').inputValue(), "3");
  assert.equal(await routing.locator('input[name="routing-relax-after"]').inputValue(), "60");
  assert.equal(await routing.locator('input[name="routing-sticky"]').isChecked(), false);
  assert.equal(await routing.locator('input[name="routing-auto-assign"]').isChecked(), true);
  assert.equal(await hours.locator('input[name="business-hours-enabled"]').isChecked(), true);
  assert.equal(await hours.locator('input[name="business-hours-time-zone"]').inputValue(), "Asia/Shanghai");
  const mon = hours.locator('[data-testid="weekday"][data-day="mon"]');
  assert.deepEqual(await mon.locator("input").evaluateAll((els) => els.map((e) => e.value)), ["08:30", "12:00", "13:00", "17:30"]);
  assert.equal(await hours.locator('[data-testid="weekday"][data-day="sat"] input').count(), 0, "Saturday closed");
  await hours.locator('[data-testid="holiday"][data-date="2026-10-01"]').waitFor();
  assert.equal(await hours.locator('[data-testid="extra-open-day"][data-date="2026-09-27"] input[name="extra-0-0-end"]').inputValue(), "17:00");
  // The message is text in a text box, never markup.
  assert.equal(await hours.locator('textarea[name="outside-hours-message"]').inputValue(), expected.outside_hours_message);
  assert.equal(await page.locator("b", { hasText: "not bold" }).count(), 0);
  assert.equal(await sla.locator('input[name="sla-name"]').inputValue(), "Chat");
  assert.equal(await sla.locator('input[name="sla-business-hours"]').isChecked(), true);
  assert.equal(await sla.locator('input[name="sla-urgent-first_response_s"]').inputValue(), "5");
  assert.equal(await sla.locator('input[name="sla-normal-resolution_s"]').inputValue(), "1440");
  assert.equal(await sla.locator('input[name="sla-high-next_response_s"]').inputValue(), "");

  // Clearing business hours (always open) keeps everything else.
  await hours.locator('input[name="business-hours-enabled"]').uncheck();
  await hours.getByTestId("always-open").waitFor();
  await page.getByTestId("inbox-save").click();
  await detail.getByTestId("admin-ok").waitFor();
  const { business_hours: _cleared, ...rest } = expected;
  let now;
  for (let i = 0; i < 50; i++) {
    now = (await admin.get(`/inboxes/${DEMO_INBOX}`)).settings;
    if (!("business_hours" in now)) break;
    await page.waitForTimeout(100);
  }
  assert.deepEqual(now, rest);

  assert.deepEqual(problems, []);
  await ctx.close();
});

test("a calendar the server refuses shows its message and stores nothing", { timeout: 90_000 }, async () => {
  const problems = [];
  const admin = await apiClient(kefu.origin, ADMIN);
  const inbox = await admin.post("/inboxes", { name: "Hotline", channel: "api" });
  const hoursSet = {
    time_zone: "Europe/Berlin",
    weekly: { mon: WEEKDAY, tue: WEEKDAY, wed: WEEKDAY, thu: WEEKDAY, fri: WEEKDAY, sat: [], sun: [] },
  };
  await admin.patch(`/inboxes/${inbox.id}`, { settings: { business_hours: hoursSet } });
  const stored = (await admin.get(`/inboxes/${inbox.id}`)).settings;

  const { ctx, page } = await adminPage(problems);
  await page.goto(`${kefu.origin}/admin/inboxes/${inbox.id}`);
  const detail = page.getByTestId("inbox-detail");
  const hours = detail.getByTestId("inbox-business-hours");
  assert.equal(await hours.locator('input[name="business-hours-time-zone"]').inputValue(), "Europe/Berlin");

  // An hour that does not exist.
  await hours.locator('input[name="bh-tue-0-end"]').fill("25:00");
  await detail.getByTestId("inbox-sla").locator('input[name="sla-enabled"]').check();
  await page.getByTestId("inbox-save").click();
  const error = detail.getByTestId("admin-error");
  await error.filter({ hasText: "business_hours.weekly.tue[0]" }).waitFor();
  assert.match(await error.textContent(), /"25:00" is not a time of day/);
  assert.deepEqual((await admin.get(`/inboxes/${inbox.id}`)).settings, stored, "nothing stored");

  // An end before its start.
  await hours.locator('input[name="bh-tue-0-end"]').fill("18:00");
  await hours.locator('input[name="bh-wed-0-start"]').fill("19:00");
  await page.getByTestId("inbox-save").click();
  await error.filter({ hasText: "business_hours.weekly.wed[0]: end 18:00 must be after start 19:00" }).waitFor();
  assert.deepEqual((await admin.get(`/inboxes/${inbox.id}`)).settings, stored, "nothing stored");
  assert.equal(await detail.getByTestId("admin-ok").count(), 0);

  // Mended, it saves.
  await hours.locator('input[name="bh-wed-0-start"]').fill("09:00");
  await page.getByTestId("inbox-save").click();
  await detail.getByTestId("admin-ok").waitFor();
  const saved = (await admin.get(`/inboxes/${inbox.id}`)).settings;
  assert.deepEqual(saved.business_hours, hoursSet);
  assert.deepEqual(saved.sla, { name: "Standard", business_hours: true, targets: {} });

  assert.deepEqual(problems, []);
  await ctx.close();
});
