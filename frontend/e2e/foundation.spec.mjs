// Foundation scenario: org set-up by the admin, then customer visibility by data scope.
//   admin creates a sales zone, a team in it, two reps and a manager (set as team manager);
//   rep A creates an enterprise customer with two contacts and logs a follow-up;
//   rep B sees it neither in the list nor at /customers/<id> (not-found page);
//   the manager sees it.
import { assert, scenario, step } from "./harness.mjs";
import { byTestId, inputOf, launchBrowser, login, makeUscc, newSession, openMenu, pickOption, submitModal, waitForApi } from "./lib.mjs";

scenario("foundation");

const ADMIN_USER = process.env.ADMIN_USERNAME || "admin";
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD || "";
const run = Date.now().toString(36);
const digits = String(Date.now()).slice(-8);
const PASSWORD = `E2e-${run}-Pw!9`;

const zone = { name: `E2E战区-${run}`, code: `E2E-${run}`.toUpperCase() };
const team = { name: `E2E团队-${run}` };
const repA = { username: `e2e_rep_a_${run}`, display: `E2E销售A-${run}`, mobile: `138${digits}` };
const repB = { username: `e2e_rep_b_${run}`, display: `E2E销售B-${run}`, mobile: `137${digits}` };
const manager = { username: `e2e_mgr_${run}`, display: `E2E经理-${run}`, mobile: `136${digits}` };
const customer = { name: `E2E客户有限公司-${run}`, uscc: makeUscc(digits) };
const contacts = [
  { name: `张总-${run}`, title: "总经理", mobile: `139${digits}` },
  { name: `李工-${run}`, title: "采购经理", mobile: `135${digits}` },
];
const followUp = `E2E首次电话沟通-${run}`;

let browser;
let customerId;

async function as(user, password, fn) {
  const page = await newSession(browser);
  try {
    await login(page, user, password);
    await fn(page);
  } catch (e) {
    await page.screenshot({ path: `e2e/artifacts/${user}-${Date.now()}.png`, fullPage: true }).catch(() => undefined);
    throw e;
  } finally {
    await page.context().close();
  }
}

/** Searches the customers list by name; resolves to whether a row with that exact name shows. */
async function customerVisibleInList(page, name) {
  await openMenu(page, "menu-customers");
  const search = inputOf(page, "customer-search");
  await search.fill(name);
  const loaded = waitForApi(page, "/api/v1/customers?", [run]);
  await search.press("Enter");
  const res = await loaded;
  assert(res.ok(), `customer search answered ${res.status()}`);
  await page.locator(".ant-table-tbody").waitFor();
  await page.waitForTimeout(300);
  return (await page.locator(`.ant-table-tbody tr[data-name="${name}"]`).count()) > 0;
}

async function createUser(page, u, role) {
  await byTestId(page, "user-create").click();
  await byTestId(page, "user-username").fill(u.username);
  await byTestId(page, "user-display-name").fill(u.display);
  await byTestId(page, "user-password").fill(PASSWORD);
  await byTestId(page, "user-mobile").fill(u.mobile);
  await pickOption(page, "user-roles", role, { multiple: true });
  await pickOption(page, "user-team", team.name);
  const created = waitForApi(page, "/api/v1/users", [], "POST");
  await submitModal(page, "user-save");
  const res = await created;
  u.id = (await res.json()).id;
  await page.locator(`tr[data-username="${u.username}"]`).waitFor();
}

step("set up: browser and admin password", async () => {
  assert(ADMIN_PASSWORD, "ADMIN_PASSWORD is not set");
  browser = await launchBrowser();
});

