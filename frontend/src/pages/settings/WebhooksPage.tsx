import { PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Drawer, Form, Input, Modal, Popconfirm, Select, Space, Switch, Table, Tag, Tooltip, Typography } from "antd";
import { useState, type HTMLAttributes } from "react";
import { Link } from "react-router";
import { api, ifMatch, unwrap } from "../../api/client";
import { isApiError } from "../../api/problem";
import { useCan } from "../../auth/context";
import { fmtDateTime } from "../../components/format";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import { EventTypeTags, SignatureRecipe } from "./webhookParts";
import { WEBHOOK_KEYS, useEventTypes } from "./webhookQueries";
import { ALL_EVENTS, normalizeEventTypes, type Webhook, type WebhookCreated } from "./webhooks";

interface WebhookValues {
  name: string;
  url: string;
  event_types: string[];
  description?: string | null;
  is_active: boolean;
}

/** A stale write (412): say so, show the current state; true when it was one. */
function useStale() {
  const { message } = App.useApp();
  const t = useT();
  const queryClient = useQueryClient();
  return (err: unknown) => {
    if (!isApiError(err) || err.status !== 412) return false;
    void message.warning(t("webhook.stale"));
    void queryClient.invalidateQueries({ queryKey: WEBHOOK_KEYS.list });
    return true;
  };
}

function WebhookDrawer({
  webhook,
  open,
  onClose,
  onCreated,
}: {
  webhook: Webhook | null;
  open: boolean;
  onClose: () => void;
  onCreated: (w: WebhookCreated) => void;
}) {
  const t = useT();
  const { message } = App.useApp();
  const report = useApiError();
  const stale = useStale();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<WebhookValues>();
  const events = useEventTypes();

  const save = useMutation({
    mutationFn: async (v: WebhookValues) => {
      const body = {
        name: v.name.trim(),
        url: v.url.trim(),
        event_types: v.event_types,
        description: v.description?.trim() || null,
        is_active: v.is_active,
      };
      if (webhook) {
        await unwrap(
          api.PATCH("/api/v1/webhooks/{webhook_id}", {
            params: { path: { webhook_id: webhook.id } },
            body,
            headers: { "If-Match": ifMatch(webhook) },
          }),
        );
        return null;
      }
      return unwrap(api.POST("/api/v1/webhooks", { body }));
    },
    onSuccess: (created) => {
      void queryClient.invalidateQueries({ queryKey: WEBHOOK_KEYS.list });
      onClose();
      if (created) onCreated(created);
      else void message.success(t("common.saved"));
    },
    onError: (e) => {
      if (stale(e)) onClose();
      else report(e, { form });
    },
  });

  const initial: WebhookValues = webhook
    ? { name: webhook.name, url: webhook.url, event_types: webhook.event_types, description: webhook.description, is_active: webhook.is_active }
    : { name: "", url: "", event_types: [ALL_EVENTS], description: "", is_active: true };

  return (
    <Drawer
      open={open}
      onClose={onClose}
      title={webhook ? t("webhook.edit") : t("webhook.new")}
      width={520}
      destroyOnHidden
      extra={
        <Space>
          <Button onClick={onClose}>{t("common.cancel")}</Button>
          <Button type="primary" loading={save.isPending} onClick={() => form.submit()} data-testid="webhook-save">
            {t("common.save")}
          </Button>
        </Space>
      }
    >
      <Form form={form} layout="vertical" preserve={false} initialValues={initial} onFinish={(v) => save.mutate(v)}>
        <Form.Item name="name" label={t("webhook.name")} rules={[{ required: true, whitespace: true, message: t("webhook.required") }]}>
          <Input maxLength={100} data-testid="webhook-name" />
        </Form.Item>
        <Form.Item
          name="url"
          label={t("webhook.url")}
          extra={t("webhook.urlHint")}
          rules={[{ required: true, whitespace: true, message: t("webhook.required") }]}
        >
          <Input maxLength={2000} placeholder="https://example.com/hooks/crm" data-testid="webhook-url" />
        </Form.Item>
        <Form.Item
          name="event_types"
          label={t("webhook.eventTypes")}
          rules={[{ required: true, type: "array", min: 1, message: t("webhook.eventTypesRequired") }]}
          getValueFromEvent={(next: string[]) => normalizeEventTypes(next, form.getFieldValue("event_types") ?? [])}
        >
          <Select
            mode="multiple"
            loading={events.isLoading}
            data-testid="webhook-event-select"
            optionFilterProp="label"
            options={[
              { value: ALL_EVENTS, label: t("webhook.allEvents") },
              ...events.items.map((e) => ({ value: e.type, label: `${e.type} · ${events.label(e.type)}` })),
            ]}
          />
        </Form.Item>
        <Form.Item name="description" label={t("webhook.description")}>
          <Input.TextArea maxLength={1000} autoSize={{ minRows: 2, maxRows: 5 }} data-testid="webhook-description" />
        </Form.Item>
        <Form.Item name="is_active" label={t("webhook.active")} valuePropName="checked">
          <Switch data-testid="webhook-active" />
        </Form.Item>
      </Form>
    </Drawer>
  );
}

