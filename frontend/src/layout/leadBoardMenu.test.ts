import { describe, expect, it } from "vitest";
import type { Me } from "../api/types";
import { en, zhCN } from "../i18n/messages";
import { MENU, isGroup, visibleMenu } from "./menuConfig";

describe("lead board menu entry", () => {
  it("follows the leads entry, for whoever may read leads", () => {
    const perms = { lead: { read: "own" } } as Me["permissions"];
    const entries = visibleMenu(perms).filter((n) => !isGroup(n));
    expect(entries.map((n) => n.key)).toEqual(["leads", "lead-board"]);
    const board = MENU.find((n) => n.key === "lead-board");
    expect(board).toMatchObject({ path: "/leads/board", resource: "lead", action: "read", testId: "menu-lead-board", label: "menu.leadBoard" });
    expect([zhCN["menu.leadBoard"], en["menu.leadBoard"]]).toEqual(["线索看板", "Lead board"]);
  });

  it("is hidden from users who may not read leads", () => {
    const perms = { customer: { read: "own" } } as Me["permissions"];
    expect(visibleMenu(perms).map((n) => n.key)).not.toContain("lead-board");
  });
});
