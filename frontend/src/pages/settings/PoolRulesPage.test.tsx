import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { PoolRules } from "../../api/types";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { PoolRulesPage } from "./PoolRulesPage";
import { duplicateRoleRows, formToBody, roleErrorAliases, rulesToForm } from "./poolRules";

const RULES: PoolRules = {
  defaults: { max_owned: 200, max_daily_claims: 20, reclaim_cooldown_days: 7, max_locked: 20 },
  by_role: { sales_manager: { max_owned: 300 } },
  by_user: { "0b6c3c1e-0000-4000-8000-000000000001": { max_daily_claims: 50 } },
};

const ROLES = [
  { name: "sales_rep", label: "销售代表 / Sales rep", is_builtin: true, policies: [] },
  { name: "sales_manager", label: "销售经理 / Sales manager", is_builtin: true, policies: [] },
];

describe("pool rules form helpers", () => {
  it("turns the rules into rows and back into the PUT body", () => {
    const form = rulesToForm({ ...RULES, by_role: { sales_rep: { max_daily_claims: 5 }, sales_manager: { max_owned: 300, max_locked: 40 } } });
    expect(form.roles).toEqual([
      { role: "sales_manager", max_owned: 300, max_daily_claims: null, reclaim_cooldown_days: null, max_locked: 40 },
      { role: "sales_rep", max_owned: null, max_daily_claims: 5, reclaim_cooldown_days: null, max_locked: null },
    ]);
    expect(
      formToBody({
        defaults: { ...RULES.defaults, max_owned: 150 },
        roles: [...form.roles, { role: null, max_owned: 9 }, { role: "sales_director", reclaim_cooldown_days: 0 }],
      }),
    ).toEqual({
      defaults: { max_owned: 150, max_daily_claims: 20, reclaim_cooldown_days: 7, max_locked: 20 },
      by_role: { sales_manager: { max_owned: 300, max_locked: 40 }, sales_rep: { max_daily_claims: 5 }, sales_director: { reclaim_cooldown_days: 0 } },
    });
  });

  it("finds a role listed twice and maps the server's role errors onto rows", () => {
    const rows = [{ role: "sales_rep" }, { role: "sales_manager" }, { role: "sales_rep" }, { role: null }];
    expect(duplicateRoleRows(rows)).toEqual([2]);
    const aliases = roleErrorAliases(rows.slice(0, 2));
    expect(aliases["by_role.sales_manager.max_locked"]).toEqual(["roles", 1, "max_locked"]);
    expect(aliases["by_role.sales_rep"]).toEqual(["roles", 0, "role"]);
  });
});

function server(put?: (req: Seen) => Response) {
  return fakeApi((req) => {
    if (req.method === "PUT" && put) return put(req);
    if (req.path === "/settings/pool-rules") return json(RULES);
    if (req.path === "/roles") return json({ items: ROLES });
    return json({ status: 404, title: "Not found" }, 404);
  });
}

/** Picks an option of the role select of row `row` (not the chosen value of another row). */
async function pickRole(row: number, title: string) {
  const select = await screen.findByTestId(`pool-rules-role-${row}`);
  fireEvent.mouseDown(select.querySelector(".ant-select-selector")!);
  const options = await screen.findAllByTitle(title);
  fireEvent.click(options.find((o) => o.classList.contains("ant-select-item-option"))!);
}

const ADMIN = { setting: { read: "all", update: "all" }, role: { read: "all" } };