/** The secret, shown once (after creation or rotation), with how to check signatures. */
function SecretModal({ webhook, onClose }: { webhook: WebhookCreated | null; onClose: () => void }) {
  const t = useT();
  return (
    <Modal
      open={Boolean(webhook)}
      title={t("webhook.secretTitle", { name: webhook?.name ?? "" })}
      onCancel={onClose}
      onOk={onClose}
      cancelButtonProps={{ style: { display: "none" } }}
      okText={t("webhook.secretDone")}
      okButtonProps={{ "data-testid": "webhook-secret-done" } as Record<string, string>}
      maskClosable={false}
      width={640}
      destroyOnHidden
    >
      <Alert type="warning" showIcon message={t("webhook.secretOnce")} style={{ marginBottom: 12 }} />
      <Typography.Paragraph
        copyable={{ text: webhook?.secret ?? "" }}
        code
        data-testid="webhook-secret"
        style={{ wordBreak: "break-all" }}
      >
        {webhook?.secret}
      </Typography.Paragraph>
      <Typography.Title level={5}>{t("webhook.recipeTitle")}</Typography.Title>
      <SignatureRecipe />
    </Modal>
  );
}

function Health({ w }: { w: Webhook }) {
  const t = useT();
  return (
    <Space size={4} data-testid="webhook-health">
      <Tooltip title={t("webhook.pendingHint")}>
        <Tag color={w.pending ? "processing" : "default"} data-testid="webhook-pending">
          {t("webhook.pending", { n: w.pending })}
        </Tag>
      </Tooltip>
      <Tooltip title={t("webhook.failedHint")}>
        <Tag color={w.failed ? "error" : "default"} data-testid="webhook-failed">
          {t("webhook.failed", { n: w.failed })}
        </Tag>
      </Tooltip>
      <Tooltip title={t("webhook.delivered24hHint")}>
        <Tag color={w.delivered_24h ? "success" : "default"} data-testid="webhook-delivered">
          {t("webhook.delivered24h", { n: w.delivered_24h })}
        </Tag>
      </Tooltip>
    </Space>
  );
}

