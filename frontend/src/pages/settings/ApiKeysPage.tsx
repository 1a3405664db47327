import { PlusOutlined } from "@ant-design/icons";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Form, Input, Modal, Popconfirm, Select, Table, Tag, Tooltip, Typography } from "antd";
import { useState, type HTMLAttributes } from "react";
import { api, unwrap } from "../../api/client";
import type { ApiKey, ApiKeyCreated } from "../../api/types";
import { useAuth } from "../../auth/context";
import { fmtDateTime } from "../../components/format";
import { RoleSelect, UserSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";

const KEY = ["api-keys"] as const;

interface CreateValues {
  name: string;
  role: string;
  user_id?: string | null;
}

export function ApiKeysPage() {
  const t = useT();
  const { can, me } = useAuth();
  const report = useApiError();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<CreateValues>();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const list = useInfiniteQuery({
    queryKey: KEY,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET("/api/v1/api-keys", { params: { query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  // Binding a key to a role you do not hold, or to another user, needs more than api_key:create.
  const mayManageRoles = can("role", "manage");
  const mayPickUser = can("user", "read");

  const create = useMutation({
    mutationFn: (v: CreateValues) =>
      unwrap(
        api.POST("/api/v1/api-keys", {
          body: { name: v.name.trim(), role: v.role, ...(v.user_id ? { user_id: v.user_id } : {}) },
        }),
      ),
    onSuccess: (k) => {
      setCreating(false);
      setCreated(k);
      void queryClient.invalidateQueries({ queryKey: KEY });
    },
    onError: (e) => report(e, { form }),
  });
  const revoke = useMutation({
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
      <Typography.Paragraph type="secondary">{t("apiKey.hint")}</Typography.Paragraph>
      <Table<ApiKey>
        rowKey="id"
        data-testid="api-key-table"
        loading={list.isLoading}
        dataSource={rows}
        pagination={false}
        scroll={{ x: "max-content" }}
        onRow={(k) => ({ "data-name": k.name, style: k.revoked_at ? { opacity: 0.55 } : undefined }) as HTMLAttributes<HTMLElement>}
        columns={[
          { key: "name", dataIndex: "name", title: t("apiKey.name") },
          { key: "role", dataIndex: "role", title: t("apiKey.role"), render: (_, k) => <Tag>{k.role}</Tag> },
          { key: "user", title: t("apiKey.user"), render: (_, k) => k.user.display_name },
          { key: "prefix", title: t("apiKey.prefix"), render: (_, k) => <Typography.Text code>{k.prefix}…</Typography.Text> },
          { key: "created", title: t("common.createdAt"), render: (_, k) => fmtDateTime(k.created_at) },
          { key: "used", title: t("apiKey.lastUsedAt"), render: (_, k) => fmtDateTime(k.last_used_at) || "—" },
          {
            key: "status",
            title: t("common.status"),
            render: (_, k) =>
              k.revoked_at ? (
                <Tooltip title={fmtDateTime(k.revoked_at)}>
                  <Tag data-testid="api-key-revoked">{t("apiKey.revoked")}</Tag>
                </Tooltip>
              ) : (
                <Tag color="green">{t("common.active")}</Tag>
              ),
          },
          {
            key: "actions",
            title: t("common.actions"),
            render: (_, k) =>
              can("api_key", "delete") &&
              !k.revoked_at && (
                <Popconfirm title={t("apiKey.revokeConfirm")} onConfirm={() => revoke.mutate(k)}>
                  <Button type="link" danger size="small" data-testid="api-key-revoke">
                    {t("apiKey.revoke")}
                  </Button>
                </Popconfirm>
              ),
          },
        ]}
      />
      {list.hasNextPage && (
        <div style={{ textAlign: "center", marginTop: 16 }}>
          <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
            {t("common.loadMore")}
          </Button>
        </div>
      )}
      <Modal
        open={creating}
        title={t("apiKey.new")}
        onCancel={() => setCreating(false)}
        onOk={() => form.submit()}
        confirmLoading={create.isPending}
        okText={t("common.save")}
        cancelText={t("common.cancel")}
        destroyOnHidden
        okButtonProps={{ "data-testid": "api-key-save" } as Record<string, string>}
      >
        <Form form={form} layout="vertical" preserve={false} clearOnDestroy onFinish={(v) => create.mutate(v)}>
          <Form.Item name="name" label={t("apiKey.name")} rules={[{ required: true, whitespace: true }]}>
            <Input maxLength={100} data-testid="api-key-name" />
          </Form.Item>
          <Form.Item
            name="role"
            label={t("apiKey.role")}
            rules={[{ required: true }]}
            extra={mayManageRoles ? t("apiKey.roleHint") : t("apiKey.ownRoleHint")}
          >
            {mayManageRoles ? (
              <RoleSelect data-testid="api-key-role" />
            ) : (
              <OwnRoleSelect roles={me?.roles ?? []} />
            )}
          </Form.Item>
          {mayPickUser && (
            <Form.Item name="user_id" label={t("apiKey.user")} extra={t("apiKey.userHint")}>
              <UserSelect placeholder={me?.user.display_name} data-testid="api-key-user" />
            </Form.Item>
          )}
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

/** Without role:manage a key can only carry a role its creator holds (GET /roles needs role:read). */
function OwnRoleSelect({ roles, value, onChange }: { roles: string[]; value?: string; onChange?: (v: string) => void }) {
  return <Select value={value} onChange={onChange} options={roles.map((r) => ({ value: r, label: r }))} data-testid="api-key-role" />;
}
