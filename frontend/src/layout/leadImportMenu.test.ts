import { describe, expect, it } from "vitest";
import type { Me } from "../api/types";
import { en, zhCN } from "../i18n/messages";
import { MENU, isGroup, visibleMenu, type MenuEntry } from "./menuConfig";

function entries(perms: Me["permissions"]): MenuEntry[] {
  return visibleMenu(perms).flatMap((n) => (isGroup(n) ? n.children : [n]));
}

describe("lead import and lead rules menu entries", () => {
  it("shows the import entry only with lead:import", () => {
    const reader = { lead: { read: "own", create: "own", claim: "own" } } as Me["permissions"];
    expect(entries(reader).map((e) => e.key)).not.toContain("lead-import");
    const importer = { lead: { read: "zone", import: "zone" } } as Me["permissions"];
    const keys = entries(importer).map((e) => e.key);
    expect(keys).toContain("lead-import");
    // after the other leads entries
    expect(keys.indexOf("lead-import")).toBeGreaterThan(keys.indexOf("leads"));
    const entry = MENU.find((n) => n.key === "lead-import");
    expect(entry).toMatchObject({ path: "/leads/import", resource: "lead", action: "import", testId: "menu-lead-import" });
    expect([zhCN["menu.leadImport"], en["menu.leadImport"]]).toEqual(["批量导入", "Import leads"]);
  });

  it("shows lead rules under settings only with setting:read", () => {
    expect(entries({ lead: { read: "all" } } as Me["permissions"]).map((e) => e.key)).not.toContain("lead-rules");
    const perms = { setting: { read: "all" } } as Me["permissions"];
    const settings = visibleMenu(perms).find((n) => isGroup(n) && n.key === "settings");
    const children = settings && isGroup(settings) ? settings.children : [];
    const rules = children.find((c) => c.key === "lead-rules");
    expect(rules).toMatchObject({ path: "/settings/lead-rules", resource: "setting", action: "read", testId: "menu-lead-rules" });
    expect([zhCN["menu.leadRules"], en["menu.leadRules"]]).toEqual(["线索规则", "Lead rules"]);
  });
});
