// Approvals scenario (issue 5).
//   Set-up through the API, as the admin: a sales zone, a team managed by a sales manager, a rep
//   in it; the rep creates two customers. Then in the SPA: the rep asks for KA on the first
//   customer from its page; the manager finds it in the approval inbox (badge, pending tab),
//   opens it — the change normal → KA and the steps are shown — and approves; the customer is KA.
//   The rep asks for KA on the second customer; the manager rejects it with a reason; the level
//   stays normal, and the rep's submitted tab shows the request rejected with that reason.
//   Last, the admin previews in Settings → Approval flows who would approve a sample request of
//   this rep (a sample flow made for the run: the manager; the zone's director above 100 units,
//   and this zone has none, so that step would wait in the admin queue); the flow is switched off.
import { assert, scenario, step as harnessStep } from "./harness.mjs";
import { BASE_URL, apiCall, byTestId, launchBrowser, login, newSession, pickOption, submitModal, tokenFor, waitForApi } from "./lib.mjs";

scenario("approvals");

const ADMIN_USER = process.env.ADMIN_USERNAME || "admin";
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD || "";
const run = Date.now().toString(36);
const PASSWORD = `E2e-${run}-Pw!9`;
const manager = { username: `e2e_appr_mgr_${run}`, display: `E2E审批经理-${run}` };
const rep = { username: `e2e_appr_rep_${run}`, display: `E2E审批销售-${run}` };
const first = `E2E审批客户甲-${run}`;
const second = `E2E审批客户乙-${run}`;
const REJECTION = `采购额未达到 KA 标准-${run}`;

let browser;
let repToken;
let adminToken;
let sampleFlowId;
const ids = {};
const pages = [];
let repPage;
let managerPage;

function step(name, fn) {
  harnessStep(name, async () => {
    try {
      await fn();
    } catch (e) {
      for (const [i, p] of pages.entries()) {
        if (!p.isClosed()) await p.screenshot({ path: `e2e/artifacts/approvals-${i}-${Date.now()}.png`, fullPage: true }).catch(() => undefined);
      }
      throw e;
    }
  });
}

async function open(username) {
  const page = await newSession(browser);
  pages.push(page);
  await login(page, username, PASSWORD);
  return page;
}

async function customerLevel(page, customerId) {
  const loaded = waitForApi(page, `/api/v1/customers/${customerId}`);
  await page.goto(`/customers/${customerId}`);
  assert((await loaded).ok(), "the customer page loaded");
  const tag = byTestId(page, "customer-level");
  await tag.waitFor();
  return tag.getAttribute("data-level");
}

/** The rep asks for KA from the customer's page; returns the request id. */
async function askForKa(customerId, reason) {
  const loaded = waitForApi(repPage, `/api/v1/customers/${customerId}`);
  await repPage.goto(`/customers/${customerId}`);
  assert((await loaded).ok(), "the customer page loaded");
  await byTestId(repPage, "level-request").click();
  await pickOption(repPage, "level-request-to", "KA");
  await byTestId(repPage, "level-request-reason").fill(reason);
  const sent = waitForApi(repPage, `/api/v1/customers/${customerId}/level-requests`, [], "POST");
  await submitModal(repPage, "level-request-ok");
  const response = await sent;
  assert(response.status() === 201, `the level request answered ${response.status()}`);
  await byTestId(repPage, "level-request-pending").waitFor();
  return (await response.json()).id;
}

/** The manager opens the request from the pending tab of the inbox. */
async function openFromInbox(customerName) {
  const listed = waitForApi(managerPage, "/api/v1/approvals", ["box=pending"]);
  await byTestId(managerPage, "menu-approvals").click();
  assert((await listed).ok(), "the inbox answered OK");
  const row = managerPage.locator('[data-testid="approvals-table"] tr', { hasText: customerName });
  await row.waitFor();
  await row.locator('[data-testid="approval-link"]').click();
  await byTestId(managerPage, "approval-detail").waitFor();
}

step("set up: a zone, a team managed by a sales manager, a rep with two customers", async () => {
  assert(ADMIN_PASSWORD, "ADMIN_PASSWORD is not set");
  adminToken = await tokenFor(ADMIN_USER, ADMIN_PASSWORD);
  const zone = await apiCall(adminToken, "POST", "/sales-zones", { name: `E2E审批战区-${run}`, code: `E2EA-${run}`.toUpperCase() });
  const mgr = await apiCall(adminToken, "POST", "/users", { username: manager.username, display_name: manager.display, password: PASSWORD, roles: ["sales_manager"] });
  const team = await apiCall(adminToken, "POST", "/teams", { name: `E2E审批团队-${run}`, zone_id: zone.id, manager_id: mgr.id });
  await apiCall(adminToken, "POST", "/users", { username: rep.username, display_name: rep.display, password: PASSWORD, roles: ["sales_rep"], team_id: team.id });
  repToken = await tokenFor(rep.username, PASSWORD);
  for (const name of [first, second]) {
    ids[name] = (await apiCall(repToken, "POST", "/customers", { kind: "enterprise", name, industry: "制造业" })).id;
  }
  browser = await launchBrowser();
  repPage = await open(rep.username);
  managerPage = await open(manager.username);
});

