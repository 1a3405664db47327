// Leads scenario: a sales rep (zone, team and rep created through the API as set-up) creates
// a lead in the UI, sees its grade and score breakdown, logs a call and sees the status turn
// "contacted" and the score's actions part go up.
import { assert, scenario, step } from "./harness.mjs";
import { BASE_URL, byTestId, launchBrowser, login, newSession, openMenu, waitForApi } from "./lib.mjs";

scenario("leads");

const ADMIN_USER = process.env.ADMIN_USERNAME || "admin";
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD || "";
const run = Date.now().toString(36);
const digits = String(Date.now()).slice(-8);
const PASSWORD = `E2e-${run}-Pw!9`;
const rep = { username: `e2e_lead_rep_${run}`, display: `E2E线索销售-${run}` };
const lead = { company: `E2E线索公司-${run}`, contact: `王经理-${run}`, mobile: `139${digits}` };

let browser;
let token;

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

step("set up: admin creates a zone, a team and a sales rep through the API", async () => {
  assert(ADMIN_PASSWORD, "ADMIN_PASSWORD is not set");
  const res = await fetch(`${BASE_URL}/api/v1/auth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username: ADMIN_USER, password: ADMIN_PASSWORD }),
  });
  assert(res.ok, `admin token: ${res.status}`);
  token = (await res.json()).access_token;
  const zone = await apiCall("POST", "/sales-zones", { name: `E2E线索战区-${run}`, code: `E2EL-${run}`.toUpperCase() });
  const team = await apiCall("POST", "/teams", { name: `E2E线索团队-${run}`, zone_id: zone.id });
  await apiCall("POST", "/users", {
    username: rep.username,
    display_name: rep.display,
    password: PASSWORD,
    roles: ["sales_rep"],
    team_id: team.id,
  });
  browser = await launchBrowser();
});

step("the rep creates a lead in the UI, sees its grade, logs a call and sees status contacted", async () => {
  const page = await newSession(browser);
  try {
    await login(page, rep.username, PASSWORD);
    await openMenu(page, "menu-leads");
    await byTestId(page, "lead-table").waitFor();
    await byTestId(page, "lead-create").click();
    await byTestId(page, "lead-company").fill(lead.company);
    await byTestId(page, "lead-contact").fill(lead.contact);
    await byTestId(page, "lead-mobile").fill(lead.mobile);
    await byTestId(page, "lead-industry").fill("制造业");
    const created = waitForApi(page, "/api/v1/leads", [], "POST");
    await byTestId(page, "lead-save").click();
    const res = await created;
    assert(res.status() === 201, `create lead answered ${res.status()}: ${await res.text()}`);
    const body = await res.json();

    await page.waitForURL(`**/leads/${body.id}`);
    await byTestId(page, "lead-title").filter({ hasText: lead.company }).waitFor();
    const grade = (await byTestId(page, "lead-header").locator('[data-testid="lead-grade"]').first().innerText()).trim();
    assert(/^[ABCD]$/.test(grade), `grade badge shows "${grade}"`);
    assert(grade === body.grade, `grade badge ${grade} differs from the API's ${body.grade}`);
    const status = byTestId(page, "lead-header").locator('[data-testid="lead-status"]').first();
    assert((await status.getAttribute("data-status")) === "new", "a new lead starts as new");
    const explainBefore = await byTestId(page, "lead-score-explain").innerText();

    const logged = waitForApi(page, `/api/v1/leads/${body.id}/actions`, [], "POST");
    await byTestId(page, "lead-action-note").fill(`E2E首次电话-${run}`);
    await byTestId(page, "lead-action-submit").click();
    const lr = await logged;
    assert(lr.ok(), `log action answered ${lr.status()}`);
    await byTestId(page, "lead-header").locator('[data-testid="lead-status"][data-status="contacted"]').waitFor();
    await byTestId(page, "lead-action-item").filter({ hasText: `E2E首次电话-${run}` }).waitFor();
    await page.waitForFunction(
      (before) => document.querySelector('[data-testid="lead-score-explain"]')?.textContent !== before,
      explainBefore,
    );
  } catch (e) {
    await page.screenshot({ path: `e2e/artifacts/leads-${Date.now()}.png`, fullPage: true }).catch(() => undefined);
    throw e;
  } finally {
    await page.context().close();
  }
});

step("tear down: close the browser", async () => {
  await browser?.close();
});
