/** The approvals menu entry's badge: how many requests wait for my decision (red), polled with the inbox counts. */
import { Badge } from "antd";
import { useT } from "../i18n/context";
import { useApprovalCounts } from "../pages/approvals/approvalQueries";
import { badgeText } from "./notifications";

export function ApprovalsBadge() {
  const t = useT();
  const counts = useApprovalCounts();
  const n = counts.data?.pending ?? 0;
  const text = badgeText(n);
  if (!text) return null;
  return (
    <span data-testid="menu-approvals-count" data-count={n} title={t("approval.board.pending")} style={{ marginInlineStart: 8 }}>
      <Badge count={text} size="small" />
    </span>
  );
}
