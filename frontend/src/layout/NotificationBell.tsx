/** The header's notifications bell (通知): unread badge, the latest ten, mark read. */
import { BellOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Badge, Button, Empty, Popover, Space, Spin, Typography } from "antd";
import { useState, type CSSProperties } from "react";
import { Link, useNavigate } from "react-router";
import { api, unwrap } from "../api/client";
import type { Notification } from "../api/types";
import { fmtDateTime } from "../components/format";
import { useApiError } from "../components/useApiError";
import { useT } from "../i18n/context";
import { badgeText, BELL_LIST_LIMIT as LIST_LIMIT, isUnread, notificationKeys, notificationTarget } from "./notifications";

const UNREAD_POLL_MS = 30_000;

const BUBBLE: CSSProperties = {
  background: "#ff4d4f",
  color: "#fff",
  borderRadius: 10,
  minWidth: 18,
  height: 18,
  lineHeight: "18px",
  padding: "0 5px",
  fontSize: 11,
  textAlign: "center",
  boxShadow: "0 0 0 1px #fff",
};

function NotificationItem({ n, onOpen }: { n: Notification; onOpen: (n: Notification) => void }) {
  const unread = isUnread(n);
  return (
    <div
      role="button"
      tabIndex={0}
      onClick={() => onOpen(n)}
      onKeyDown={(e) => {
        if (e.key === "Enter" || e.key === " ") onOpen(n);
      }}
      data-testid="notification-item"
      data-id={n.id}
      data-unread={unread ? "true" : "false"}
      style={{
        padding: "8px 12px",
        cursor: "pointer",
        borderBottom: "1px solid #f0f0f0",
        background: unread ? "#e6f4ff" : undefined,
      }}
    >
      <div style={{ fontWeight: unread ? 600 : 400 }}>{n.title}</div>
      {n.body && (
        <Typography.Paragraph type="secondary" style={{ marginBottom: 0, fontSize: 12 }} ellipsis={{ rows: 2 }}>
          {n.body}
        </Typography.Paragraph>
      )}
      <Typography.Text type="secondary" style={{ fontSize: 11 }}>
        {fmtDateTime(n.created_at)}
      </Typography.Text>
    </div>
  );
}

export function NotificationBell() {
  const t = useT();
  const report = useApiError();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const unread = useQuery({
    queryKey: notificationKeys.unread,
    queryFn: () => unwrap(api.GET("/api/v1/notifications/unread-count")),
    refetchInterval: UNREAD_POLL_MS,
    staleTime: 0,
  });
  const list = useQuery({
    queryKey: notificationKeys.list,
    queryFn: () => unwrap(api.GET("/api/v1/notifications", { params: { query: { limit: LIST_LIMIT } } })),
    enabled: open,
    staleTime: 0,
  });
  const markRead = useMutation({
    mutationFn: (ids: string[] | null) => unwrap(api.POST("/api/v1/notifications/read", { body: ids ? { ids } : {} })),
    onSettled: () => void qc.invalidateQueries({ queryKey: notificationKeys.all }),
    onError: (e) => report(e),
  });

  const count = unread.data?.unread ?? 0;
  const text = badgeText(count);
  const items = list.data?.items ?? [];

  function openItem(n: Notification) {
    if (isUnread(n)) markRead.mutate([n.id]);
    const to = notificationTarget(n);
    if (to) {
      setOpen(false);
      navigate(to);
    }
  }

  const content = (
    <div style={{ width: 340, maxHeight: 420, overflowY: "auto", margin: "-4px -12px" }} data-testid="notification-list">
      {list.isLoading ? (
        <Spin style={{ display: "block", margin: "24px auto" }} />
      ) : items.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("notification.empty")} />
      ) : (
        items.map((n) => <NotificationItem key={n.id} n={n} onOpen={openItem} />)
      )}
      <div style={{ padding: "8px 12px", textAlign: "center" }}>
        <Link to="/notifications" onClick={() => setOpen(false)} data-testid="notification-view-all">
          {t("notification.viewAll")}
        </Link>
      </div>
    </div>
  );
  const title = (
    <Space style={{ width: "100%", justifyContent: "space-between" }}>
      <span>{t("notification.title")}</span>
      <Button
        type="link"
        size="small"
        disabled={count === 0 && !items.some(isUnread)}
        loading={markRead.isPending && markRead.variables === null}
        onClick={() => markRead.mutate(null)}
        data-testid="notification-read-all"
      >
        {t("notification.readAll")}
      </Button>
    </Space>
  );

  return (
    <Popover open={open} onOpenChange={setOpen} trigger="click" placement="bottomRight" title={title} content={content} arrow={false}>
      <Button type="text" aria-label={t("notification.title")} data-testid="notification-bell" data-unread={count}>
        <Badge
          count={text ? <span data-testid="notification-count" style={BUBBLE}>{text}</span> : 0}
          offset={[2, -2]}
        >
          <BellOutlined style={{ fontSize: 18 }} />
        </Badge>
      </Button>
    </Popover>
  );
}
