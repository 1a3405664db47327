import { PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Form, Input, Modal, Popconfirm, Table, Typography } from "antd";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import type { ApiKey, ApiKeyCreated } from "../../api/types";
import { useCan } from "../../auth/context";
import { fmtDateTime } from "../../components/format";
import { RoleSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";

const KEY = ["api-keys"] as const;

export function ApiKeysPage() {
  const t = useT();
  const can = useCan();
  const report = useApiError();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ name: string; role: string }>();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const list = useQuery({ queryKey: KEY, queryFn: () => unwrap(api.GET("/api/v1/api-keys")) });

  const create = useMutation({
    mutationFn: (v: { name: string; role: string }) => unwrap(api.POST("/api/v1/api-keys", { body: { name: v.name.trim(), role: v.role } })),
    onSuccess: (k) => {
      setCreating(false);
      setCreated(k);
      void queryClient.invalidateQueries({ queryKey: KEY });
    },
    onError: (e) => report(e, { form }),
  });
  const remove = useMutation({
    mutationFn: (k: ApiKey) => unwrap(api.DELETE("/api/v1/api-keys/{key_id}", { params: { path: { key_id: k.id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: KEY }),
    onError: (e) => report(e),
  });

  return (
    <Card
      title={t("apiKey.entity")}
      extra={
        can("api_key", "create") && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="api-key-create">
            {t("apiKey.new")}
          </Button>
        )
      }
    >
      <Table<ApiKey>
        rowKey="id"
        data-testid="api-key-table"
        loading={list.isLoading}
        dataSource={list.data?.items ?? []}
        pagination={false}
        columns={[
          { key: "name", dataIndex: "name", title: t("apiKey.name") },
          { key: "role", dataIndex: "role", title: t("apiKey.role") },
          { key: "prefix", title: t("apiKey.prefix"), render: (_, k) => (k.prefix ? <Typography.Text code>{k.prefix}…</Typography.Text> : "") },
          { key: "created", title: t("common.createdAt"), render: (_, k) => fmtDateTime(k.created_at) },
          { key: "used", title: t("apiKey.lastUsedAt"), render: (_, k) => fmtDateTime(k.last_used_at) },
          {
            key: "actions",
            title: t("common.actions"),
            render: (_, k) =>
              can("api_key", "delete") && (
                <Popconfirm title={t("common.confirmDelete")} onConfirm={() => remove.mutate(k)}>
                  <Button type="link" danger size="small">
                    {t("common.delete")}
                  </Button>
                </Popconfirm>
              ),
          },
        ]}
      />
      <Modal
        open={creating}
        title={t("apiKey.new")}
        onCancel={() => setCreating(false)}
        onOk={() => form.submit()}
        confirmLoading={create.isPending}
        okText={t("common.save")}
        cancelText={t("common.cancel")}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" preserve={false} onFinish={(v) => create.mutate(v)}>
          <Form.Item name="name" label={t("apiKey.name")} rules={[{ required: true, whitespace: true }]}>
            <Input data-testid="api-key-name" />
          </Form.Item>
          <Form.Item name="role" label={t("apiKey.role")} rules={[{ required: true }]}>
            <RoleSelect data-testid="api-key-role" />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={Boolean(created)}
        title={t("apiKey.created")}
        onCancel={() => setCreated(null)}
        onOk={() => setCreated(null)}
        cancelButtonProps={{ style: { display: "none" } }}
        okText={t("common.ok")}
        maskClosable={false}
      >
        <Alert type="warning" showIcon message={t("apiKey.showOnce")} style={{ marginBottom: 12 }} />
        <Typography.Paragraph copyable={{ text: created?.key ?? "" }} code data-testid="api-key-secret" style={{ wordBreak: "break-all" }}>
          {created?.key}
        </Typography.Paragraph>
      </Modal>
    </Card>
  );
}
