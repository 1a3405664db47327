// Webhooks scenario (integrations).
//   In the SPA, as the admin: subscribe an endpoint to customer.claimed — the secret is shown
//   once, with the verification recipe — then send a test ping. The worker delivers it; the
//   endpoint here is the app's own health URL, which refuses a POST with 405, so the delivery
//   log shows a failed attempt with its status code and the next retry. Removed afterwards.
import { assert, scenario, step as harnessStep } from "./harness.mjs";
import { BASE_URL, byTestId, launchBrowser, login, newSession, openMenu, pickOption, waitForApi } from "./lib.mjs";

scenario("webhooks");

const ADMIN_USER = process.env.ADMIN_USERNAME || "admin";
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD || "";
const run = Date.now().toString(36);
const NAME = `E2E-ERP-${run}`;

let browser;
let page;
let webhookId;

function step(name, fn) {
  harnessStep(name, async () => {
    try {
      await fn();
    } catch (e) {
      if (page && !page.isClosed()) await page.screenshot({ path: `e2e/artifacts/webhooks-${Date.now()}.png`, fullPage: true }).catch(() => undefined);
      throw e;
    }
  });
}

step("the admin subscribes an endpoint to customer.claimed and sees the secret once", async () => {
  assert(ADMIN_PASSWORD, "ADMIN_PASSWORD is not set");
  browser = await launchBrowser();
  page = await newSession(browser);
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
  await openMenu(page, "menu-webhooks");
  await byTestId(page, "webhook-create").click();
  await byTestId(page, "webhook-name").fill(NAME);
  await byTestId(page, "webhook-url").fill(`${BASE_URL}/api/v1/health`);
  await pickOption(page, "webhook-event-select", "customer.claimed", { search: "customer.claimed" });
  await page.locator(".ant-drawer-title").click(); // close the multiple select's dropdown
  const created = waitForApi(page, "/api/v1/webhooks", [], "POST");
  await byTestId(page, "webhook-save").click();
  const response = await created;
  assert(response.status() === 201, `create answered ${response.status()}`);
  webhookId = (await response.json()).id;
  const secret = await byTestId(page, "webhook-secret").innerText();
  assert(secret.includes("whsec_"), `the secret is shown once: ${secret}`);
  await byTestId(page, "webhook-recipe").waitFor();
  await byTestId(page, "webhook-secret-done").click();
  await page.locator(`[data-testid="webhook-table"] tr[data-name="${NAME}"]`).waitFor();
});

step("a test ping goes out through the worker; the delivery log shows the endpoint's 405 and the next retry", async () => {
  const row = page.locator(`[data-testid="webhook-table"] tr[data-name="${NAME}"]`);
  const sent = waitForApi(page, `/api/v1/webhooks/${webhookId}/test`, [], "POST");
  await row.locator('[data-testid="webhook-test"]').click();
  assert((await sent).status() === 202, "the ping was queued");
  await row.locator('[data-testid="webhook-open"]').click();
  await byTestId(page, "delivery-table").waitFor();
  const logged = page.locator('[data-testid="delivery-table"] tr[data-id]', { hasText: "405" });
  for (let i = 0; i < 30 && !(await logged.count()); i++) {
    await page.waitForTimeout(1000);
    await page.reload();
    await byTestId(page, "delivery-table").waitFor();
  }
  assert(await logged.count(), "the delivery log shows the attempt's 405 within 30 s");
  await logged.first().click();
  const attempts = byTestId(page, "delivery-attempts");
  await attempts.getByText("405").first().waitFor();
  await byTestId(page, "delivery-payload").getByText("webhook.ping").first().waitFor();
});

step("tear down: remove the subscription, close the browser", async () => {
  if (webhookId) {
    const token = await page.evaluate(() => window.localStorage.getItem("crm.auth.access_token"));
    assert(token, "the admin's session token");
    const res = await fetch(`${BASE_URL}/api/v1/webhooks/${webhookId}`, { method: "DELETE", headers: { Authorization: `Bearer ${token}` } });
    assert(res.status === 204, `delete answered ${res.status}`);
  }
  await browser?.close();
});
