// Customer records and settings against the real API, as the admin:
//   server-side field errors land on the form (invalid USCC, bad contact mobile), then the
//   customer saves; a contact reporting to another shows in the org chart; the tier select is
//   filled from GET /customer-tiers and a renamed tier shows on the customer; the audit tab
//   lists the customer's whole history; the list sorts and filters by tier; after creating a
//   user, each user edit dialog shows the user it was opened for.
import { assert, scenario, step as harnessStep } from "./harness.mjs";
import { byTestId, inputOf, launchBrowser, login, makeUscc, newSession, openMenu, pickOption, submitModal, waitForApi } from "./lib.mjs";

scenario("customers");

const ADMIN_USER = process.env.ADMIN_USERNAME || "admin";
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD || "";
const run = Date.now().toString(36);
// random, not the clock: the other spec derives its USCC from the clock at the same moment
const digits = String(Math.floor(Math.random() * 1e8)).padStart(8, "0");
const customer = { name: `E2E档案客户-${run}`, uscc: makeUscc(digits) };
const boss = `周总-${run}`;
const buyer = `吴采购-${run}`;
const tierName = `C 类（成长）-${run}`;

let browser;
let page;
let customerId;

/** A step that leaves a screenshot of the page in e2e/artifacts when it fails. */
function step(name, fn) {
  harnessStep(name, async () => {
    try {
      await fn();
    } catch (e) {
      await page?.screenshot({ path: `e2e/artifacts/customers-${Date.now()}.png`, fullPage: true }).catch(() => undefined);
      throw e;
    }
  });
}

step("set up: browser, admin session", async () => {
  assert(ADMIN_PASSWORD, "ADMIN_PASSWORD is not set");
  browser = await launchBrowser();
  page = await newSession(browser);
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
});

step("server field errors show on the form, then the customer saves", async () => {
  await openMenu(page, "menu-customers");
  await byTestId(page, "customer-create").click();
  await byTestId(page, "customer-name-input").fill(customer.name);
  await byTestId(page, "customer-uscc-input").fill("91110000ABCDEFGHIJ"); // letters the code may not contain
  await byTestId(page, "contact-0-name").fill(boss);
  await byTestId(page, "contact-0-mobile").fill("12345");
  const rejected = waitForApi(page, "/api/v1/customers", [], "POST");
  await byTestId(page, "customer-submit").click();
  const res = await rejected;
  assert(res.status() === 422, `invalid USCC answered ${res.status()}, expected 422`);
  const usccItem = page.locator(".ant-form-item", { has: byTestId(page, "customer-uscc-input") });
  await usccItem.locator(".ant-form-item-explain-error").waitFor();
  const mobileItem = page.locator(".ant-form-item", { has: byTestId(page, "contact-0-mobile") });
  await mobileItem.locator(".ant-form-item-explain-error").waitFor();
  assert(/\/customers\/new$/.test(page.url()), "left the form after a rejected save");

  await byTestId(page, "customer-uscc-input").fill(customer.uscc);
  await byTestId(page, "contact-0-mobile").fill(`139${digits}`);
  await byTestId(page, "contact-1-name").fill(buyer);
  await pickOption(page, "customer-tier", /^C/);
  await byTestId(page, "customer-submit").click();
  await page.waitForURL(/\/customers\/[0-9a-f-]{8,}$/i);
  customerId = new URL(page.url()).pathname.split("/").pop();
  await byTestId(page, "customer-name").filter({ hasText: customer.name }).waitFor();
  await byTestId(page, "customer-tier-tag").waitFor();
});

