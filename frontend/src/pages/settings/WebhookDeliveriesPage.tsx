import { ArrowLeftOutlined, ReloadOutlined } from "@ant-design/icons";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Descriptions, Select, Space, Spin, Table, Tag, Tooltip, Typography } from "antd";
import dayjs from "dayjs";
import { useMemo, type HTMLAttributes } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { api, cleanQuery, unwrap } from "../../api/client";
import { useCan } from "../../auth/context";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import { DeliveryStatusTag, EventTypeTags } from "./webhookParts";
import { WEBHOOK_KEYS, useEventTypes } from "./webhookQueries";
import { DELIVERY_STATUSES, type DeliveryStatus, type WebhookAttempt, type WebhookDelivery } from "./webhooks";

const PAGE = 50;

function fmtSeconds(iso: string | null | undefined): string {
  return iso ? dayjs(iso).format("YYYY-MM-DD HH:mm:ss") : "";
}

/** The payload, the attempt log and "redeliver" of one delivery. */
function DeliveryPanel({ webhookId, delivery }: { webhookId: string; delivery: WebhookDelivery }) {
  const t = useT();
  const mayManage = useCan()("webhook", "manage");
  const { message } = App.useApp();
  const report = useApiError();
  const queryClient = useQueryClient();
  const key = [...WEBHOOK_KEYS.deliveries(webhookId), "detail", delivery.id];
  const detail = useQuery({
    queryKey: key,
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}", {
          params: { path: { webhook_id: webhookId, delivery_id: delivery.id } },
        }),
      ),
  });
  const redeliver = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver", {
          params: { path: { webhook_id: webhookId, delivery_id: delivery.id } },
        }),
      ),
    onSuccess: () => {
      void message.success(t("webhook.redelivered"));
      void queryClient.invalidateQueries({ queryKey: WEBHOOK_KEYS.deliveries(webhookId) });
      void queryClient.invalidateQueries({ queryKey: WEBHOOK_KEYS.list });
    },
    onError: (e) => report(e),
  });

  if (detail.isLoading) return <Spin size="small" />;
  if (!detail.data) return <Typography.Text type="danger">{t("common.error")}</Typography.Text>;
  const d = detail.data;
  return (
    <div data-testid="delivery-detail">
      <Space style={{ marginBottom: 8 }} wrap>
        <Typography.Text type="secondary">
          {t("webhook.eventId")}: <Typography.Text code copyable>{d.event_id}</Typography.Text>
        </Typography.Text>
        {mayManage && (
          <Button size="small" type="primary" ghost loading={redeliver.isPending} onClick={() => redeliver.mutate()} data-testid="delivery-redeliver">
            {t("webhook.redeliver")}
          </Button>
        )}
      </Space>
      <Typography.Title level={5}>{t("webhook.attemptLog")}</Typography.Title>
      <Table<WebhookAttempt>
        size="small"
        rowKey={(a) => `${a.attempt}-${a.at}`}
        data-testid="delivery-attempts"
        dataSource={d.attempt_log}
        pagination={false}
        locale={{ emptyText: t("webhook.noAttempts") }}
        scroll={{ x: "max-content" }}
        columns={[
          { key: "n", title: "#", dataIndex: "attempt" },
          { key: "at", title: t("webhook.attemptAt"), render: (_, a) => fmtSeconds(a.at) },
          {
            key: "code",
            title: t("webhook.statusCode"),
            render: (_, a) =>
              a.status_code === null ? "—" : <Tag color={a.status_code >= 200 && a.status_code < 300 ? "success" : "error"}>{a.status_code}</Tag>,
          },
          { key: "ms", title: t("webhook.duration"), render: (_, a) => `${a.duration_ms} ms` },
          { key: "error", title: t("webhook.error"), render: (_, a) => a.error ?? "" },
          { key: "manual", title: t("webhook.manual"), render: (_, a) => (a.manual ? <Tag color="blue">{t("webhook.manualYes")}</Tag> : "") },
          {
            key: "body",
            title: t("webhook.responseExcerpt"),
            render: (_, a) =>
              a.response_body ? (
                <Typography.Text code style={{ maxWidth: 320, display: "inline-block" }} ellipsis={{ tooltip: a.response_body }}>
                  {a.response_body}
                </Typography.Text>
              ) : (
                ""
              ),
          },
        ]}
      />
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {t("webhook.payload")}
      </Typography.Title>
      <Typography.Paragraph copyable={{ text: JSON.stringify(d.payload, null, 2) }} style={{ marginBottom: 0 }}>
        <pre data-testid="delivery-payload" style={{ maxHeight: 360, overflow: "auto", fontSize: 12, margin: 0 }}>
          {JSON.stringify(d.payload, null, 2)}
        </pre>
      </Typography.Paragraph>
    </div>
  );
}

