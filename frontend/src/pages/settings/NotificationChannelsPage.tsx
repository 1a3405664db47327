import { ReloadOutlined } from "@ant-design/icons";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Col, Empty, Form, Input, Row, Select, Space, Switch, Table, Tag, Typography } from "antd";
import dayjs from "dayjs";
import { useMemo, useState } from "react";
import { api, cleanQuery, unwrap } from "../../api/client";
import { useCan } from "../../auth/context";
import { useApiError } from "../../components/useApiError";
import { translateDynamic, useT } from "../../i18n/context";
import { DeliveryStatusTag } from "./webhookParts";
import {
  CHANNEL_CODES,
  MASK,
  MESSAGE_STATUSES,
  NOTIFICATION_KINDS,
  channelToForm,
  formToChannelBody,
  isSecretField,
  type ChannelCode,
  type ChannelFormValues,
  type MessageChannel,
  type MessageDelivery,
  type MessageStatus,
} from "./webhooks";

const CHANNELS_KEY = ["message-channels"] as const;
const LOG_KEY = ["message-deliveries"] as const;

function fmtSeconds(iso: string | null | undefined): string {
  return iso ? dayjs(iso).format("YYYY-MM-DD HH:mm:ss") : "";
}

function ChannelCard({ channel }: { channel: MessageChannel }) {
  const t = useT();
  const mayEdit = useCan()("setting", "update");
  const { message } = App.useApp();
  const report = useApiError();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<ChannelFormValues>();
  // secrets the user asked to remove (an empty secret input otherwise keeps the stored one)
  const [cleared, setCleared] = useState<Set<string>>(new Set());
  const initial = useMemo(() => channelToForm(channel), [channel]);
  const kindOptions = useMemo(
    () =>
      [...new Set<string>([...NOTIFICATION_KINDS, ...channel.kinds])].map((k) => ({
        value: k,
        label: translateDynamic(t, "notifyChannel.kind", k),
      })),
    [channel.kinds, t],
  );

  const save = useMutation({
    mutationFn: (v: ChannelFormValues) =>
      unwrap(
        api.PUT("/api/v1/settings/message-channels/{code}", {
          params: { path: { code: channel.code } },
          body: formToChannelBody(channel, v, cleared),
        }),
      ),
    onSuccess: (saved) => {
      void message.success(t("common.saved"));
      setCleared(new Set());
      queryClient.setQueryData<MessageChannel[]>(CHANNELS_KEY, (old) => old?.map((c) => (c.code === saved.code ? saved : c)));
      form.setFieldsValue(channelToForm(saved));
    },
    onError: (e) => report(e, { form }),
  });
  const test = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/settings/message-channels/{code}/test", { params: { path: { code: channel.code } } })),
    onSuccess: () => {
      void message.success(t("notifyChannel.testQueued"));
      void queryClient.invalidateQueries({ queryKey: LOG_KEY });
    },
    onError: (e) => report(e),
  });

  const fields = Object.entries(channel.fields);
  return (
    <Card
      size="small"
      data-testid={`channel-card-${channel.code}`}
      title={
        <Space>
          {translateDynamic(t, "notifyChannel.code", channel.code)}
          <Typography.Text type="secondary" code>
            {channel.code}
          </Typography.Text>
          {channel.is_enabled ? <Tag color="green">{t("notifyChannel.enabled")}</Tag> : <Tag>{t("notifyChannel.disabled")}</Tag>}
        </Space>
      }
      style={{ height: "100%" }}
    >
      <Form<ChannelFormValues> form={form} layout="vertical" initialValues={initial} disabled={!mayEdit} onFinish={(v) => save.mutate(v)}>
        <Form.Item name="is_enabled" label={t("notifyChannel.enable")} valuePropName="checked">
          <Switch data-testid={`channel-${channel.code}-enabled`} />
        </Form.Item>
        <Form.Item name="kinds" label={t("notifyChannel.kinds")} extra={t("notifyChannel.kindsHint")}>
          <Select
            mode="multiple"
            allowClear
            placeholder={t("notifyChannel.allKinds")}
            options={kindOptions}
            optionFilterProp="label"
            data-testid={`channel-${channel.code}-kinds`}
          />
        </Form.Item>
        {fields.length === 0 && <Typography.Paragraph type="secondary">{t("notifyChannel.noSettings")}</Typography.Paragraph>}
        {fields.map(([key, description]) => {
          const current: unknown = channel.config[key];
          const secret = isSecretField(key, description, current);
          const isSet = current === MASK && !cleared.has(key);
          const input = secret ? (
            <Input.Password
              autoComplete="new-password"
              placeholder={isSet ? t("notifyChannel.secretSet") : cleared.has(key) ? t("notifyChannel.secretCleared") : t("notifyChannel.secretUnset")}
              data-testid={`channel-${channel.code}-${key}`}
            />
          ) : (
            <Input data-testid={`channel-${channel.code}-${key}`} />
          );
          const label = translateDynamic(t, "notifyChannel.field", key);
          const itemLabel = label === key ? <Typography.Text code>{key}</Typography.Text> : `${label} (${key})`;
          if (!(secret && current === MASK && mayEdit)) {
            return (
              <Form.Item key={key} name={["config", key]} label={itemLabel} extra={description}>
                {input}
              </Form.Item>
            );
          }
          return (
            <Form.Item key={key} label={itemLabel} extra={description}>
              <Space.Compact style={{ width: "100%" }}>
                <Form.Item name={["config", key]} noStyle>
                  {input}
                </Form.Item>
                <Button
                  data-testid={`channel-${channel.code}-${key}-clear`}
                  onClick={() => {
                    setCleared((s) => {
                      const next = new Set(s);
                      if (next.has(key)) next.delete(key);
                      else next.add(key);
                      return next;
                    });
                    form.setFieldValue(["config", key], "");
                  }}
                >
                  {cleared.has(key) ? t("notifyChannel.secretKeep") : t("notifyChannel.secretClear")}
                </Button>
              </Space.Compact>
            </Form.Item>
          );
        })}
        {mayEdit && (
          <Space>
            <Button type="primary" htmlType="submit" loading={save.isPending} data-testid={`channel-${channel.code}-save`}>
              {t("common.save")}
            </Button>
            <Button onClick={() => test.mutate()} loading={test.isPending} data-testid={`channel-${channel.code}-test`}>
              {t("notifyChannel.sendTest")}
            </Button>
          </Space>
        )}
      </Form>
    </Card>
  );
}