step("a contact reporting to another shows under them in the org chart", async () => {
  await byTestId(page, "customer-tab-contacts").click();
  await byTestId(page, "contacts-table").getByText(buyer).waitFor();
  const row = byTestId(page, "contacts-table").locator("tr", { hasText: buyer });
  await row.getByRole("button", { name: /编\s*辑/ }).click();
  const reportsTo = page.locator(".ant-modal .ant-form-item", { hasText: "直属上级" }).locator(".ant-select");
  await reportsTo.click();
  await page.locator(".ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option", { hasText: boss }).click();
  await submitModal(page, "contact-save");
  // the buyer's node is nested in the boss's subtree
  const bossNode = byTestId(page, "org-chart").locator(".ant-tree-treenode", { hasText: boss });
  await byTestId(page, "contacts-table").locator("tr", { hasText: buyer }).getByText(boss).waitFor();
  await byTestId(page, "org-chart").locator(".ant-tree-treenode", { hasText: buyer }).waitFor();
  await page.waitForTimeout(400); // the tree's expand animation
  const levels = await byTestId(page, "org-chart")
    .locator(".ant-tree-treenode")
    .evaluateAll((nodes) => nodes.map((n) => [n.textContent, n.querySelectorAll(".ant-tree-indent-unit").length]));
  const bossLevel = levels.find(([text]) => text.includes(boss))?.[1];
  const buyerLevel = levels.find(([text]) => text.includes(buyer))?.[1];
  assert(bossLevel !== undefined && buyerLevel === bossLevel + 1, `org chart levels: ${JSON.stringify(levels)}`);
  assert((await bossNode.count()) === 1, "boss shows once in the org chart");
});

step("a renamed tier (PATCH /customer-tiers/C) shows on the customer", async () => {
  await openMenu(page, "menu-levels-tiers");
  const row = byTestId(page, "tier-criteria-table").locator('tr[data-code="C"]');
  await row.locator('[data-testid="tier-criteria-edit"]').click();
  await byTestId(page, "tier-criteria-name").fill(tierName);
  const saved = waitForApi(page, "/api/v1/customer-tiers/C", [], "PATCH");
  await submitModal(page, "tier-criteria-save");
  assert((await saved).ok(), "tier rename failed");
  await row.filter({ hasText: tierName }).waitFor();
  await page.goto(`/customers/${customerId}`);
  await byTestId(page, "customer-tier-tag").filter({ hasText: tierName }).waitFor();
});

step("the audit tab lists the customer and its contacts (GET /audit-log?customer_id=)", async () => {
  const loaded = waitForApi(page, "/api/v1/audit-log", [`customer_id=${customerId}`]);
  await byTestId(page, "customer-tab-audit").click();
  assert((await loaded).ok(), "audit log request failed");
  const table = byTestId(page, "audit-table");
  await table.getByText(customer.name).first().waitFor();
  await table.getByText(buyer).first().waitFor();
  assert((await table.locator("tbody tr").count()) >= 4, "expected create customer, 2 contacts and the contact update");
});

step("the list filters by tier and sorts by name through the API", async () => {
  await openMenu(page, "menu-customers");
  await byTestId(page, "customer-filters-toggle").click();
  await pickOption(page, "customer-filter-tier", tierName);
  const filtered = waitForApi(page, "/api/v1/customers?", ["tier=C"]);
  await byTestId(page, "customer-filter-apply").click();
  assert((await filtered).ok(), "tier filter failed");
  await page.locator(`tr[data-name="${customer.name}"]`).waitFor();
  const sorted = waitForApi(page, "/api/v1/customers?", ["sort=name"]);
  await page.getByRole("columnheader", { name: "客户名称" }).click();
  assert((await sorted).ok(), "sorting by name failed");
  await page.locator(`tr[data-name="${customer.name}"]`).waitFor();
});

step("each user dialog shows the user it was opened for", async () => {
  await openMenu(page, "menu-users");
  const rows = page.locator("tr[data-username]");
  await rows.first().waitFor();
  // a second user of our own (a fresh database has only the admin)
  await byTestId(page, "user-create").click();
  await byTestId(page, "user-username").fill(`e2e_cust_${run}`);
  await byTestId(page, "user-display-name").fill(`E2E档案员-${run}`);
  await byTestId(page, "user-password").fill(`E2e-${run}-Pw!9`);
  await pickOption(page, "user-roles", "sales_rep", { multiple: true });
  await submitModal(page, "user-save");
  await page.locator(`tr[data-username="e2e_cust_${run}"]`).waitFor();
  assert((await rows.count()) >= 2, "need two users");
  for (const i of [0, 1, 0]) {
    const row = rows.nth(i);
    const username = await row.getAttribute("data-username");
    await row.locator('[data-testid="user-edit"]').click();
    const input = byTestId(page, "user-username");
    await input.waitFor();
    const shown = await input.inputValue();
    assert(shown === username, `edit dialog for ${username} shows ${shown}`);
    await page.locator(".ant-modal-footer button", { hasText: /取\s*消/ }).click();
    await input.waitFor({ state: "detached" });
  }
  await inputOf(page, "user-search").waitFor();
});

step("tear down", async () => {
  await browser?.close();
});