step("admin creates a sales zone, a team in it, two reps and a manager", async () => {
  await as(ADMIN_USER, ADMIN_PASSWORD, async (page) => {
    // sales zone
    await openMenu(page, "menu-zones");
    await byTestId(page, "zone-create").click();
    await byTestId(page, "zone-name").fill(zone.name);
    await byTestId(page, "zone-code").fill(zone.code);
    await inputOf(page, "zone-quota").fill("50");
    await submitModal(page, "zone-save");
    await page.locator(`tr[data-name="${zone.name}"]`).waitFor();

    // team in the zone
    await openMenu(page, "menu-teams");
    await byTestId(page, "team-create").click();
    await byTestId(page, "team-name").fill(team.name);
    await pickOption(page, "team-zone", zone.name);
    await submitModal(page, "team-save");
    await page.locator(`tr[data-name="${team.name}"]`).waitFor();

    // users
    await openMenu(page, "menu-users");
    await createUser(page, repA, "sales_rep");
    await createUser(page, repB, "sales_rep");
    await createUser(page, manager, "sales_manager");

    // the manager manages the team
    await openMenu(page, "menu-teams");
    const row = page.locator(`tr[data-name="${team.name}"]`);
    await row.locator('[data-testid="team-edit"]').click();
    await pickOption(page, "team-manager", manager.display, { search: manager.display });
    await submitModal(page, "team-save");
    await row.filter({ hasText: manager.display }).waitFor();
  });
});

step("rep A creates an enterprise customer with two contacts and logs a follow-up", async () => {
  await as(repA.username, PASSWORD, async (page) => {
    await openMenu(page, "menu-customers");
    await byTestId(page, "customer-create").click();
    await page.locator('label:has([data-testid="customer-kind-enterprise"])').click();
    await byTestId(page, "customer-name-input").fill(customer.name);
    await byTestId(page, "customer-uscc-input").fill(customer.uscc);
    for (const [i, c] of contacts.entries()) {
      if ((await byTestId(page, `contact-${i}-name`).count()) === 0) await byTestId(page, "contact-add-row").click();
      await byTestId(page, `contact-${i}-name`).fill(c.name);
      await byTestId(page, `contact-${i}-title`).fill(c.title);
      await byTestId(page, `contact-${i}-mobile`).fill(c.mobile);
    }
    await byTestId(page, "customer-submit").click();
    await page.waitForURL(/\/customers\/[0-9a-f-]{8,}$/i);
    customerId = new URL(page.url()).pathname.split("/").pop();
    await byTestId(page, "customer-name").filter({ hasText: customer.name }).waitFor();

    await byTestId(page, "customer-tab-contacts").click();
    for (const c of contacts) await byTestId(page, "contacts-table").getByText(c.name).waitFor();

    await byTestId(page, "customer-tab-follow-ups").click();
    await byTestId(page, "followup-content").fill(followUp);
    await byTestId(page, "followup-submit").click();
    await byTestId(page, "followup-item").filter({ hasText: followUp }).waitFor();

    assert(await customerVisibleInList(page, customer.name), "rep A does not see their own customer in the list");
  });
});

step("rep B sees the customer neither in the list nor by direct URL", async () => {
  assert(customerId, "no customer id from the previous step");
  await as(repB.username, PASSWORD, async (page) => {
    assert(!(await customerVisibleInList(page, customer.name)), "rep B sees rep A's customer in the list");
    await page.goto(`/customers/${customerId}`);
    await byTestId(page, "not-found").waitFor();
    assert((await byTestId(page, "customer-detail").count()) === 0, "rep B sees rep A's customer detail");
  });
});

step("the team manager sees the customer, its contacts and follow-up", async () => {
  await as(manager.username, PASSWORD, async (page) => {
    assert(await customerVisibleInList(page, customer.name), "the manager does not see the team's customer in the list");
    await page.locator(`tr[data-name="${customer.name}"] [data-testid="customer-link"]`).click();
    await byTestId(page, "customer-name").filter({ hasText: customer.name }).waitFor();
    assert(new URL(page.url()).pathname === `/customers/${customerId}`, "manager opened another customer");
    await byTestId(page, "customer-tab-contacts").click();
    for (const c of contacts) await byTestId(page, "contacts-table").getByText(c.name).waitFor();
    await byTestId(page, "customer-tab-follow-ups").click();
    await byTestId(page, "followup-item").filter({ hasText: followUp }).waitFor();
  });
});

step("tear down", async () => {
  await browser?.close();
});