export function WebhooksPage() {
  const t = useT();
  const can = useCan();
  const mayManage = can("webhook", "manage");
  const { message } = App.useApp();
  const report = useApiError();
  const stale = useStale();
  const queryClient = useQueryClient();
  const events = useEventTypes();
  const [editing, setEditing] = useState<Webhook | "new" | null>(null);
  const [secret, setSecret] = useState<WebhookCreated | null>(null);

  const list = useQuery({
    queryKey: WEBHOOK_KEYS.list,
    queryFn: async () => (await unwrap(api.GET("/api/v1/webhooks"))).items,
  });
  const invalidate = () => queryClient.invalidateQueries({ queryKey: WEBHOOK_KEYS.list });
  const onError = (e: unknown) => {
    if (!stale(e)) report(e);
  };

  const toggle = useMutation({
    mutationFn: (w: Webhook) =>
      unwrap(
        api.PATCH("/api/v1/webhooks/{webhook_id}", {
          params: { path: { webhook_id: w.id } },
          body: { is_active: !w.is_active },
          headers: { "If-Match": ifMatch(w) },
        }),
      ),
    onSuccess: () => void invalidate(),
    onError,
  });
  const remove = useMutation({
    mutationFn: (w: Webhook) =>
      unwrap(
        api.DELETE("/api/v1/webhooks/{webhook_id}", {
          params: { path: { webhook_id: w.id } },
          headers: { "If-Match": ifMatch(w) },
        }),
      ),
    onSuccess: () => {
      void message.success(t("common.deleted"));
      void invalidate();
    },
    onError,
  });
  const rotate = useMutation({
    mutationFn: (w: Webhook) =>
      unwrap(api.POST("/api/v1/webhooks/{webhook_id}/rotate-secret", { params: { path: { webhook_id: w.id } } })),
    onSuccess: (w) => {
      setSecret(w);
      void invalidate();
    },
    onError,
  });
  const test = useMutation({
    mutationFn: (w: Webhook) => unwrap(api.POST("/api/v1/webhooks/{webhook_id}/test", { params: { path: { webhook_id: w.id } } })),
    onSuccess: (_, w) => {
      void message.success(t("webhook.testQueued"));
      void invalidate();
      void queryClient.invalidateQueries({ queryKey: WEBHOOK_KEYS.deliveries(w.id) });
    },
    onError,
  });

  return (
    <Card
      title={t("webhook.title")}
      extra={
        mayManage && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing("new")} data-testid="webhook-create">
            {t("webhook.new")}
          </Button>
        )
      }
    >
      <Typography.Paragraph type="secondary">{t("webhook.hint")}</Typography.Paragraph>
      <Table<Webhook>
        rowKey="id"
        data-testid="webhook-table"
        loading={list.isLoading}
        dataSource={list.data ?? []}
        pagination={false}
        scroll={{ x: "max-content" }}
        locale={{ emptyText: t("webhook.empty") }}
        onRow={(w) => ({ "data-name": w.name }) as HTMLAttributes<HTMLElement>}
        columns={[
          {
            key: "name",
            title: t("webhook.name"),
            render: (_, w) => (
              <Link to={`/settings/webhooks/${w.id}`} data-testid="webhook-open">
                {w.name}
              </Link>
            ),
          },
          {
            key: "url",
            title: t("webhook.url"),
            render: (_, w) => (
              <Typography.Text copyable={{ text: w.url }} style={{ maxWidth: 280 }} ellipsis={{ tooltip: w.url }}>
                {w.url}
              </Typography.Text>
            ),
          },
          { key: "events", title: t("webhook.eventTypes"), render: (_, w) => <EventTypeTags types={w.event_types} label={events.label} /> },
          {
            key: "active",
            title: t("webhook.active"),
            render: (_, w) => (
              <Switch
                size="small"
                checked={w.is_active}
                disabled={!mayManage}
                loading={toggle.isPending && toggle.variables?.id === w.id}
                onChange={() => toggle.mutate(w)}
                data-testid="webhook-toggle"
              />
            ),
          },
          { key: "health", title: t("webhook.health"), render: (_, w) => <Health w={w} /> },
          { key: "last", title: t("webhook.lastDelivered"), render: (_, w) => fmtDateTime(w.last_delivered_at) || "—" },
          {
            key: "actions",
            title: t("common.actions"),
            render: (_, w) => (
              <Space size={0} wrap>
                <Link to={`/settings/webhooks/${w.id}`}>
                  <Button type="link" size="small">
                    {t("webhook.deliveries")}
                  </Button>
                </Link>
                {mayManage && (
                  <>
                    <Button type="link" size="small" onClick={() => setEditing(w)} data-testid="webhook-edit">
                      {t("common.edit")}
                    </Button>
                    <Button
                      type="link"
                      size="small"
                      loading={test.isPending && test.variables?.id === w.id}
                      onClick={() => test.mutate(w)}
                      data-testid="webhook-test"
                    >
                      {t("webhook.sendTest")}
                    </Button>
                    <Popconfirm title={t("webhook.rotateConfirm")} onConfirm={() => rotate.mutate(w)}>
                      <Button type="link" size="small" data-testid="webhook-rotate">
                        {t("webhook.rotate")}
                      </Button>
                    </Popconfirm>
                    <Popconfirm title={t("webhook.deleteConfirm")} onConfirm={() => remove.mutate(w)} okButtonProps={{ danger: true }}>
                      <Button type="link" size="small" danger data-testid="webhook-delete">
                        {t("common.delete")}
                      </Button>
                    </Popconfirm>
                  </>
                )}
              </Space>
            ),
          },
        ]}
      />
      <WebhookDrawer
        key={editing === "new" ? "new" : (editing?.id ?? "closed")}
        open={editing !== null}
        webhook={editing === "new" ? null : editing}
        onClose={() => setEditing(null)}
        onCreated={setSecret}
      />
      <SecretModal webhook={secret} onClose={() => setSecret(null)} />
    </Card>
  );
}
