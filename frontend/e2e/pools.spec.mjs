// Public pool (公海) scenario.
//   Set-up through the API, as the admin: a sales zone (its default pool comes with it), a team
//   managed by a sales manager, three sales reps in it. Rep C creates this run's customers and
//   releases them (POST /customers, POST /customers/{id}/release), so they wait in the zone's pool.
//   Then in the SPA: reps A and B both open the pool; A claims a customer (it leaves the list, a
//   link opens it) and B's claim of the same customer, from the list B still shows, is refused
//   with the server's reason; A locks, unlocks and releases the customer from its page and lands
//   on the pool; the manager sees the previous owner, allocates 10 customers at random across the
//   three reps and reads 4/3/3; the admin saves the pool rules (restored afterwards).
import { assert, scenario, step as harnessStep } from "./harness.mjs";
import { apiCall, byTestId, inputOf, launchBrowser, login, newSession, openMenu, pickOption, tokenFor, waitForApi } from "./lib.mjs";

scenario("pools");

const ADMIN_USER = process.env.ADMIN_USERNAME || "admin";
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD || "";
const run = Date.now().toString(36);
const PASSWORD = `E2e-${run}-Pw!9`;
const manager = { username: `e2e_pool_mgr_${run}`, display: `E2E公海经理-${run}` };
const reps = ["A", "B", "C"].map((x) => ({ username: `e2e_pool_rep${x.toLowerCase()}_${run}`, display: `E2E公海销售${x}-${run}` }));
const [repA, repB, repC] = reps;
const contested = `E2E公海抢单-${run}`;
const others = Array.from({ length: 10 }, (_, i) => `E2E公海客户-${run}-${String(i + 1).padStart(2, "0")}`);
const REFUSAL = "another rep has already claimed this customer";

let browser;
let adminToken;
let zoneId;
let poolId;
let contestedId;
let rulesBefore;
let pageA;
const pages = [];

/** A step that leaves screenshots of the open pages in e2e/artifacts when it fails. */
function step(name, fn) {
  harnessStep(name, async () => {
    try {
      await fn();
    } catch (e) {
      for (const [i, p] of pages.entries()) {
        if (!p.isClosed()) await p.screenshot({ path: `e2e/artifacts/pools-${i}-${Date.now()}.png`, fullPage: true }).catch(() => undefined);
      }
      throw e;
    }
  });
}

async function open(username, password = PASSWORD) {
  const page = await newSession(browser);
  pages.push(page);
  await login(page, username, password);
  return page;
}

/** Opens the pool through the menu, narrowed to `name` by the search box unless `search` is false; returns the row. */
async function poolRow(page, name, { search = true } = {}) {
  const listed = waitForApi(page, `/api/v1/pools/${poolId}/customers`);
  await openMenu(page, "menu-pools");
  assert((await listed).ok(), "the pool list answered OK (the zone's pool is shown first)");
  if (!search) {
    const row = page.locator('[data-testid^="pool-row-"]', { hasText: name });
    await row.waitFor();
    return row;
  }
  const searched = waitForApi(page, `/api/v1/pools/${poolId}/customers`, ["q="]);
  await byTestId(page, "pool-search").fill(name);
  await byTestId(page, "pool-search").press("Enter");
  assert((await searched).ok(), "the name search answered OK");
  const row = page.locator('[data-testid^="pool-row-"]', { hasText: name });
  await row.waitFor();
  return row;
}

