import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Me, Pool } from "../../api/types";
import { en, zhCN } from "../../i18n/messages";
import { isGroup, visibleMenu } from "../../layout/menuConfig";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import { PoolAdminPage } from "./PoolAdminPage";
import { formToTargets, permissionsBody, targetsToForm, togglePermission, type PoolPermissions, type PoolTargets } from "./poolAdmin";

const POOLS: Pool[] = [
  { id: "p-east", name: "华东战区 公海", zone_id: "z-east", is_default: true, description: null, is_active: true, customers: 12, version: 1 },
  { id: "p-maker", name: "制造业公海", zone_id: null, is_default: false, description: "工业客户", is_active: true, customers: 3, version: 2 },
  { id: "p-empty", name: "空公海", zone_id: null, is_default: false, description: null, is_active: true, customers: 0, version: 1 },
  { id: "p-old", name: "旧公海", zone_id: null, is_default: false, description: null, is_active: false, customers: 0, version: 4 },
];

const PERMISSIONS: PoolPermissions = {
  pool_id: "p-maker",
  custom: false,
  roles: [
    { role: "admin", label: "管理员 / Administrator", can_view: true, can_claim: true, can_allocate: true },
    { role: "sales_manager", label: "销售经理 / Sales manager", can_view: true, can_claim: true, can_allocate: true },
    { role: "sales_rep", label: "销售代表 / Sales rep", can_view: true, can_claim: true, can_allocate: false },
  ],
};

const TARGETS: PoolTargets = {
  rules: [
    { industries: ["制造业"], tiers: [], levels: [], zone_ids: [], pool_id: "p-maker" },
    { industries: [], tiers: ["A"], levels: ["KA"], zone_ids: ["z-east"], pool_id: "p-empty" },
  ],
};

const ADMIN = { pool: { read: "all", claim: "all", allocate: "all", manage: "all" }, setting: { read: "all", update: "all" } };

function server(extra: (req: Seen) => Response | null = () => null) {
  return fakeApi((req) => {
    const answer = extra(req);
    if (answer) return answer;
    if (req.path === "/pools") {
      const status = req.query.get("status") ?? "active";
      return json({ items: POOLS.filter((p) => status === "all" || p.is_active === (status === "active")) });
    }
    if (req.path === "/sales-zones") return json({ items: [{ id: "z-east", name: "华东战区" }], next_cursor: null });
    if (req.path === "/customer-tiers") return json({ items: [{ code: "A", name: "A 类", sort_order: 1, no_follow_up_days: 30 }] });
    if (req.path === "/settings/pool-targets") return json(TARGETS);
    if (req.path === "/pools/p-maker/permissions") return json(PERMISSIONS);
    return json({ status: 404, title: "Not found" }, 404);
  });
}

const open = () => renderPage(<PoolAdminPage />, { url: "/settings/pools", path: "/settings/pools", permissions: ADMIN });

describe("pool administration helpers", () => {
  it("keeps claim and allocate within view", () => {
    const rows = PERMISSIONS.roles;
    const noView = togglePermission(rows, "sales_rep", "can_view", false);
    expect(noView.find((r) => r.role === "sales_rep")).toMatchObject({ can_view: false, can_claim: false, can_allocate: false });
    const allocate = togglePermission(noView, "sales_rep", "can_allocate", true);
    expect(allocate.find((r) => r.role === "sales_rep")).toMatchObject({ can_view: true, can_claim: false, can_allocate: true });
    expect(permissionsBody(allocate).roles[2]).toEqual({ role: "sales_rep", can_view: true, can_claim: false, can_allocate: true });
  });

  it("turns the target rules into rows and back, in order", () => {
    const form = targetsToForm(TARGETS);
    expect(formToTargets({ rules: [form.rules[1]!, { ...form.rules[0]!, industries: [" 汽车 ", ""] }] })).toEqual({
      rules: [TARGETS.rules[1], { ...TARGETS.rules[0], industries: ["汽车"] }],
    });
  });
});