step("the rep asks for KA from the customer's page; the manager's inbox shows it waiting", async () => {
  ids.firstRequest = await askForKa(ids[first], `年采购额超过 200 万-${run}`);
  await managerPage.reload();
  const badge = byTestId(managerPage, "menu-approvals-count");
  await badge.waitFor();
  assert(Number(await badge.getAttribute("data-count")) >= 1 || /\d/.test(await badge.innerText()), "the menu shows a pending count");
  await openFromInbox(first);
  const changes = await byTestId(managerPage, "approval-changes").innerText();
  assert(changes.includes("KA"), `the change normal → KA is shown: ${changes}`);
  await byTestId(managerPage, "approval-steps").waitFor();
});

step("the manager approves; the customer's level becomes KA", async () => {
  await byTestId(managerPage, "approval-approve").click();
  await byTestId(managerPage, "approval-comment").fill("同意升级");
  const decided = waitForApi(managerPage, `/api/v1/approvals/${ids.firstRequest}/approve`, [], "POST");
  await submitModal(managerPage, "approval-action-ok");
  const response = await decided;
  assert(response.ok(), `approve answered ${response.status()}`);
  assert((await response.json()).status === "approved", "the request is approved");
  await managerPage.locator('[data-testid="approval-status"]', { hasText: /通过|approved/i }).first().waitFor();
  assert((await customerLevel(repPage, ids[first])) === "KA", "the customer is KA now");
});

step("a second request is rejected with a reason and nothing changes", async () => {
  ids.secondRequest = await askForKa(ids[second], `计划扩大采购-${run}`);
  await openFromInbox(second);
  await byTestId(managerPage, "approval-reject").click();
  await byTestId(managerPage, "approval-comment").fill(REJECTION);
  const decided = waitForApi(managerPage, `/api/v1/approvals/${ids.secondRequest}/reject`, [], "POST");
  await submitModal(managerPage, "approval-action-ok");
  assert((await decided).ok(), "reject answered OK");
  assert((await customerLevel(repPage, ids[second])) === "normal", "the level stays normal");
  const detail = await apiCall(repToken, "GET", `/approvals/${ids.secondRequest}`);
  assert(detail.status === "rejected" && detail.can_resubmit, `the rep may resubmit: ${detail.status}`);

  const listed = waitForApi(repPage, "/api/v1/approvals", ["box=submitted"]);
  await byTestId(repPage, "menu-approvals").click();
  await byTestId(repPage, "approvals-tab-submitted").click();
  assert((await listed).ok(), "the submitted tab answered OK");
  const row = repPage.locator('[data-testid="approvals-table"] tr', { hasText: second });
  await row.waitFor();
  await row.locator('[data-testid="approval-link"]').click();
  const timeline = byTestId(repPage, "approval-timeline");
  await timeline.waitFor();
  assert((await timeline.innerText()).includes(REJECTION), "the rejection reason is in the timeline");
});

step("the admin previews who would approve a sample request of 500 units, then of 50", async () => {
  const flow = await apiCall(adminToken, "POST", "/approval-flows", {
    kind: "sample",
    name: `E2E送样审批-${run}`,
    priority: 900,
    steps: [
      { name: "经理", approvers: [{ kind: "manager" }] },
      { name: "总监", approvers: [{ kind: "zone_role", role: "sales_director" }], conditions: [{ field: "quantity", op: "gt", value: "100" }] },
    ],
  });
  sampleFlowId = flow.id;
  const adminPage = await newSession(browser);
  pages.push(adminPage);
  await login(adminPage, ADMIN_USER, ADMIN_PASSWORD);
  await byTestId(adminPage, "menu-approval-flows").click();
  await adminPage.locator('[data-testid="approval-flow-name-cell"]', { hasText: flow.name }).waitFor();
  await pickOption(adminPage, "approval-preview-applicant", rep.display, { search: rep.display });
  await byTestId(adminPage, "approval-preview-quantity").fill("500");
  const previewed = waitForApi(adminPage, "/api/v1/approval-flows/preview", [], "POST");
  await byTestId(adminPage, "approval-preview-run").click();
  assert((await previewed).ok(), "the preview answered OK");
  assert((await byTestId(adminPage, "approval-preview-flow").innerText()).includes(flow.name), "the run's sample flow is chosen");
  const approvers = await byTestId(adminPage, "approval-preview-step-0-approvers").innerText();
  assert(approvers.includes(manager.display), `the rep's manager decides step 1: ${approvers}`);
  await byTestId(adminPage, "approval-preview-step-1-admin-queue").waitFor();

  await byTestId(adminPage, "approval-preview-quantity").fill("50");
  const again = waitForApi(adminPage, "/api/v1/approval-flows/preview", [], "POST");
  await byTestId(adminPage, "approval-preview-run").click();
  assert((await again).ok(), "the second preview answered OK");
  await byTestId(adminPage, "approval-preview-step-1-skipped").waitFor();
});

step("clean up: the run's sample flow is switched off", async () => {
  if (sampleFlowId) {
    const res = await fetch(`${BASE_URL}/api/v1/approval-flows/${sampleFlowId}`, { headers: { Authorization: `Bearer ${adminToken}` } });
    const etag = res.headers.get("etag");
    const off = await fetch(`${BASE_URL}/api/v1/approval-flows/${sampleFlowId}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json", "If-Match": etag },
      body: JSON.stringify({ is_active: false }),
    });
    assert(off.ok, `switching the flow off answered ${off.status}`);
  }
  await browser?.close();
});
