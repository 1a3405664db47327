import { describe, expect, it } from "vitest";
import { badgeText, isUnread, notificationTarget } from "./notifications";

describe("notifications", () => {
  it("opens the lead of a lead notification, an import's progress, nothing for others", () => {
    expect(notificationTarget({ entity: "lead", entity_id: "7f0c" })).toBe("/leads/7f0c");
    expect(notificationTarget({ entity: "lead", entity_id: null })).toBeNull();
    expect(notificationTarget({ entity: "lead_import", entity_id: "i9" })).toBe("/leads/import/i9");
    expect(notificationTarget({ entity: "customer", entity_id: "c1" })).toBe("/customers/c1");
    expect(notificationTarget({ entity: "customer_level_request", entity_id: "r1" })).toBe("/level-requests");
    expect(notificationTarget({ entity: "follow_up", entity_id: "1" })).toBeNull();
    expect(notificationTarget({ entity: null, entity_id: null })).toBeNull();
  });

  it("shows the unread count on the badge, capped at 99+", () => {
    expect(badgeText(0)).toBe("");
    expect(badgeText(undefined)).toBe("");
    expect(badgeText(7)).toBe("7");
    expect(badgeText(99)).toBe("99");
    expect(badgeText(100)).toBe("99+");
  });

  it("knows unread by read_at", () => {
    expect(isUnread({ read_at: null })).toBe(true);
    expect(isUnread({ read_at: "2024-05-01T00:00:00Z" })).toBe(false);
  });
});