describe("PoolRulesPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("is read-only without setting:update", async () => {
    server();
    renderPage(<PoolRulesPage />, { url: "/settings/pool-rules", path: "/settings/pool-rules", permissions: { setting: { read: "all" } } });
    await waitFor(() => expect(screen.getByTestId("pool-rules-max-owned")).toHaveValue("200"));
    expect(screen.getByTestId("pool-rules-max-owned")).toBeDisabled();
    expect(screen.getByTestId("pool-rules-role-0-max-owned")).toHaveValue("300");
    expect(screen.getByTestId("pool-rules-role-0-max-owned")).toBeDisabled();
    expect(screen.queryByTestId("pool-rules-save")).toBeNull();
    expect(screen.queryByTestId("pool-rules-role-add")).toBeNull();
    expect(screen.queryByTestId("pool-rules-role-remove-0")).toBeNull();
    expect(screen.getByTestId("pool-rules-by-user")).toHaveTextContent("另有 1 个用户的单独限制");
  });

  it("saves the defaults and the per-role limits", async () => {
    const seen = server((req) => json({ ...RULES, ...(JSON.parse(req.body) as object), by_user: RULES.by_user }));
    renderPage(<PoolRulesPage />, { url: "/settings/pool-rules", path: "/settings/pool-rules", permissions: ADMIN });
    await waitFor(() => expect(screen.getByTestId("pool-rules-daily-claims")).toHaveValue("20"));
    fireEvent.change(screen.getByTestId("pool-rules-daily-claims"), { target: { value: "30" } });
    // the manager's row: also a lower cooldown; a new row for the reps
    fireEvent.change(screen.getByTestId("pool-rules-role-0-cooldown"), { target: { value: "3" } });
    fireEvent.click(screen.getByTestId("pool-rules-role-add"));
    await pickRole(1, "销售代表 (sales_rep)");
    fireEvent.change(screen.getByTestId("pool-rules-role-1-max-locked"), { target: { value: "5" } });
    fireEvent.click(screen.getByTestId("pool-rules-save"));

    await waitFor(() => expect(seen.some((s) => s.method === "PUT")).toBe(true));
    const put = seen.find((s) => s.method === "PUT")!;
    expect(put.path).toBe("/settings/pool-rules");
    expect(JSON.parse(put.body)).toEqual({
      defaults: { max_owned: 200, max_daily_claims: 30, reclaim_cooldown_days: 7, max_locked: 20 },
      by_role: { sales_manager: { max_owned: 300, reclaim_cooldown_days: 3 }, sales_rep: { max_locked: 5 } },
    });
    // per-user limits are not sent: the server keeps them
    expect(JSON.parse(put.body)).not.toHaveProperty("by_user");
  });

  it("removes a role's row and refuses a role listed twice", async () => {
    const seen = server((req) => json({ ...RULES, by_role: {}, ...(JSON.parse(req.body) as object) }));
    renderPage(<PoolRulesPage />, { url: "/settings/pool-rules", path: "/settings/pool-rules", permissions: ADMIN });
    await waitFor(() => expect(screen.getByTestId("pool-rules-role-0-max-owned")).toHaveValue("300"));
    fireEvent.click(screen.getByTestId("pool-rules-role-add"));
    await pickRole(1, "销售经理 (sales_manager)");
    expect(await screen.findByText("该角色已经设置过")).toBeInTheDocument();
    expect(screen.getByTestId("pool-rules-save")).toBeDisabled();

    fireEvent.click(screen.getByTestId("pool-rules-role-remove-1"));
    fireEvent.click(screen.getByTestId("pool-rules-role-remove-0"));
    await waitFor(() => expect(screen.getByTestId("pool-rules-save")).toBeEnabled());
    fireEvent.click(screen.getByTestId("pool-rules-save"));
    await waitFor(() => expect(seen.some((s) => s.method === "PUT")).toBe(true));
    expect(JSON.parse(seen.find((s) => s.method === "PUT")!.body)).toEqual({ defaults: RULES.defaults, by_role: {} });
  });

  it("shows the server's field errors on their fields, a role's on its row", async () => {
    server(() =>
      json(
        {
          title: "Invalid input",
          status: 422,
          errors: [
            { field: "body.defaults.max_owned", message: "Input should be less than or equal to 100000" },
            { field: "body.by_role.sales_manager.max_locked", message: "Input should be greater than or equal to 0" },
          ],
        },
        422,
      ),
    );
    renderPage(<PoolRulesPage />, { url: "/settings/pool-rules", path: "/settings/pool-rules", permissions: ADMIN });
    await waitFor(() => expect(screen.getByTestId("pool-rules-max-owned")).toHaveValue("200"));
    fireEvent.click(screen.getByTestId("pool-rules-save"));
    const owned = screen.getByTestId("pool-rules-max-owned").closest(".ant-form-item") as HTMLElement;
    expect(await within(owned).findByText("Input should be less than or equal to 100000")).toBeInTheDocument();
    const locked = screen.getByTestId("pool-rules-role-0-max-locked").closest(".ant-form-item") as HTMLElement;
    expect(await within(locked).findByText("Input should be greater than or equal to 0")).toBeInTheDocument();
  });
});
