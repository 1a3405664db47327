import { describe, expect, it } from "vitest";
import type { Me } from "../api/types";
import { en, zhCN } from "../i18n/messages";
import { MENU, isGroup, visibleMenu, type MenuEntry } from "./menuConfig";

function entries(perms: Me["permissions"]): MenuEntry[] {
  return visibleMenu(perms).flatMap((n) => (isGroup(n) ? n.children : [n]));
}

describe("public pool and pool rules menu entries", () => {
  it("shows the pool right after customers, only with pool:read", () => {
    const customersOnly = { customer: { read: "own" } } as Me["permissions"];
    expect(entries(customersOnly).map((e) => e.key)).not.toContain("pools");
    const rep = { customer: { read: "own" }, pool: { read: "own", claim: "own" }, lead: { read: "own" } } as Me["permissions"];
    expect(entries(rep).map((e) => e.key)).toEqual(["customers", "lost-customers", "pools", "leads", "lead-board"]);
    expect(MENU.find((n) => n.key === "pools")).toMatchObject({ path: "/pools", resource: "pool", action: "read", testId: "menu-pools" });
    expect([zhCN["menu.pools"], en["menu.pools"]]).toEqual(["公海", "Public pool"]);
  });

  it("shows the pool rules under settings only with setting:read", () => {
    expect(entries({ pool: { read: "all", manage: "all" } } as Me["permissions"]).map((e) => e.key)).not.toContain("pool-rules");
    const settings = visibleMenu({ setting: { read: "all" } } as Me["permissions"]).find((n) => isGroup(n) && n.key === "settings");
    const children = settings && isGroup(settings) ? settings.children : [];
    expect(children.find((c) => c.key === "pool-rules")).toMatchObject({
      path: "/settings/pool-rules",
      resource: "setting",
      action: "read",
      testId: "menu-pool-rules",
    });
    expect([zhCN["menu.poolRules"], en["menu.poolRules"]]).toEqual(["公海规则", "Pool rules"]);
  });
});
