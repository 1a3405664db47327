// Lead import, pool and notifications scenario. Set-up through the API: a zone with a team, a
// sales rep in it, a marketing user (who may import) and an assignment rule sending leads of
// this run's product to the zone's pool. Then in the UI: the marketer imports a CSV (one bad
// row), follows the progress to done, downloads the error report, sees the "file imported
// before" warning on a re-upload and the import notification; the rep claims an imported lead
// from the pool, releases it, and is refused a reclaim with the server's reason; the admin
// edits the lead rules.
import { assert, scenario, step } from "./harness.mjs";
import { BASE_URL, byTestId, inputOf, launchBrowser, login, newSession, openMenu, waitForApi } from "./lib.mjs";

scenario("lead-import");

const ADMIN_USER = process.env.ADMIN_USERNAME || "admin";
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD || "";
const run = Date.now().toString(36);
const digits = String(Date.now()).slice(-7);
const PASSWORD = `E2e-${run}-Pw!9`;
const marketer = { username: `e2e_imp_mkt_${run}`, display: `E2E导入市场-${run}` };
const rep = { username: `e2e_imp_rep_${run}`, display: `E2E导入销售-${run}` };
const product = `E2E导入产品-${run}`;
const companies = [`E2E导入甲-${run}`, `E2E导入乙-${run}`];
const csv = [
  "公司名称,联系人,手机",
  `${companies[0]},张三,138${digits}1`,
  `${companies[1]},李四,138${digits}2`,
  ",王五,13800000003",
  "",
].join("\r\n");
const file = { name: `e2e-leads-${run}.csv`, mimeType: "text/csv", buffer: Buffer.from(csv, "utf-8") };
// a second small file: one more lead (and a second notification)
const file2 = { name: `e2e-leads-2-${run}.csv`, mimeType: "text/csv", buffer: Buffer.from(`公司名称,手机\r\nE2E导入丙-${run},138${digits}4\r\n`, "utf-8") };

let browser;
let token;
let ruleId;
let importId;
let rulesBefore;