step("set up: a zone, a team managed by a sales manager, three reps; rep C's customers released to the pool", async () => {
  assert(ADMIN_PASSWORD, "ADMIN_PASSWORD is not set");
  adminToken = await tokenFor(ADMIN_USER, ADMIN_PASSWORD);
  const zone = await apiCall(adminToken, "POST", "/sales-zones", { name: `E2E公海战区-${run}`, code: `E2EP-${run}`.toUpperCase() });
  zoneId = zone.id;
  const mgr = await apiCall(adminToken, "POST", "/users", { username: manager.username, display_name: manager.display, password: PASSWORD, roles: ["sales_manager"] });
  const team = await apiCall(adminToken, "POST", "/teams", { name: `E2E公海团队-${run}`, zone_id: zone.id, manager_id: mgr.id });
  for (const rep of reps) {
    const user = await apiCall(adminToken, "POST", "/users", { username: rep.username, display_name: rep.display, password: PASSWORD, roles: ["sales_rep"], team_id: team.id });
    rep.id = user.id;
  }
  const pools = (await apiCall(adminToken, "GET", "/pools")).items;
  const pool = pools.find((p) => p.zone_id === zoneId && p.is_default);
  assert(pool, `the new zone has a default pool: ${JSON.stringify(pools)}`);
  poolId = pool.id;

  const repToken = await tokenFor(repC.username, PASSWORD);
  for (const name of [contested, ...others]) {
    const c = await apiCall(repToken, "POST", "/customers", { kind: "enterprise", name, industry: "制造业" });
    const released = await apiCall(repToken, "POST", `/customers/${c.id}/release`, { reason: `E2E 释放-${run}` });
    assert(released.pool_id === poolId, `${name} went to the zone's pool (${released.pool_id})`);
    if (name === contested) contestedId = c.id;
  }
  rulesBefore = await apiCall(adminToken, "GET", "/settings/pool-rules");
  browser = await launchBrowser();
});

step("rep A claims a pool customer; rep B's claim of the same customer is refused with the reason", async () => {
  const pageB = await open(repB.username);
  const rowB = await poolRow(pageB, contested);
  pageA = await open(repA.username);
  const rowA = await poolRow(pageA, contested);
  const tab = byTestId(pageA, `pool-tab-${poolId}`);
  assert(Number(await tab.getAttribute("data-count")) === 11, `the pool holds this run's 11 customers (${await tab.getAttribute("data-count")})`);
  assert((await rowA.locator('[data-testid="pool-recycle-count"]').innerText()).trim() === "0", "never recycled");
  // a rep does not see who owned it before
  assert((await rowA.locator('[data-testid="pool-previous-owner"]').count()) === 0, "no previous owner for a rep");

  const claimed = waitForApi(pageA, `/api/v1/customers/${contestedId}/claim`, [], "POST");
  await rowA.locator('[data-testid="pool-claim"]').click();
  const ca = await claimed;
  assert(ca.ok(), `A's claim answered ${ca.status()}: ${await ca.text()}`);
  await rowA.waitFor({ state: "detached" });
  await byTestId(pageA, "pool-claimed").filter({ hasText: contested }).waitFor();
  assert((await byTestId(pageA, "pool-claimed-link").getAttribute("href")) === `/customers/${contestedId}`, "the link opens the claimed customer");

  // B still shows the customer: B's claim loses
  assert((await rowB.locator('[data-testid="pool-claim"]').getAttribute("data-customer-id")) === contestedId, "B's row is the same customer");
  const refused = waitForApi(pageB, `/api/v1/customers/${contestedId}/claim`, [], "POST");
  await rowB.locator('[data-testid="pool-claim"]').click();
  const rb = await refused;
  assert(rb.status() === 409, `B's claim answered ${rb.status()}`);
  assert((await rb.json()).detail === REFUSAL, "the server says another rep got it");
  await byTestId(pageB, "pool-claim-error-detail").filter({ hasText: REFUSAL }).waitFor();
  await pageB.locator(".ant-message", { hasText: REFUSAL }).waitFor();
  // and the list is read again: the customer is gone from it
  await rowB.waitFor({ state: "detached" });
  await pageB.context().close();
});

step("rep A opens the customer, locks and unlocks it, then releases it back to the pool", async () => {
  const page = pageA;
  await byTestId(page, "pool-claimed-link").click();
  await page.waitForURL(`**/customers/${contestedId}`);
  await byTestId(page, "customer-name").filter({ hasText: contested }).waitFor();
  await byTestId(page, "customer-claimed-at").waitFor();
  assert((await byTestId(page, "customer-recycle-count").innerText()).trim() === "0", "recycled 0 times");

  const locked = waitForApi(page, `/api/v1/customers/${contestedId}/lock`, [], "POST");
  await byTestId(page, "customer-lock").click();
  assert((await locked).ok(), "lock answered OK");
  await byTestId(page, "customer-locked").waitFor();
  await page.locator('[data-testid="customer-lock"][data-locked="true"]').waitFor();
  const unlocked = waitForApi(page, `/api/v1/customers/${contestedId}/lock`, [], "POST");
  await byTestId(page, "customer-lock").click();
  assert((await unlocked).ok(), "unlock answered OK");
  await byTestId(page, "customer-locked").waitFor({ state: "detached" });

  await byTestId(page, "customer-release").click();
  await byTestId(page, "customer-release-reason").fill(`E2E 客户暂无需求-${run}`);
  const released = waitForApi(page, `/api/v1/customers/${contestedId}/release`, [], "POST");
  await byTestId(page, "customer-release-ok").click();
  const rr = await released;
  assert(rr.ok(), `release answered ${rr.status()}: ${await rr.text()}`);
  assert((await rr.json()).pool_id === poolId, "back to the zone's pool");
  await page.waitForURL("**/pools");
  await page.context().close();
});

