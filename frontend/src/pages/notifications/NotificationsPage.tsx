/** 通知中心: the signed-in user's notifications, all or unread only, with mark read (one, the selected, all). */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Segmented, Select, Space, Table, Tag, Typography } from "antd";
import { useMemo, useState, type HTMLAttributes } from "react";
import { Link, useSearchParams } from "react-router";
import { api, unwrap } from "../../api/client";
import type { Notification } from "../../api/types";
import { fmtChinaDateTime, useNow } from "../../components/chinaTime";
import { useApiError } from "../../components/useApiError";
import { translateDynamic, useLang, useT } from "../../i18n/context";
import { isUnread, notificationKeys, notificationTarget, relativeTime } from "../../layout/notifications";

type TabKey = "all" | "unread";

const PAGE_SIZE = 50;
const UNREAD_BG = "#e6f4ff";

export function NotificationsPage() {
  const t = useT();
  const { lang } = useLang();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const now = useNow();
  const [params, setParams] = useSearchParams();
  const tab: TabKey = params.get("tab") === "unread" ? "unread" : "all";
  const kind = params.get("kind") ?? "";
  const [selected, setSelected] = useState<string[]>([]);

  const unread = useQuery({
    queryKey: notificationKeys.unread,
    queryFn: () => unwrap(api.GET("/api/v1/notifications/unread-count")),
    staleTime: 0,
  });
  const list = useInfiniteQuery({
    queryKey: notificationKeys.inbox(tab),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/notifications", {
          params: {
            query: {
              limit: PAGE_SIZE,
              ...(tab === "unread" ? { unread: true } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
    staleTime: 0,
  });
  const markRead = useMutation({
    mutationFn: (ids: string[] | null) => unwrap(api.POST("/api/v1/notifications/read", { body: ids ? { ids } : {} })),
    onSuccess: (r, ids) => {
      if (ids === null || ids.length > 1) message.success(t("notifications.markedRead", { count: r.marked }));
      setSelected((s) => (ids === null ? [] : s.filter((id) => !ids.includes(id))));
    },
    onError: (e) => report(e),
    // the bell's badge and list, and this page, all live under notificationKeys.all
    onSettled: () => void qc.invalidateQueries({ queryKey: notificationKeys.all }),
  });

  // pages refetched after marking may overlap (unread ones drop out of the keyset): keep the first of each id
  const loaded = useMemo(() => {
    const seen = new Set<string>();
    const out: Notification[] = [];
    for (const n of list.data?.pages.flatMap((p) => p.items) ?? []) {
      if (seen.has(n.id)) continue;
      seen.add(n.id);
      out.push(n);
    }
    return out;
  }, [list.data]);
  const rows = kind ? loaded.filter((n) => n.kind === kind) : loaded;
  const kindLabel = (k: string) => translateDynamic(t, "notification.kind", k);
  const kindOptions = useMemo(
    () => [...new Set([...loaded.map((n) => n.kind), ...(kind ? [kind] : [])])].sort(),
    [loaded, kind],
  );
  const unreadCount = unread.data?.unread ?? 0;
  const selectedUnread = selected.filter((id) => rows.some((n) => n.id === id && isUnread(n)));

  function setParam(key: "tab" | "kind", value: string | null) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
    setSelected([]);
  }

  return (
    <Card
      title={t("notifications.title")}
      data-testid="notifications-page"
      extra={
        <Button
          type="primary"
          disabled={unreadCount === 0 && !loaded.some(isUnread)}
          loading={markRead.isPending && markRead.variables === null}
          onClick={() => markRead.mutate(null)}
          data-testid="notifications-mark-all"
        >
          {t("notifications.markAll", { count: unreadCount })}
        </Button>
      }
    >
      <Space wrap style={{ marginBottom: 12 }}>
        <Segmented<TabKey>
          value={tab}
          onChange={(v) => setParam("tab", v === "unread" ? "unread" : null)}
          options={[
            { value: "all", label: <span data-testid="notifications-tab-all">{t("notifications.tab.all")}</span> },
            { value: "unread", label: <span data-testid="notifications-tab-unread">{t("notifications.tab.unread")}</span> },
          ]}
        />
        <Select
          allowClear
          style={{ minWidth: 180 }}
          placeholder={t("notifications.allKinds")}
          aria-label={t("notifications.kindFilter")}
          value={kind || undefined}
          onChange={(v?: string) => setParam("kind", v ?? null)}
          options={kindOptions.map((k) => ({ value: k, label: kindLabel(k) }))}
          data-testid="notifications-kind"
        />
        <Button
          disabled={selectedUnread.length === 0}
          loading={markRead.isPending && Array.isArray(markRead.variables) && markRead.variables.length > 1}
          onClick={() => markRead.mutate(selectedUnread)}
          data-testid="notifications-mark-selected"
        >
          {t("notifications.markSelected", { count: selectedUnread.length })}
        </Button>
      </Space>
      {kind && list.hasNextPage && (
        <Typography.Paragraph type="secondary" style={{ fontSize: 12 }} data-testid="notifications-kind-hint">
          {t("notifications.kindFilterHint")}
        </Typography.Paragraph>
      )}
      <Table<Notification>
        rowKey="id"
        size="middle"
        data-testid="notifications-table"
        loading={list.isLoading}
        dataSource={rows}
        pagination={false}
        scroll={{ x: "max-content" }}
        locale={{ emptyText: tab === "unread" ? t("notifications.emptyUnread") : t("notifications.empty") }}
        rowSelection={{
          selectedRowKeys: selected,
          onChange: (keys) => setSelected(keys.map(String)),
          getCheckboxProps: (n) => ({ disabled: !isUnread(n) }),
        }}
        onRow={(n) =>
          ({
            "data-testid": "notification-row",
            "data-unread": isUnread(n) ? "true" : "false",
            style: isUnread(n) ? { background: UNREAD_BG } : undefined,
          }) as HTMLAttributes<HTMLElement>
        }
        columns={[
          {
            key: "title",
            title: t("notifications.title"),
            render: (_: unknown, n) => {
              const to = notificationTarget(n);
              const unreadRow = isUnread(n);
              const title = <span style={{ fontWeight: unreadRow ? 600 : 400 }}>{n.title}</span>;
              return (
                <div style={{ maxWidth: 560 }}>
                  {to ? (
                    <Link
                      to={to}
                      onClick={() => (unreadRow ? markRead.mutate([n.id]) : undefined)}
                      data-testid="notification-link"
                    >
                      {title}
                    </Link>
                  ) : (
                    title
                  )}
                  {n.body && (
                    <Typography.Paragraph type="secondary" style={{ marginBottom: 0, whiteSpace: "pre-wrap" }}>
                      {n.body}
                    </Typography.Paragraph>
                  )}
                </div>
              );
            },
          },
          {
            key: "kind",
            title: t("notifications.kindFilter"),
            render: (_: unknown, n) => <Tag data-testid="notification-kind">{kindLabel(n.kind)}</Tag>,
          },
          {
            key: "time",
            title: t("notifications.time"),
            render: (_: unknown, n) => (
              <div style={{ whiteSpace: "nowrap" }}>
                <div data-testid="notification-ago">{relativeTime(n.created_at, now, lang, t("notifications.justNow"))}</div>
                <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="notification-time">
                  {fmtChinaDateTime(n.created_at)}
                </Typography.Text>
              </div>
            ),
          },
          {
            key: "actions",
            title: t("common.actions"),
            render: (_: unknown, n) =>
              isUnread(n) ? (
                <Button
                  size="small"
                  type="link"
                  loading={markRead.isPending && Array.isArray(markRead.variables) && markRead.variables.length === 1 && markRead.variables[0] === n.id}
                  onClick={() => markRead.mutate([n.id])}
                  data-testid="notification-mark-read"
                >
                  {t("notifications.markRead")}
                </Button>
              ) : (
                <Typography.Text type="secondary">{t("notifications.read")}</Typography.Text>
              ),
          },
        ]}
      />
      {list.hasNextPage && (
        <Button
          style={{ marginTop: 12 }}
          loading={list.isFetchingNextPage}
          onClick={() => void list.fetchNextPage()}
          data-testid="notifications-more"
        >
          {t("notifications.loadMore")}
        </Button>
      )}
    </Card>
  );
}