function MessageLog() {
  const t = useT();
  const [channel, setChannel] = useState<ChannelCode | undefined>();
  const [status, setStatus] = useState<MessageStatus | undefined>();
  const list = useInfiniteQuery({
    queryKey: [...LOG_KEY, channel ?? null, status ?? null],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/message-deliveries", {
          params: { query: cleanQuery({ channel, status, cursor: pageParam ?? undefined, limit: 50 }) },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card
      title={t("notifyChannel.log")}
      style={{ marginTop: 16 }}
      extra={
        <Button icon={<ReloadOutlined />} onClick={() => void list.refetch()}>
          {t("common.reload")}
        </Button>
      }
    >
      <Space wrap style={{ marginBottom: 16 }}>
        <Select
          allowClear
          style={{ width: 160 }}
          placeholder={t("notifyChannel.filterChannel")}
          value={channel}
          onChange={setChannel}
          options={CHANNEL_CODES.map((c) => ({ value: c, label: translateDynamic(t, "notifyChannel.code", c) }))}
          data-testid="message-log-channel"
        />
        <Select
          allowClear
          style={{ width: 160 }}
          placeholder={t("notifyChannel.filterStatus")}
          value={status}
          onChange={setStatus}
          options={MESSAGE_STATUSES.map((s) => ({ value: s, label: t(`webhook.status.${s}`) }))}
          data-testid="message-log-status"
        />
      </Space>
      <Table<MessageDelivery>
        rowKey="id"
        size="small"
        data-testid="message-log"
        loading={list.isLoading}
        dataSource={rows}
        pagination={false}
        scroll={{ x: "max-content" }}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("notifyChannel.logEmpty")} /> }}
        columns={[
          { key: "time", title: t("webhook.time"), render: (_, m) => fmtSeconds(m.created_at) },
          { key: "channel", title: t("notifyChannel.channel"), render: (_, m) => translateDynamic(t, "notifyChannel.code", m.channel) },
          { key: "user", title: t("notifyChannel.recipient"), render: (_, m) => m.user_name },
          { key: "kind", title: t("notifyChannel.kind"), render: (_, m) => translateDynamic(t, "notifyChannel.kind", m.kind) },
          { key: "title", title: t("notifyChannel.messageTitle"), render: (_, m) => m.title },
          { key: "status", title: t("common.status"), render: (_, m) => <DeliveryStatusTag status={m.status} /> },
          { key: "attempts", title: t("webhook.attempts"), dataIndex: "attempts" },
          {
            key: "error",
            title: t("webhook.error"),
            render: (_, m) =>
              m.last_error ? (
                <Typography.Text type="danger" style={{ maxWidth: 320 }} ellipsis={{ tooltip: m.last_error }}>
                  {m.last_error}
                </Typography.Text>
              ) : (
                ""
              ),
          },
          { key: "delivered", title: t("webhook.deliveredAt"), render: (_, m) => fmtSeconds(m.delivered_at) || "—" },
        ]}
      />
      {list.hasNextPage && (
        <div style={{ textAlign: "center", marginTop: 16 }}>
          <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
            {t("common.loadMore")}
          </Button>
        </div>
      )}
    </Card>
  );
}

export function NotificationChannelsPage() {
  const t = useT();
  const channels = useQuery({
    queryKey: CHANNELS_KEY,
    queryFn: async () => (await unwrap(api.GET("/api/v1/settings/message-channels"))).items,
  });
  const items = [...(channels.data ?? [])].sort((a, b) => CHANNEL_CODES.indexOf(a.code) - CHANNEL_CODES.indexOf(b.code));
  return (
    <>
      <Card title={t("notifyChannel.title")} loading={channels.isLoading}>
        <Typography.Paragraph type="secondary">{t("notifyChannel.hint")}</Typography.Paragraph>
        <Row gutter={[16, 16]}>
          {items.map((c) => (
            <Col key={c.code} xs={24} lg={12}>
              <ChannelCard channel={c} />
            </Col>
          ))}
        </Row>
      </Card>
      <MessageLog />
    </>
  );
}