step("the manager allocates 10 pool customers at random across the three reps: 4/3/3", async () => {
  const page = await open(manager.username);
  // the zone's pool holds only this run's 11 customers: all on the first page
  const row = await poolRow(page, `E2E公海客户-${run}-01`, { search: false });
  assert((await page.locator('[data-testid^="pool-row-"]').count()) === 11, "the 11 customers are listed");
  // managers see who owned a customer before
  assert((await row.locator('[data-testid="pool-previous-owner"]').innerText()).trim() === repC.display, "the previous owner is rep C");
  const back = page.locator('[data-testid^="pool-row-"]', { hasText: contested });
  assert((await back.locator('[data-testid="pool-previous-owner"]').innerText()).trim() === repA.display, "the released customer's previous owner is rep A");

  await byTestId(page, "pool-allocate").click();
  await byTestId(page, "allocate-dialog").waitFor();
  for (const rep of reps) await pickOption(page, "allocate-reps", rep.display, { search: rep.display, multiple: true });
  await inputOf(page, "allocate-count").fill("10");
  const allocated = waitForApi(page, `/api/v1/pools/${poolId}/allocate`, [], "POST");
  await byTestId(page, "allocate-submit").click();
  const res = await allocated;
  assert(res.ok(), `allocate answered ${res.status()}: ${await res.text()}`);
  // (the request body is not readable here: the answer shows what was asked)
  const allocation = (await res.json()).allocated;
  const counts = reps.map((r) => allocation[r.id]?.length ?? -1);
  assert(Object.keys(allocation).length === 3 && counts.sort().join("/") === "3/3/4", `allocated ${JSON.stringify(allocation)}`);

  await byTestId(page, "allocate-result").waitFor();
  const summary = (await byTestId(page, "allocate-summary").innerText()).trim();
  assert(summary === "4/3/3", `the result reads ${summary}`);
  const lines = await byTestId(page, "allocate-result-item").allInnerTexts();
  assert(lines.length === 3 && reps.every((r) => lines.some((l) => l.includes(r.display))), `per rep: ${lines.join(" | ")}`);
  await byTestId(page, "allocate-close").click();
  // one customer of the run is left in the pool
  await page.locator(`[data-testid="pool-tab-${poolId}"][data-count="1"]`).waitFor();
  const owned = await Promise.all(
    reps.map(async (r) => (await apiCall(adminToken, "GET", `/customers?owner_id=${r.id}&limit=50`)).items.length),
  );
  assert(owned.sort().join("/") === "3/3/4", `the reps own ${owned.join("/")}`);
  await page.context().close();
});

step("the admin saves the pool rules", async () => {
  const page = await open(ADMIN_USER, ADMIN_PASSWORD);
  await openMenu(page, "menu-pool-rules");
  await page.waitForFunction(() => (document.querySelector('[data-testid="pool-rules-daily-claims"]')?.value ?? "") !== "");
  const next = rulesBefore.defaults.max_daily_claims + 1;
  await inputOf(page, "pool-rules-daily-claims").fill(String(next));
  const saved = waitForApi(page, "/api/v1/settings/pool-rules", [], "PUT");
  await byTestId(page, "pool-rules-save").click();
  const sr = await saved;
  assert(sr.ok(), `save answered ${sr.status()}: ${await sr.text()}`);
  assert((await sr.json()).defaults.max_daily_claims === next, "daily claims saved");
  await page.context().close();
});

step("tear down: restore the pool rules, close the browser", async () => {
  try {
    if (rulesBefore) await apiCall(adminToken, "PUT", "/settings/pool-rules", { defaults: rulesBefore.defaults, by_role: rulesBefore.by_role });
  } finally {
    await browser?.close();
  }
});
