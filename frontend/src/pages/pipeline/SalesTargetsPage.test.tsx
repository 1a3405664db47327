import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { App as AntApp } from "antd";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, renderPage, type Seen } from "../../test/fakeApi";
import type { SalesTarget } from "./pipelineHelpers";
import { SalesTargetsPage } from "./SalesTargetsPage";

function target(scope_type: SalesTarget["scope_type"], scope_id: string, scope_name: string, amount: string): SalesTarget {
  return {
    id: `g-${scope_id}`,
    scope_type,
    scope_id,
    scope_name,
    month: "2026-11",
    amount,
    currency: "CNY",
    business_line_id: null,
    set_by: { id: "m1", display_name: "王经理" },
    version: 1,
    updated_at: "2026-11-01T02:00:00Z",
  };
}

const TEAMS = [
  { id: "t1", name: "华东一组", zone_id: "z1", parent_id: null, manager: { id: "m1", display_name: "王经理" }, member_count: 3, version: 1 },
  { id: "t9", name: "华南组", zone_id: "z2", parent_id: null, manager: null, member_count: 2, version: 1 },
];
const user = (id: string, display_name: string) => ({ id, username: id, display_name, is_active: true, team_id: "t1", zone_ids: [] });

function server(put?: (req: Seen) => Response, targets = [target("team", "t1", "华东一组", "3000000.00"), target("user", "r1", "李四", "1000000.00")]) {
  return fakeApi((req) => {
    if (req.path === "/sales-targets" && req.method === "GET") return json({ items: targets });
    if (req.path === "/sales-targets/batch") return put ? put(req) : json({ items: [] });
    if (req.path === "/teams") return json({ items: TEAMS });
    if (req.path === "/users" && req.query.get("team_id") === "t1") return json({ items: [user("r1", "李四"), user("r2", "王五")], next_cursor: null });
    return json({ items: [], next_cursor: null });
  });
}

const MANAGER = { opportunity: { read: "team" }, sales_target: { manage: "team" }, business_line: { read: "all" } } as const;
const REP = { opportunity: { read: "own" }, business_line: { read: "all" } } as const;

function open(permissions: typeof MANAGER | typeof REP, userId = "m1") {
  return renderPage(
    <AntApp>
      <SalesTargetsPage />
    </AntApp>,
    { url: "/pipeline/targets?month=2026-11", path: "/pipeline/targets", permissions, user: { id: userId, team_id: userId === "m1" ? "t1" : null } as never },
  );
}

const row = (key: string) => screen.getAllByTestId("sales-target-row").find((r) => r.getAttribute("data-key") === key)!;
const input = (key: string) => within(row(key)).getByTestId("sales-target-input");

describe("SalesTargetsPage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("lets a manager set their team's and reps' targets in one batch, amounts as typed, and shows a refusal on its row", async () => {
    const seen = server(() =>
      json({ type: "about:blank", title: "Unprocessable", status: 422, detail: "items.1.amount: too large", errors: [{ field: "items.1.amount", message: "金额过大" }] }, 422),
    );
    open(MANAGER);
    await waitFor(() => expect(screen.getAllByTestId("sales-target-row").map((r) => r.getAttribute("data-key"))).toEqual(["team:t1", "user:r1", "user:r2"]));
    expect(within(row("team:t1")).getByTestId("sales-target-current")).toHaveTextContent("¥3,000,000.00");
    expect(within(row("user:r2")).getByTestId("sales-target-current")).toHaveTextContent("未设置");
    expect(seen.some((s) => s.path === "/users" && s.query.get("team_id") === "t1")).toBe(true);

    // a bad amount is caught before anything is sent
    fireEvent.change(input("user:r2"), { target: { value: "12.345" } });
    fireEvent.click(screen.getByTestId("sales-targets-save"));
    expect(await within(row("user:r2")).findByTestId("sales-target-error")).toHaveTextContent("最多两位小数");
    expect(seen.some((s) => s.path === "/sales-targets/batch")).toBe(false);

    fireEvent.change(input("team:t1"), { target: { value: "5000000.00" } });
    fireEvent.change(input("user:r2"), { target: { value: "2400000.10" } });
    fireEvent.click(screen.getByTestId("sales-targets-save"));
    await waitFor(() => expect(seen.some((s) => s.path === "/sales-targets/batch")).toBe(true));
    const put = seen.find((s) => s.path === "/sales-targets/batch")!;
    expect(put.method).toBe("PUT");
    expect(put.body).toBe(
      JSON.stringify({
        items: [
          { scope_type: "team", scope_id: "t1", month: "2026-11", amount: "5000000.00", currency: "CNY" },
          { scope_type: "user", scope_id: "r2", month: "2026-11", amount: "2400000.10", currency: "CNY" },
        ],
      }),
    );
    // items.1 is the second row sent: 王五's
    expect(await within(row("user:r2")).findByTestId("sales-target-error")).toHaveTextContent("金额过大");
    expect(within(row("team:t1")).queryByTestId("sales-target-error")).toBeNull();
    expect(input("user:r2")).toHaveValue("2400000.10"); // the edit stays for a retry
  });

  it("shows a rep their own target, read-only", async () => {
    const seen = server(undefined, [target("user", "u1", "Rep", "800000.00")]);
    open(REP, "u1");
    await waitFor(() => expect(screen.getAllByTestId("sales-target-row").map((r) => r.getAttribute("data-key"))).toEqual(["user:u1"]));
    expect(within(row("user:u1")).getByTestId("sales-target-current")).toHaveTextContent("¥800,000.00");
    expect(screen.queryByTestId("sales-target-input")).toBeNull();
    expect(screen.queryByTestId("sales-targets-save")).toBeNull();
    expect(screen.getByTestId("sales-targets-readonly")).toBeInTheDocument();
    expect(seen.some((s) => s.path === "/teams")).toBe(false);
  });
});
