import { describe, expect, it } from "vitest";
import { fmtChinaDateTime } from "../components/chinaTime";
import { en, zhCN } from "../i18n/messages";
import { badgeText, isUnread, NOTIFICATION_KINDS, notificationTarget, relativeTime } from "./notifications";

describe("notifications", () => {
  it("opens the lead of a lead notification, an import's progress, nothing for others", () => {
    expect(notificationTarget({ entity: "lead", entity_id: "7f0c" })).toBe("/leads/7f0c");
    expect(notificationTarget({ entity: "lead", entity_id: null })).toBeNull();
    expect(notificationTarget({ entity: "lead_import", entity_id: "i9" })).toBe("/leads/import/i9");
    expect(notificationTarget({ entity: "customer", entity_id: "c1" })).toBe("/customers/c1");
    expect(notificationTarget({ entity: "customer_level_request", entity_id: "r1" })).toBe("/approvals/r1");
    expect(notificationTarget({ entity: "approval_request", entity_id: "a7" })).toBe("/approvals/a7");
    expect(notificationTarget({ entity: "approval_request", entity_id: null })).toBeNull();
    expect(notificationTarget({ entity: "follow_up", entity_id: "1" })).toBeNull();
    expect(notificationTarget({ entity: null, entity_id: null })).toBeNull();
  });

  it("labels every kind, the approval ones and the old level-request ones included", () => {
    for (const kind of ["approval_pending", "approval_decided", "approval_reminder", "approval_admin_queue", "level_change_requested", "level_change_decided"]) {
      expect(NOTIFICATION_KINDS).toContain(kind);
    }
    for (const kind of NOTIFICATION_KINDS) {
      const key = `notification.kind.${kind}` as keyof typeof zhCN;
      expect(zhCN[key], kind).toBeTruthy();
      expect(en[key], kind).toBeTruthy();
    }
    expect(zhCN["notification.kind.approval_pending"]).toBe("待我审批");
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

describe("notification times", () => {
  it("says how long ago, in the page's language", () => {
    const now = Date.parse("2024-05-02T10:00:00Z");
    expect(relativeTime("2024-05-02T09:59:40Z", now, "zh-CN", "刚刚")).toBe("刚刚");
    expect(relativeTime("2024-05-02T09:55:00Z", now, "zh-CN")).toBe("5分钟前");
    expect(relativeTime("2024-05-02T07:00:00Z", now, "en")).toBe("3 hours ago");
    expect(relativeTime("2024-05-01T09:00:00Z", now, "en")).toBe("yesterday");
    expect(relativeTime("2024-05-02T10:05:00Z", now, "en", "just now")).toBe("just now");
  });

  it("shows the instant in China time", () => {
    expect(fmtChinaDateTime("2024-05-01T20:30:00Z")).toBe("2024-05-02 04:30");
    expect(fmtChinaDateTime(null)).toBe("");
  });
});
