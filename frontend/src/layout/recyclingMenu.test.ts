import { describe, expect, it } from "vitest";
import type { Me } from "../api/types";
import { en, zhCN } from "../i18n/messages";
import { MENU, isGroup, visibleMenu, type MenuEntry } from "./menuConfig";

function entries(perms: Me["permissions"]): MenuEntry[] {
  return visibleMenu(perms).flatMap((n) => (isGroup(n) ? n.children : [n]));
}

describe("lost-customer board and recycling menu entries", () => {
  it("shows the lost board right after customers, to whoever may read customers", () => {
    const rep = { customer: { read: "own" } } as Me["permissions"];
    expect(entries(rep).map((e) => e.key)).toEqual(["customers", "lost-customers"]);
    expect(MENU.find((n) => n.key === "lost-customers")).toMatchObject({
      path: "/customers/lost",
      resource: "customer",
      action: "read",
      testId: "menu-lost-customers",
    });
    expect(entries({ lead: { read: "all" } } as Me["permissions"]).map((e) => e.key)).not.toContain("lost-customers");
    expect([zhCN["menu.lostCustomers"], en["menu.lostCustomers"]]).toEqual(["遗失看板", "Lost customers"]);
  });

  it("shows the recycling settings under settings only with setting:read", () => {
    expect(entries({ customer: { read: "all" } } as Me["permissions"]).map((e) => e.key)).not.toContain("recycling");
    const settings = visibleMenu({ setting: { read: "all" } } as Me["permissions"]).find((n) => isGroup(n) && n.key === "settings");
    const children = settings && isGroup(settings) ? settings.children : [];
    expect(children.find((c) => c.key === "recycling")).toMatchObject({
      path: "/settings/recycling",
      resource: "setting",
      action: "read",
      testId: "menu-recycling",
    });
    expect([zhCN["menu.recycling"], en["menu.recycling"]]).toEqual(["客户回收", "Recycling"]);
  });
});
