// Browser helpers for the e2e scenarios: playwright-core driving the system Chromium.
import { chromium } from "playwright-core";
import { assert } from "./harness.mjs";

export const BASE_URL = (process.env.BASE_URL || "http://127.0.0.1:8000").replace(/\/$/, "");
export const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS || 15000);

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A fresh browser context (own localStorage, so own session) for one user. */
export async function newSession(browser) {
  const context = await browser.newContext({ baseURL: BASE_URL, locale: "zh-CN", viewport: { width: 1440, height: 900 } });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  page.on("pageerror", (e) => console.log(`    [page error] ${e.message}`));
  return page;
}

export const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

/** The <input> carrying a data-testid, or the input inside the element that carries it. */
export const inputOf = (page, id) => page.locator(`input[data-testid="${id}"], [data-testid="${id}"] input`).first();

export async function login(page, username, password) {
  await page.goto("/login");
  await byTestId(page, "login-username").fill(username);
  await byTestId(page, "login-password").fill(password);
  await byTestId(page, "login-submit").click();
  const error = byTestId(page, "login-error");
  await Promise.race([
    byTestId(page, "current-user").waitFor(),
    error.waitFor().then(async () => {
      throw new Error(`login as ${username} failed: ${await error.innerText()}`);
    }),
  ]);
}

export async function logout(page) {
  await byTestId(page, "logout").click();
  await byTestId(page, "login-form").waitFor();
}

/** Navigates through the side menu (so menu visibility is exercised too). */
export async function openMenu(page, testId) {
  await byTestId(page, testId).click();
}

/**
 * Picks an option in an Ant Design Select identified by the data-testid on its root.
 * `search` is typed first for selects that search (user pickers).
 */
export async function pickOption(page, testId, label, { search, multiple = false } = {}) {
  const select = byTestId(page, testId);
  await select.click();
  if (search !== undefined) await select.locator("input").fill(search);
  const option = page.locator(".ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option", { hasText: label });
  await option.first().waitFor();
  await option.first().click();
  if (multiple) {
    // A multiple select keeps its dropdown open; close it without Escape (which would close a modal).
    const modalTitle = page.locator(".ant-modal-title:visible");
    if (await modalTitle.count()) await modalTitle.last().click();
    else await page.locator(".ant-card-head-title:visible").first().click();
  }
  await page.locator(".ant-select-dropdown:not(.ant-select-dropdown-hidden)").waitFor({ state: "hidden" }).catch(() => undefined);
}

/**
 * Waits until no Ant Design dialog or drawer is still in its opening animation. A click while
 * the dialog zooms in can be computed against one frame and land in another (seen on a loaded
 * CI machine: the dialog's Cancel or Confirm click did nothing); a person never clicks that fast.
 */
export async function dialogSettled(page) {
  await page.waitForFunction(() => !document.querySelector(".ant-zoom-appear, .ant-zoom-enter, .ant-drawer-panel-motion-appear, .ant-drawer-panel-motion-enter"));
}

/** Clicks a modal's OK button (by data-testid) and waits for the modal to close. */
export async function submitModal(page, okTestId) {
  const ok = byTestId(page, okTestId);
  await dialogSettled(page);
  await ok.click();
  await ok.waitFor({ state: "detached" });
}

/** Waits for a GET of `pathPart` whose URL contains every string in `contains`. */
export function waitForApi(page, pathPart, contains = [], method = "GET") {
  const response = page.waitForResponse(
    (r) => r.request().method() === method && r.url().includes(pathPart) && contains.every((c) => r.url().includes(c)),
  );
  // a step that fails before awaiting this must fail as a step, not crash the runner
  response.catch(() => undefined);
  return response;
}

/** A Unified Social Credit Code with valid organisation-code and USCC check characters (GB 32100-2015). */
export function makeUscc(seed) {
  const digits = String(seed).replace(/\D/g, "").padStart(8, "0").slice(-8);
  const orgWeights = [3, 7, 9, 10, 5, 8, 4, 2];
  const orgSum = [...digits].reduce((s, d, i) => s + Number(d) * orgWeights[i], 0);
  const c9 = 11 - (orgSum % 11);
  const orgCheck = c9 === 10 ? "X" : c9 === 11 ? "0" : String(c9);
  const body = `91110000${digits}${orgCheck}`;
  const charset = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = [...body].reduce((s, ch, i) => s + charset.indexOf(ch) * weights[i], 0);
  const check = (31 - (sum % 31)) % 31;
  return body + charset[check];
}

/** An access token for a user (set-up steps call the API directly). */
export async function tokenFor(username, password) {
  const res = await fetch(`${BASE_URL}/api/v1/auth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username, password }),
  });
  assert(res.ok, `token for ${username}: ${res.status}`);
  return (await res.json()).access_token;
}

/** One API call with a bearer token; asserts a 2xx and returns the JSON body (or null). */
export async function apiCall(token, method, path, body) {
  const res = await fetch(`${BASE_URL}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  assert(res.ok, `${method} ${path} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}
