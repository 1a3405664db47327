import { PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Col, Empty, Form, Input, Menu, Modal, Popconfirm, Row, Select, Space, Table, Tag, Typography } from "antd";
import { useMemo, useState } from "react";
import { api, unwrap } from "../../api/client";
import { fetchRoles, keys } from "../../api/queries";
import type { Policy, Role, Scope } from "../../api/types";
import { useCan } from "../../auth/context";
import { useApiError } from "../../components/useApiError";
import { localLabel, translateDynamic, useLang, useT } from "../../i18n/context";

const ACTION_ORDER = ["read", "create", "update", "delete", "export", "manage"];

type Draft = Record<string, Scope | undefined>;

const cellKey = (resource: string, action: string) => `${resource}:${action}`;

function toDraft(role: Role | undefined): Draft {
  const d: Draft = {};
  for (const p of role?.policies ?? []) d[cellKey(p.resource, p.action)] = p.scope as Scope;
  return d;
}

function toPolicies(draft: Draft): Policy[] {
  return Object.entries(draft)
    .filter((e): e is [string, Scope] => Boolean(e[1]))
    .map(([k, scope]) => {
      const [resource = "", action = ""] = k.split(":");
      return { resource, action, scope };
    });
}

export function RolesPage() {
  const t = useT();
  const { lang } = useLang();
  const can = useCan();
  const report = useApiError();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const roles = useQuery({ queryKey: keys.roles, queryFn: fetchRoles });
  const catalog = useQuery({ queryKey: keys.catalog, queryFn: () => unwrap(api.GET("/api/v1/permissions/catalog")) });
  const [selected, setSelected] = useState<string | null>(null);
  // Unsaved edits per role; a role without an entry shows its saved policies.
  const [drafts, setDrafts] = useState<Record<string, Draft>>({});
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<{ name: string; label: string }>();

  const role = roles.data?.find((r) => r.name === selected) ?? roles.data?.[0];
  const draft = useMemo(() => (role ? drafts[role.name] ?? toDraft(role) : {}), [role, drafts]);
  const setCell = (key: string, scope: Scope | undefined) => {
    if (!role) return;
    setDrafts((all) => ({ ...all, [role.name]: { ...(all[role.name] ?? toDraft(role)), [key]: scope } }));
  };
  const resetDraft = (name: string) =>
    setDrafts((all) => {
      const next = { ...all };
      delete next[name];
      return next;
    });

  const actions = useMemo(() => {
    const all = new Set<string>();
    for (const r of catalog.data?.resources ?? []) for (const a of r.actions) all.add(a);
    return [...all].sort((a, b) => {
      const ia = ACTION_ORDER.indexOf(a);
      const ib = ACTION_ORDER.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
    });
  }, [catalog.data]);
  const scopes = (catalog.data?.scopes ?? ["own", "team", "zone", "all"]) as Scope[];
  const dirty = JSON.stringify(toPolicies(draft).sort((a, b) => cellKey(a.resource, a.action).localeCompare(cellKey(b.resource, b.action)))) !==
    JSON.stringify(toPolicies(toDraft(role)).sort((a, b) => cellKey(a.resource, a.action).localeCompare(cellKey(b.resource, b.action))));

  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT("/api/v1/roles/{name}/policies", {
          params: { path: { name: role?.name ?? "" } },
          body: { policies: toPolicies(draft) },
        }),
      ),
    onSuccess: () => {
      message.success(t("common.saved"));
      void queryClient.invalidateQueries({ queryKey: keys.roles }).then(() => role && resetDraft(role.name));
      void queryClient.invalidateQueries({ queryKey: ["me"] });
    },
    onError: (e) => report(e),
  });
  const create = useMutation({
    mutationFn: (v: { name: string; label: string }) => unwrap(api.POST("/api/v1/roles", { body: { name: v.name.trim(), label: v.label.trim() } })),
    onSuccess: (r) => {
      void queryClient.invalidateQueries({ queryKey: keys.roles });
      setSelected(r.name);
      setCreating(false);
    },
    onError: (e) => report(e, { form }),
  });
  const remove = useMutation({
    mutationFn: (name: string) => unwrap(api.DELETE("/api/v1/roles/{name}", { params: { path: { name } } })),
    onSuccess: () => {
      setSelected(null);
      void queryClient.invalidateQueries({ queryKey: keys.roles });
    },
    onError: (e) => report(e),
  });

  const editable = can("role", "manage");

  return (
    <Row gutter={16}>
      <Col xs={24} md={6}>
        <Card
          title={t("role.entity")}
          size="small"
          loading={roles.isLoading}
          extra={
            editable && (
              <Button size="small" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="role-create">
                {t("role.new")}
              </Button>
            )
          }
        >
          <Menu
            mode="inline"
            style={{ borderInlineEnd: 0 }}
            selectedKeys={role ? [role.name] : []}
            onClick={({ key }) => setSelected(key)}
            items={(roles.data ?? []).map((r) => ({
              key: r.name,
              label: (
                <span data-testid={`role-item-${r.name}`}>
                  {localLabel(r.label, lang) || r.name} {r.builtin && <Tag style={{ marginLeft: 4 }}>{t("role.builtin")}</Tag>}
                </span>
              ),
            }))}
          />
        </Card>
      </Col>
      <Col xs={24} md={18}>
        <Card
          size="small"
          title={role ? `${localLabel(role.label, lang) || role.name} (${role.name})` : t("menu.roles")}
          extra={
            role &&
            editable && (
              <Space>
                {!role.builtin && (
                  <Popconfirm title={t("common.confirmDelete")} onConfirm={() => remove.mutate(role.name)}>
                    <Button danger size="small">
                      {t("common.delete")}
                    </Button>
                  </Popconfirm>
                )}
                <Button size="small" disabled={!dirty} onClick={() => resetDraft(role.name)}>
                  {t("common.reset")}
                </Button>
                <Button type="primary" size="small" disabled={!dirty} loading={save.isPending} onClick={() => save.mutate()} data-testid="role-save">
                  {t("role.savePolicies")}
                </Button>
              </Space>
            )
          }
        >
          {!role ? (
            <Empty />
          ) : (
            <>
              <Typography.Paragraph type="secondary">{t("role.scopeHint")}</Typography.Paragraph>
              <Table
                rowKey="name"
                size="small"
                pagination={false}
                loading={catalog.isLoading}
                data-testid="role-matrix"
                dataSource={catalog.data?.resources ?? []}
                scroll={{ x: "max-content" }}
                columns={[
                  { key: "resource", title: t("role.resource"), render: (_, r) => translateDynamic(t, "role.resource", r.name), fixed: "left" },
                  ...actions.map((action) => ({
                    key: action,
                    title: translateDynamic(t, "role.action", action),
                    render: (_: unknown, r: { name: string; actions: string[] }) =>
                      r.actions.includes(action) ? (
                        <Select<Scope>
                          size="small"
                          allowClear
                          disabled={!editable}
                          style={{ width: 100 }}
                          placeholder="—"
                          value={draft[cellKey(r.name, action)]}
                          onChange={(v) => setCell(cellKey(r.name, action), v ?? undefined)}
                          options={scopes.map((s) => ({ value: s, label: translateDynamic(t, "role.scope", s) }))}
                          data-testid={`policy-${r.name}-${action}`}
                        />
                      ) : (
                        <Typography.Text type="secondary">·</Typography.Text>
                      ),
                  })),
                ]}
              />
            </>
          )}
        </Card>
      </Col>
      <Modal
        open={creating}
        title={t("role.new")}
        onCancel={() => setCreating(false)}
        onOk={() => form.submit()}
        confirmLoading={create.isPending}
        okText={t("common.save")}
        cancelText={t("common.cancel")}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" preserve={false} clearOnDestroy onFinish={(v) => create.mutate(v)}>
          <Form.Item name="name" label={t("role.name")} rules={[{ required: true, pattern: /^[a-z][a-z0-9_]*$/ }]}>
            <Input placeholder="regional_auditor" data-testid="role-name" />
          </Form.Item>
          <Form.Item name="label" label={t("role.label")} rules={[{ required: true, whitespace: true }]}>
            <Input data-testid="role-label" />
          </Form.Item>
        </Form>
      </Modal>
    </Row>
  );
}