export function WebhookDeliveriesPage() {
  const t = useT();
  const { id = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const events = useEventTypes();
  const statusParam = params.get("status");
  const status = DELIVERY_STATUSES.includes(statusParam as DeliveryStatus) ? (statusParam as DeliveryStatus) : undefined;
  const eventType = params.get("event_type") || undefined;
  const expanded = params.get("delivery");

  const webhook = useQuery({
    queryKey: WEBHOOK_KEYS.one(id),
    queryFn: () => unwrap(api.GET("/api/v1/webhooks/{webhook_id}", { params: { path: { webhook_id: id } } })),
  });
  const list = useInfiniteQuery({
    queryKey: [...WEBHOOK_KEYS.deliveries(id), "list", status ?? null, eventType ?? null],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/webhooks/{webhook_id}/deliveries", {
          params: {
            path: { webhook_id: id },
            query: cleanQuery({ status, event_type: eventType, cursor: pageParam ?? undefined, limit: PAGE }),
          },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);

  const update = (patch: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };
  const w = webhook.data;

  return (
    <Card
      title={
        <Space>
          <Link to="/settings/webhooks" aria-label={t("common.back")}>
            <ArrowLeftOutlined />
          </Link>
          {t("webhook.deliveryLog")}
          {w && <Typography.Text type="secondary">· {w.name}</Typography.Text>}
        </Space>
      }
      extra={
        <Button icon={<ReloadOutlined />} onClick={() => void list.refetch()} loading={list.isRefetching && !list.isFetchingNextPage}>
          {t("common.reload")}
        </Button>
      }
    >
      {w && (
        <Descriptions size="small" column={{ xs: 1, md: 2 }} style={{ marginBottom: 16 }}>
          <Descriptions.Item label={t("webhook.url")}>
            <Typography.Text copyable>{w.url}</Typography.Text>
          </Descriptions.Item>
          <Descriptions.Item label={t("webhook.active")}>
            {w.is_active ? <Tag color="green">{t("common.active")}</Tag> : <Tag>{t("common.inactive")}</Tag>}
          </Descriptions.Item>
          <Descriptions.Item label={t("webhook.eventTypes")}>
            <EventTypeTags types={w.event_types} label={events.label} />
          </Descriptions.Item>
          <Descriptions.Item label={t("webhook.health")}>
            {t("webhook.pending", { n: w.pending })} · {t("webhook.failed", { n: w.failed })} · {t("webhook.delivered24h", { n: w.delivered_24h })}
          </Descriptions.Item>
        </Descriptions>
      )}
      <Space wrap style={{ marginBottom: 16 }}>
        <Select
          allowClear
          style={{ width: 160 }}
          placeholder={t("webhook.filterStatus")}
          value={status}
          onChange={(v?: string) => update({ status: v, delivery: undefined })}
          options={DELIVERY_STATUSES.map((s) => ({ value: s, label: t(`webhook.status.${s}`) }))}
          data-testid="delivery-filter-status"
        />
        <Select
          allowClear
          showSearch
          style={{ width: 280 }}
          placeholder={t("webhook.filterEventType")}
          value={eventType}
          optionFilterProp="label"
          onChange={(v?: string) => update({ event_type: v, delivery: undefined })}
          options={[...events.items.map((e) => e.type), "webhook.ping"].map((type) => ({ value: type, label: type }))}
          data-testid="delivery-filter-event"
        />
      </Space>
      <Table<WebhookDelivery>
        rowKey="id"
        data-testid="delivery-table"
        loading={list.isLoading}
        dataSource={rows}
        pagination={false}
        scroll={{ x: "max-content" }}
        locale={{ emptyText: t("webhook.noDeliveries") }}
        onRow={(d) => ({ "data-id": d.id }) as HTMLAttributes<HTMLElement>}
        expandable={{
          expandedRowKeys: expanded ? [expanded] : [],
          onExpand: (open, d) => update({ delivery: open ? d.id : undefined }),
          expandedRowRender: (d) => <DeliveryPanel webhookId={id} delivery={d} />,
          expandRowByClick: true,
        }}
        columns={[
          { key: "time", title: t("webhook.time"), render: (_, d) => fmtSeconds(d.created_at) },
          {
            key: "event",
            title: t("webhook.eventType"),
            render: (_, d) => (
              <Tooltip title={events.label(d.event_type)}>
                <Typography.Text code>{d.event_type}</Typography.Text>
              </Tooltip>
            ),
          },
          { key: "status", title: t("common.status"), render: (_, d) => <DeliveryStatusTag status={d.status} /> },
          { key: "attempts", title: t("webhook.attempts"), dataIndex: "attempts" },
          {
            key: "last",
            title: t("webhook.lastResult"),
            render: (_, d) => (
              <Space size={4}>
                {d.last_status_code !== null && <Tag>{d.last_status_code}</Tag>}
                {d.last_error && (
                  <Typography.Text type="danger" style={{ maxWidth: 280 }} ellipsis={{ tooltip: d.last_error }}>
                    {d.last_error}
                  </Typography.Text>
                )}
                {d.last_status_code === null && !d.last_error && "—"}
              </Space>
            ),
          },
          {
            key: "next",
            title: t("webhook.nextRetry"),
            render: (_, d) => (d.status === "pending" && d.next_attempt_at ? fmtSeconds(d.next_attempt_at) : "—"),
          },
          { key: "delivered", title: t("webhook.deliveredAt"), render: (_, d) => fmtSeconds(d.delivered_at) || "—" },
        ]}
      />
      {list.hasNextPage && (
        <div style={{ textAlign: "center", marginTop: 16 }}>
          <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage} data-testid="delivery-load-more">
            {t("common.loadMore")}
          </Button>
        </div>
      )}
    </Card>
  );
}