async function apiCall(method, path, body) {
  const res = await fetch(`${BASE_URL}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  assert(res.ok, `${method} ${path} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

async function shot(page, name) {
  await page.screenshot({ path: `e2e/artifacts/${name}-${Date.now()}.png`, fullPage: true }).catch(() => undefined);
}

step("set up: zone, team, rep, marketer and a pool rule for this run's product", async () => {
  assert(ADMIN_PASSWORD, "ADMIN_PASSWORD is not set");
  const res = await fetch(`${BASE_URL}/api/v1/auth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username: ADMIN_USER, password: ADMIN_PASSWORD }),
  });
  assert(res.ok, `admin token: ${res.status}`);
  token = (await res.json()).access_token;
  const zone = await apiCall("POST", "/sales-zones", { name: `E2E导入战区-${run}`, code: `E2EI-${run}`.toUpperCase() });
  const team = await apiCall("POST", "/teams", { name: `E2E导入团队-${run}`, zone_id: zone.id });
  await apiCall("POST", "/users", { username: rep.username, display_name: rep.display, password: PASSWORD, roles: ["sales_rep"], team_id: team.id });
  await apiCall("POST", "/users", { username: marketer.username, display_name: marketer.display, password: PASSWORD, roles: ["marketing"] });
  const rule = await apiCall("POST", "/assignment-rules", {
    name: `E2E导入线索池-${run}`,
    position: 0,
    conditions: { all: [{ field: "product", op: "eq", value: product }] },
    action_type: "zone_pool",
    action_target: { zone_id: zone.id },
  });
  ruleId = rule.id;
  rulesBefore = await apiCall("GET", "/settings/lead-rules");
  browser = await launchBrowser();
});

step("the marketer uploads a CSV, maps it, follows the import to done and downloads the error report", async () => {
  const page = await newSession(browser);
  try {
    await login(page, marketer.username, PASSWORD);
    await openMenu(page, "menu-lead-import");
    await byTestId(page, "import-steps").waitFor();

    const template = page.waitForEvent("download");
    await byTestId(page, "import-template-xlsx").click();
    assert((await template).suggestedFilename().endsWith(".xlsx"), "the template downloads as .xlsx");

    const uploaded = waitForApi(page, "/api/v1/imports", [], "POST");
    await page.locator('input[type="file"]').setInputFiles(file);
    const up = await uploaded;
    assert(up.status() === 201, `upload answered ${up.status()}: ${await up.text()}`);
    importId = (await up.json()).id;
    await page.waitForURL(`**/leads/import/${importId}`);

    // the suggested mapping recognises the Chinese headers
    await byTestId(page, "import-mapping").waitFor();
    const header = await byTestId(page, "import-map-row-0").getAttribute("data-header");
    assert(header === "公司名称", `first column is ${header}`);
    // the field labels arrive with GET /imports/fields: wait for the select to show its label
    await byTestId(page, "import-map-0").filter({ hasText: "公司名称" }).waitFor({ timeout: 10_000 }).catch(() => undefined);
    assert((await byTestId(page, "import-map-0").innerText()).includes("公司名称"), "company column mapped to the company name");
    assert((await byTestId(page, "import-mapping-errors").count()) === 0, "no mapping problems");
    await byTestId(page, "import-default-product").fill(product);

    const started = waitForApi(page, `/api/v1/imports/${importId}/start`, [], "POST");
    await byTestId(page, "import-start").click();
    const st = await started;
    assert(st.status() === 202, `start answered ${st.status()}: ${await st.text()}`);
    await page.locator('[data-testid="import-status"][data-status="done"]').waitFor({ timeout: 60000 });
    assert((await byTestId(page, "import-progress").getAttribute("data-percent")) === "100", "progress at 100%");
    assert((await byTestId(page, "import-created").innerText()).trim() === "2", "two leads created");
    assert((await byTestId(page, "import-failed").innerText()).trim() === "1", "one row failed");

    const report = page.waitForEvent("download");
    await byTestId(page, "import-errors-xlsx").click();
    assert((await report).suggestedFilename().endsWith(".xlsx"), "the error report downloads as .xlsx");
    await byTestId(page, `import-row-${importId}`).waitFor();

    // the same file again: warned, not started
    await byTestId(page, "import-new").click();
    await page.waitForURL("**/leads/import");
    const again = waitForApi(page, "/api/v1/imports", [], "POST");
    await page.locator('input[type="file"]').setInputFiles(file);
    assert((await again).status() === 201, "the re-upload is accepted");
    await byTestId(page, "import-same-file").waitFor();
    const earlier = await byTestId(page, "import-same-file-link").getAttribute("href");
    assert(earlier === `/leads/import/${importId}`, `the warning links the earlier import (${earlier})`);

    // not that one: another file, imported too
    await byTestId(page, "import-restart").click();
    await page.waitForURL("**/leads/import");
    const second = waitForApi(page, "/api/v1/imports", [], "POST");
    await page.locator('input[type="file"]').setInputFiles(file2);
    assert((await second).status() === 201, "the second file is accepted");
    await byTestId(page, "import-mapping").waitFor();
    assert((await byTestId(page, "import-same-file").count()) === 0, "a new file is not flagged");
    await byTestId(page, "import-default-product").fill(product);
    await byTestId(page, "import-start").click();
    await page.locator('[data-testid="import-status"][data-status="done"]').waitFor({ timeout: 60000 });
    assert((await byTestId(page, "import-created").innerText()).trim() === "1", "one lead created from the second file");
    assert((await byTestId(page, "import-errors-xlsx").count()) === 0, "no error report without failed rows");

    // the imports' notifications: one opens its import and is read; then all are marked read
    await page.goto("/leads");
    await byTestId(page, "notification-count").filter({ hasText: "2" }).waitFor();
    await byTestId(page, "notification-bell").click();
    const item = byTestId(page, "notification-item").filter({ hasText: file.name }).first();
    await item.waitFor();
    assert((await item.getAttribute("data-unread")) === "true", "the import notification is unread");
    const read = waitForApi(page, "/api/v1/notifications/read", [], "POST");
    await item.click();
    assert((await read).ok(), "marking read answered OK");
    await page.waitForURL(`**/leads/import/${importId}`);
    await byTestId(page, "notification-bell").click();
    await byTestId(page, "notification-read-all").click();
    await byTestId(page, "notification-count").waitFor({ state: "detached" });
  } catch (e) {
    await shot(page, "lead-import");
    throw e;
  } finally {
    await page.context().close();
  }
});

step("the rep claims an imported lead from the pool, releases it and may not reclaim it", async () => {
  const page = await newSession(browser);
  try {
    await login(page, rep.username, PASSWORD);
    await openMenu(page, "menu-leads");
    const pool = waitForApi(page, "/api/v1/leads", ["pool=true", "sort=grade"]);
    await byTestId(page, "lead-pool-tab").click();
    assert((await pool).ok(), "the pool list answered OK");
    const row = page.locator('[data-testid^="lead-row-"]', { hasText: companies[0] });
    await row.waitFor();
    assert((await row.locator('[data-testid="lead-queue"]').getAttribute("data-queue")) === "pool", "the lead waits in the pool");

    const claimed = waitForApi(page, "/claim", [], "POST");
    await row.locator('[data-testid="claim-lead"]').click();
    const cr = await claimed;
    assert(cr.ok(), `claim answered ${cr.status()}: ${await cr.text()}`);
    const leadId = (await cr.json()).id;
    await row.waitFor({ state: "detached" });

    await page.goto(`/leads/${leadId}`);
    await byTestId(page, "lead-title").filter({ hasText: companies[0] }).waitFor();
    await byTestId(page, "lead-release").click();
    await byTestId(page, "lead-release-reason").fill(`E2E释放-${run}`);
    const released = waitForApi(page, `/api/v1/leads/${leadId}/release`, [], "POST");
    await byTestId(page, "lead-release-ok").click();
    assert((await released).ok(), "release answered OK");

    // back in the pool (shown next), but it left this rep: a reclaim is refused with the server's reason
    await page.waitForURL("**/leads?view=pool");
    const back = page.locator('[data-testid^="lead-row-"]', { hasText: companies[0] });
    await back.waitFor();
    assert((await back.locator('[data-testid="lead-queue"]').getAttribute("data-queue")) === "pool", "the released lead waits in the pool");
    const refused = waitForApi(page, "/claim", [], "POST");
    await back.locator('[data-testid="claim-lead"]').click();
    const rr = await refused;
    assert(rr.status() === 422 || rr.status() === 409, `reclaim answered ${rr.status()}`);
    const detail = (await rr.json()).detail;
    await page.locator(".ant-message", { hasText: detail }).waitFor();
  } catch (e) {
    await shot(page, "lead-pool");
    throw e;
  } finally {
    await page.context().close();
  }
});

step("the admin changes the lead rules and sees the scoring preview", async () => {
  const page = await newSession(browser);
  try {
    await login(page, ADMIN_USER, ADMIN_PASSWORD);
    await openMenu(page, "menu-lead-rules");
    const input = inputOf(page, "lead-rules-daily-claims");
    await page.waitForFunction(() => (document.querySelector('[data-testid="lead-rules-daily-claims"]')?.value ?? "") !== "");
    await input.fill("25");
    const saved = waitForApi(page, "/api/v1/settings/lead-rules", [], "PUT");
    await byTestId(page, "lead-rules-save").click();
    const sr = await saved;
    assert(sr.ok(), `save answered ${sr.status()}: ${await sr.text()}`);
    assert((await sr.json()).max_daily_claims === 25, "daily claims saved");
    const preview = (await byTestId(page, "lead-scoring-preview").innerText()).trim();
    assert(/^[ABCD]：渠道 \d+ \+ 完整度 \d+ \+ 行为 \d+ = \d+$/.test(preview), `preview reads "${preview}"`);
  } catch (e) {
    await shot(page, "lead-rules");
    throw e;
  } finally {
    await page.context().close();
  }
});

step("tear down: restore the lead rules, drop the rule, close the browser", async () => {
  try {
    if (rulesBefore) await apiCall("PUT", "/settings/lead-rules", rulesBefore);
    if (ruleId) await apiCall("DELETE", `/assignment-rules/${ruleId}`);
  } finally {
    await browser?.close();
  }
});