describe("the pool administration menu entry", () => {
  it("shows under settings only with pool:manage", () => {
    const keysOf = (perms: object) =>
      visibleMenu(perms as Me["permissions"])
        .flatMap((n) => (isGroup(n) ? n.children : [n]))
        .map((e) => e.key);
    expect(keysOf({ pool: { read: "all", claim: "all", allocate: "all" }, setting: { read: "all" } })).not.toContain("pool-admin");
    expect(keysOf({ pool: { read: "all", manage: "all" } })).toContain("pool-admin");
    expect([zhCN["menu.poolAdmin"], en["menu.poolAdmin"]]).toEqual(["公海池管理", "Pools"]);
  });
});

describe("PoolAdminPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("lists every pool with its state; a default pool cannot be deactivated", async () => {
    const seen = server();
    open();
    const old = await screen.findByTestId("pool-admin-row-p-old");
    expect(within(old).getByTestId("pool-admin-state")).toHaveTextContent("停用");
    expect(within(old).getByTestId("pool-admin-activate-p-old")).toBeInTheDocument();
    expect(screen.getByTestId("pool-admin-deactivate-p-east")).toBeDisabled();
    expect(seen.find((s) => s.path === "/pools")!.query.get("status")).toBe("all");
    fireEvent.click(within(screen.getByTestId("pool-admin-status")).getByText("停用"));
    await waitFor(() => expect(seen.filter((s) => s.path === "/pools").map((s) => s.query.get("status"))).toContain("inactive"));
    expect(await screen.findByTestId("pool-admin-row-p-old")).toBeInTheDocument();
    expect(screen.queryByTestId("pool-admin-row-p-east")).toBeNull();
  });

  it("renames a pool with If-Match", async () => {
    const seen = server((req) => (req.method === "PATCH" ? json({ ...POOLS[1], name: "制造业公海池", version: 3 }) : null));
    open();
    fireEvent.click(await screen.findByTestId("pool-admin-edit-p-maker"));
    fireEvent.change(await screen.findByTestId("pool-edit-name"), { target: { value: "制造业公海池" } });
    fireEvent.click(screen.getByTestId("pool-edit-ok"));
    await waitFor(() => expect(seen.some((s) => s.method === "PATCH")).toBe(true));
    const patch = seen.find((s) => s.method === "PATCH")!;
    expect(patch.path).toBe("/pools/p-maker");
    expect(patch.headers.get("If-Match")).toBe('"2"');
    expect(JSON.parse(patch.body)).toEqual({ name: "制造业公海池", description: "工业客户" });
  });

  it("deactivates a pool holding customers only with a pool to move them to", async () => {
    const seen = server((req) => (req.method === "PATCH" ? json({ ...POOLS[1], is_active: false, customers: 0, version: 3 }) : null));
    open();
    fireEvent.click(await screen.findByTestId("pool-admin-deactivate-p-maker"));
    expect(await screen.findByText("该公海还有 3 个客户，停用前需转入另一个公海。")).toBeInTheDocument();
    fireEvent.click(screen.getByTestId("pool-deactivate-ok"));
    expect(await screen.findByText("请选择公海")).toBeInTheDocument();
    expect(seen.some((s) => s.method === "PATCH")).toBe(false);

    const select = screen.getByTestId("pool-deactivate-move-to");
    fireEvent.mouseDown(select.querySelector(".ant-select-selector")!);
    const options = await screen.findAllByTitle("空公海");
    fireEvent.click(options.find((o) => o.classList.contains("ant-select-item-option"))!);
    expect(screen.queryAllByTitle("制造业公海").filter((o) => o.classList.contains("ant-select-item-option"))).toEqual([]);
    fireEvent.click(screen.getByTestId("pool-deactivate-ok"));
    await waitFor(() => expect(seen.some((s) => s.method === "PATCH")).toBe(true));
    const patch = seen.find((s) => s.method === "PATCH")!;
    expect(JSON.parse(patch.body)).toEqual({ is_active: false, move_to_pool_id: "p-empty" });
    expect(patch.headers.get("If-Match")).toBe('"2"');
  });

  it("shows the server's refusal of a deactivation", async () => {
    server((req) =>
      req.method === "PATCH" ? json({ status: 409, title: "Conflict", detail: "pool target rules 1 send customers to this pool: change them first" }, 409) : null,
    );
    open();
    fireEvent.click(await screen.findByTestId("pool-admin-deactivate-p-empty"));
    fireEvent.click(await screen.findByTestId("pool-deactivate-ok"));
    expect(await screen.findByText(/change them first/)).toBeInTheDocument();
  });

  it("sets the per-role permissions of a pool", async () => {
    const seen = server((req) => (req.method === "PUT" && req.path === "/pools/p-maker/permissions" ? json({ ...PERMISSIONS, custom: true }) : null));
    open();
    fireEvent.click(await screen.findByTestId("pool-admin-permissions-p-maker"));
    expect(await screen.findByTestId("pool-perm-state")).toHaveTextContent("沿用各角色的公海权限");
    expect(screen.getByTestId("pool-perm-reset")).toBeDisabled();
    await waitFor(() => expect(screen.getByTestId("pool-perm-sales_rep-can_claim")).toBeChecked());
    fireEvent.click(screen.getByTestId("pool-perm-sales_rep-can_view")); // off: claim goes too
    expect(screen.getByTestId("pool-perm-sales_rep-can_claim")).not.toBeChecked();
    fireEvent.click(screen.getByTestId("pool-perm-sales_manager-can_allocate"));
    fireEvent.click(screen.getByTestId("pool-perm-save"));
    await waitFor(() => expect(seen.some((s) => s.method === "PUT")).toBe(true));
    expect(JSON.parse(seen.find((s) => s.method === "PUT")!.body)).toEqual({
      roles: [
        { role: "admin", can_view: true, can_claim: true, can_allocate: true },
        { role: "sales_manager", can_view: true, can_claim: true, can_allocate: false },
        { role: "sales_rep", can_view: false, can_claim: false, can_allocate: false },
      ],
    });
  });

  it("edits the target rules in order and shows a rule's error on its row", async () => {
    const seen = server((req) =>
      req.method === "PUT" && req.path === "/settings/pool-targets"
        ? json({ title: "Invalid input", status: 422, errors: [{ field: "rules.0.pool_id", message: "no such active pool" }] }, 422)
        : null,
    );
    open();
    await waitFor(() => expect(screen.getByTestId("pool-targets-1-down")).toBeDisabled());
    fireEvent.click(screen.getByTestId("pool-targets-1-up"));
    fireEvent.click(screen.getByTestId("pool-targets-save"));
    await waitFor(() => expect(seen.some((s) => s.method === "PUT")).toBe(true));
    expect(JSON.parse(seen.find((s) => s.method === "PUT")!.body)).toEqual({ rules: [TARGETS.rules[1], TARGETS.rules[0]] });
    const pool = screen.getByTestId("pool-targets-0-pool").closest(".ant-form-item") as HTMLElement;
    expect(await within(pool).findByText("no such active pool")).toBeInTheDocument();
  });

  it("refuses a new rule without a pool", async () => {
    const seen = server();
    open();
    fireEvent.click(await screen.findByTestId("pool-targets-add"));
    fireEvent.click(screen.getByTestId("pool-targets-2-remove"));
    fireEvent.click(screen.getByTestId("pool-targets-add"));
    fireEvent.click(screen.getByTestId("pool-targets-save"));
    expect(await screen.findByText("请选择公海")).toBeInTheDocument();
    expect(seen.some((s) => s.method === "PUT")).toBe(false);
  });
});
