import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Me } from "../api/types";
import { AuthContext, type AuthValue } from "../auth/context";
import { can } from "../auth/permissions";
import { I18nProvider } from "../i18n/I18nProvider";
import { fakeApi, json } from "../test/fakeApi";
import { SideMenu } from "./AppLayout";
import { firstAllowedPath, isGroup, visibleMenu } from "./menuConfig";

const repPerms: Me["permissions"] = {
  customer: { read: "own", create: "own", update: "own" },
  contact: { read: "own", create: "own" },
  follow_up: { read: "own", create: "own" },
};

const adminPerms: Me["permissions"] = Object.fromEntries(
  ["customer", "contact", "follow_up", "tag", "user", "team", "sales_zone", "department", "api_key", "audit_log", "region"].map((r) => [
    r,
    { read: "all", create: "all", update: "all", delete: "all" },
  ]),
) as Me["permissions"];
adminPerms.role = { read: "all", manage: "all" };
adminPerms.setting = { read: "all", update: "all" };

function renderMenu(permissions: Me["permissions"]) {
  const me = {
    user: { id: "u1", username: "x", display_name: "X", is_active: true, zone_ids: [] },
    roles: [],
    permissions,
  } as unknown as Me;
  const value: AuthValue = {
    me,
    isAuthenticated: true,
    can: (r, a) => can(permissions, r, a),
    login: async () => undefined,
    logout: async () => undefined,
  };
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <I18nProvider initial="zh-CN">
        <AuthContext.Provider value={value}>
          <MemoryRouter initialEntries={["/customers"]}>
            <SideMenu />
          </MemoryRouter>
        </AuthContext.Provider>
      </I18nProvider>
    </QueryClientProvider>,
  );
}

describe("permission-aware menu", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("gives a rep only the customer entries", () => {
    const nodes = visibleMenu(repPerms);
    expect(nodes.map((n) => n.key)).toEqual(["customers", "lost-customers"]);
    expect(firstAllowedPath(repPerms)).toBe("/customers");
  });

  it("drops a group whose entries are all forbidden and keeps allowed ones", () => {
    const perms = { ...repPerms, team: { read: "team" } } as Me["permissions"];
    const org = visibleMenu(perms).find(isGroup);
    expect(org?.children.map((c) => c.key)).toEqual(["teams"]);
  });

  it("needs the action, not just the resource (roles need manage)", () => {
    const perms = { role: { read: "all" } } as Me["permissions"];
    expect(visibleMenu(perms)).toEqual([]);
    expect(firstAllowedPath(perms)).toBeNull();
  });

  it("renders only the allowed items, with Chinese labels", () => {
    renderMenu(repPerms);
    expect(screen.getByTestId("menu-customers")).toHaveTextContent("客户");
    expect(screen.queryByTestId("menu-users")).toBeNull();
    expect(screen.queryByTestId("menu-roles")).toBeNull();
  });

  it("renders everything for an admin", () => {
    renderMenu(adminPerms);
    for (const id of [
      "menu-customers",
      "menu-departments",
      "menu-zones",
      "menu-teams",
      "menu-users",
      "menu-customer-rules",
      "menu-roles",
      "menu-api-keys",
    ]) {
      expect(screen.getByTestId(id)).toBeInTheDocument();
    }
    expect(screen.getByTestId("menu-zones")).toHaveTextContent("战区");
    expect(screen.getByTestId("menu-customer-rules")).toHaveTextContent("客户规则");
  });

  it("shows customer rules only with the setting permission", () => {
    expect(visibleMenu(repPerms).some((n) => isGroup(n) && n.key === "settings")).toBe(false);
    const perms = { ...repPerms, setting: { read: "all" } } as Me["permissions"];
    const settings = visibleMenu(perms).find((n) => isGroup(n) && n.key === "settings");
    expect(settings && isGroup(settings) ? settings.children.map((c) => c.key) : []).toEqual(["customer-rules", "levels-tiers", "lead-rules", "pool-rules", "recycling", "notification-channels"]);
  });

  it("offers the approvals inbox to everyone who may read approvals, with the pending count", async () => {
    const perms = { ...repPerms, approval: { read: "all" } } as Me["permissions"];
    expect(visibleMenu(perms).map((n) => n.key)).toEqual(["customers", "lost-customers", "approvals"]);
    expect(visibleMenu(perms).find((n) => n.key === "approvals")).toMatchObject({ path: "/approvals" });
    const seen = fakeApi((req) => json(req.path === "/approvals/counts" ? { pending: 4, overdue: 1, submitted_pending: 0, decided_today: 0, admin_queue: 0 } : {}));
    renderMenu(perms);
    expect(screen.getByTestId("menu-approvals")).toHaveTextContent("审批");
    expect(await screen.findByTestId("menu-approvals-count")).toHaveAttribute("data-count", "4");
    expect(seen.map((s) => s.path)).toEqual(["/approvals/counts"]);
  });
});
