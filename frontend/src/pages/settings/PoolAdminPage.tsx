/**
 * Settings › pools (公海池管理): every pool, inactive ones too; edit, deactivate (moving its
 * customers), per-role permissions (公海池权限设置: view / claim / allocate), and the rules that
 * send released and recycled customers to a pool.
 */
import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Checkbox, Form, Input, Modal, Segmented, Select, Space, Table, Tag, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { api, ifMatch, unwrap } from "../../api/client";
import { fetchTiers, fetchZones, keys } from "../../api/queries";
import type { Pool } from "../../api/types";
import { useCan } from "../../auth/context";
import { MultiZoneSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { localLabel, useLang, useT } from "../../i18n/context";
import type { MessageKey } from "../../i18n/messages";
import { NewPoolButton } from "../pools/PoolPage";
import { poolKeys } from "../pools/poolQueries";
import {
  LEVELS,
  PERMISSION_FLAGS,
  formToTargets,
  needsMoveTarget,
  permissionsBody,
  targetsToForm,
  togglePermission,
  type PermissionFlag,
  type PoolPermissionRow,
  type PoolStatus,
  type PoolUpdate,
  type TargetRuleForm,
} from "./poolAdmin";

const adminPoolsKey = (status: PoolStatus) => [...poolKeys.list, "admin", status] as const;
const targetsKey = ["settings", "pool-targets"] as const;

const FLAG_LABELS: Record<PermissionFlag, MessageKey> = {
  can_view: "poolAdmin.view",
  can_claim: "poolAdmin.claim",
  can_allocate: "poolAdmin.allocate",
};

async function fetchAdminPools(status: PoolStatus): Promise<Pool[]> {
  return (await unwrap(api.GET("/api/v1/pools", { params: { query: { status } } }))).items;
}

export function PoolAdminPage() {
  return (
    <Space direction="vertical" size="large" style={{ width: "100%" }}>
      <PoolsCard />
      <TargetRulesCard />
    </Space>
  );
}

function PoolsCard() {
  const t = useT();
  const [status, setStatus] = useState<PoolStatus>("all");
  const [editing, setEditing] = useState<Pool | null>(null);
  const [closing, setClosing] = useState<Pool | null>(null);
  const [permissionsOf, setPermissionsOf] = useState<Pool | null>(null);
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const pools = useQuery({ queryKey: adminPoolsKey(status), queryFn: () => fetchAdminPools(status) });
  const zones = useQuery({ queryKey: keys.zones, queryFn: () => fetchZones() });
  const zoneName = useMemo(() => new Map((zones.data ?? []).map((z) => [z.id, z.name])), [zones.data]);
  const activate = useMutation({
    mutationFn: (p: Pool) =>
      unwrap(api.PATCH("/api/v1/pools/{pool_id}", { params: { path: { pool_id: p.id } }, body: { is_active: true }, headers: { "If-Match": ifMatch(p) } })),
    onSuccess: () => {
      message.success(t("poolAdmin.activated"));
      void qc.invalidateQueries({ queryKey: poolKeys.all });
    },
    onError: (e) => report(e, { onStale: () => void qc.invalidateQueries({ queryKey: poolKeys.all }) }),
  });

  return (
    <Card
      title={t("poolAdmin.title")}
      extra={<NewPoolButton onCreated={() => void qc.invalidateQueries({ queryKey: poolKeys.all })} />}
      data-testid="pool-admin"
    >
      <Typography.Paragraph type="secondary">{t("poolAdmin.hint")}</Typography.Paragraph>
      <Segmented<PoolStatus>
        value={status}
        onChange={setStatus}
        options={[
          { value: "all", label: t("common.all") },
          { value: "active", label: t("common.active") },
          { value: "inactive", label: t("common.inactive") },
        ]}
        style={{ marginBottom: 12 }}
        data-testid="pool-admin-status"
      />
      <Table<Pool>
        rowKey="id"
        size="small"
        loading={pools.isLoading}
        dataSource={pools.data ?? []}
        pagination={false}
        scroll={{ x: "max-content" }}
        onRow={(p) => ({ "data-testid": `pool-admin-row-${p.id}` }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          {
            key: "name",
            title: t("pool.name"),
            render: (_, p) => (
              <Space>
                <span data-testid="pool-admin-name">{p.name}</span>
                {p.is_default && <Tag color="blue">{t("poolAdmin.default")}</Tag>}
              </Space>
            ),
          },
          { key: "zone", title: t("pool.zone"), render: (_, p) => (p.zone_id ? (zoneName.get(p.zone_id) ?? "—") : t("pool.companyWide")) },
          { key: "description", title: t("pool.description"), render: (_, p) => p.description ?? "" },
          { key: "customers", title: t("poolAdmin.customers"), align: "right", render: (_, p) => p.customers },
          {
            key: "status",
            title: t("common.status"),
            render: (_, p) => (
              <Tag color={p.is_active ? "green" : "default"} data-testid="pool-admin-state">
                {p.is_active ? t("common.active") : t("common.inactive")}
              </Tag>
            ),
          },
          {
            key: "actions",
            title: t("common.actions"),
            render: (_, p) => (
              <Space size={4}>
                <Button size="small" type="link" onClick={() => setEditing(p)} data-testid={`pool-admin-edit-${p.id}`}>
                  {t("common.edit")}
                </Button>
                <Button size="small" type="link" onClick={() => setPermissionsOf(p)} data-testid={`pool-admin-permissions-${p.id}`}>
                  {t("poolAdmin.permissions")}
                </Button>
                {p.is_active ? (
                  <Button
                    size="small"
                    type="link"
                    danger
                    disabled={p.is_default}
                    title={p.is_default ? t("poolAdmin.defaultLocked") : undefined}
                    onClick={() => setClosing(p)}
                    data-testid={`pool-admin-deactivate-${p.id}`}
                  >
                    {t("poolAdmin.deactivate")}
                  </Button>
                ) : (
                  <Button size="small" type="link" onClick={() => activate.mutate(p)} data-testid={`pool-admin-activate-${p.id}`}>
                    {t("poolAdmin.activate")}
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
      />
      {editing && <EditPoolDialog pool={editing} onClose={() => setEditing(null)} />}
      {closing && <DeactivateDialog pool={closing} onClose={() => setClosing(null)} />}
      {permissionsOf && <PermissionsDialog pool={permissionsOf} onClose={() => setPermissionsOf(null)} />}
    </Card>
  );
}

function EditPoolDialog({ pool, onClose }: { pool: Pool; onClose: () => void }) {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<{ name: string; description?: string | null }>();
  const save = useMutation({
    mutationFn: (v: { name: string; description?: string | null }) => {
      const body: PoolUpdate = { name: v.name.trim(), description: v.description?.trim() || null };
      return unwrap(api.PATCH("/api/v1/pools/{pool_id}", { params: { path: { pool_id: pool.id } }, body, headers: { "If-Match": ifMatch(pool) } }));
    },
    onSuccess: () => {
      message.success(t("common.saved"));
      void qc.invalidateQueries({ queryKey: poolKeys.all });
      onClose();
    },
    onError: (e) => report(e, { form, onStale: () => void qc.invalidateQueries({ queryKey: poolKeys.all }).then(onClose) }),
  });
  return (
    <Modal
      open
      title={t("poolAdmin.edit")}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={save.isPending}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      okButtonProps={{ "data-testid": "pool-edit-ok" }}
    >
      <Form form={form} layout="vertical" initialValues={{ name: pool.name, description: pool.description }} onFinish={(v) => save.mutate(v)}>
        <Form.Item name="name" label={t("pool.name")} rules={[{ required: true, whitespace: true, max: 100 }]}>
          <Input maxLength={100} data-testid="pool-edit-name" />
        </Form.Item>
        <Form.Item name="description" label={t("pool.description")} rules={[{ max: 1000 }]}>
          <Input.TextArea rows={3} maxLength={1000} data-testid="pool-edit-description" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function DeactivateDialog({ pool, onClose }: { pool: Pool; onClose: () => void }) {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<{ move_to_pool_id?: string | null }>();
  const moving = needsMoveTarget(pool);
  const targets = useQuery({ queryKey: adminPoolsKey("active"), queryFn: () => fetchAdminPools("active"), enabled: moving });
  const close = useMutation({
    mutationFn: (v: { move_to_pool_id?: string | null }) => {
      const body: PoolUpdate = { is_active: false };
      if (moving && v.move_to_pool_id) body.move_to_pool_id = v.move_to_pool_id;
      return unwrap(api.PATCH("/api/v1/pools/{pool_id}", { params: { path: { pool_id: pool.id } }, body, headers: { "If-Match": ifMatch(pool) } }));
    },
    onSuccess: () => {
      message.success(t("poolAdmin.deactivated"));
      void qc.invalidateQueries({ queryKey: poolKeys.all });
      onClose();
    },
    onError: (e) => report(e, { form, onStale: () => void qc.invalidateQueries({ queryKey: poolKeys.all }).then(onClose) }),
  });
  return (
    <Modal
      open
      title={t("poolAdmin.deactivateTitle", { name: pool.name })}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={close.isPending}
      okText={t("poolAdmin.deactivate")}
      okButtonProps={{ danger: true, "data-testid": "pool-deactivate-ok" }}
      cancelText={t("common.cancel")}
    >
      <Typography.Paragraph>{t("poolAdmin.deactivateHint")}</Typography.Paragraph>
      <Form form={form} layout="vertical" onFinish={(v) => close.mutate(v)}>
        {moving && (
          <Form.Item
            name="move_to_pool_id"
            label={t("poolAdmin.moveTo")}
            extra={t("poolAdmin.moveToHint", { count: pool.customers })}
            rules={[{ required: true, message: t("poolAdmin.poolRequired") }]}
          >
            <Select
              loading={targets.isLoading}
              showSearch
              optionFilterProp="label"
              options={(targets.data ?? []).filter((p) => p.id !== pool.id).map((p) => ({ value: p.id, label: p.name }))}
              data-testid="pool-deactivate-move-to"
            />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}

function PermissionsDialog({ pool, onClose }: { pool: Pool; onClose: () => void }) {
  const t = useT();
  const { lang } = useLang();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const key = ["pools", "permissions", pool.id] as const;
  const loaded = useQuery({
    queryKey: key,
    queryFn: () => unwrap(api.GET("/api/v1/pools/{pool_id}/permissions", { params: { path: { pool_id: pool.id } } })),
  });
  // the checkboxes changed so far, over what the server holds
  const [edited, setEdited] = useState<PoolPermissionRow[] | null>(null);
  const rows = edited ?? loaded.data?.roles ?? [];
  const put = useMutation({
    mutationFn: (roles: PoolPermissionRow[] | null) =>
      unwrap(
        api.PUT("/api/v1/pools/{pool_id}/permissions", {
          params: { path: { pool_id: pool.id } },
          body: roles ? permissionsBody(roles) : { roles: [] },
        }),
      ),
    onSuccess: (data) => {
      message.success(t("common.saved"));
      qc.setQueryData(key, data);
      void qc.invalidateQueries({ queryKey: poolKeys.list });
      onClose();
    },
    onError: (e) => report(e),
  });
  return (
    <Modal
      open
      width={640}
      title={t("poolAdmin.permissionsTitle", { name: pool.name })}
      onCancel={onClose}
      footer={[
        <Button key="reset" onClick={() => put.mutate(null)} disabled={!loaded.data?.custom} data-testid="pool-perm-reset">
          {t("poolAdmin.resetPermissions")}
        </Button>,
        <Button key="cancel" onClick={onClose}>
          {t("common.cancel")}
        </Button>,
        <Button key="save" type="primary" loading={put.isPending} onClick={() => put.mutate(rows)} data-testid="pool-perm-save">
          {t("common.save")}
        </Button>,
      ]}
    >
      <Typography.Paragraph type="secondary">{t("poolAdmin.permissionsHint")}</Typography.Paragraph>
      {loaded.data && (
        <Alert
          type={loaded.data.custom ? "warning" : "info"}
          showIcon
          style={{ marginBottom: 12 }}
          message={loaded.data.custom ? t("poolAdmin.custom") : t("poolAdmin.inherited")}
          data-testid="pool-perm-state"
        />
      )}
      <Table<PoolPermissionRow>
        rowKey="role"
        size="small"
        pagination={false}
        loading={loaded.isLoading}
        dataSource={rows}
        columns={[
          { key: "role", title: t("poolAdmin.role"), render: (_, r) => localLabel(r.label, lang) || r.role },
          ...PERMISSION_FLAGS.map((flag) => ({
            key: flag,
            title: t(FLAG_LABELS[flag]),
            align: "center" as const,
            render: (_: unknown, r: PoolPermissionRow) => (
              <Checkbox
                checked={r[flag]}
                onChange={(e) => setEdited(togglePermission(rows, r.role, flag, e.target.checked))}
                data-testid={`pool-perm-${r.role}-${flag}`}
              />
            ),
          })),
        ]}
      />
    </Modal>
  );
}

function TargetRulesCard() {
  const t = useT();
  const can = useCan();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const editable = can("setting", "update");
  const [form] = Form.useForm<{ rules: TargetRuleForm[] }>();
  const targets = useQuery({ queryKey: targetsKey, queryFn: () => unwrap(api.GET("/api/v1/settings/pool-targets")) });
  const pools = useQuery({ queryKey: adminPoolsKey("active"), queryFn: () => fetchAdminPools("active") });
  const tiers = useQuery({ queryKey: keys.tiers, queryFn: fetchTiers, staleTime: 5 * 60_000 });
  useEffect(() => {
    if (targets.data) form.setFieldsValue(targetsToForm(targets.data));
  }, [targets.data, form]);
  const save = useMutation({
    mutationFn: (v: { rules?: TargetRuleForm[] }) => unwrap(api.PUT("/api/v1/settings/pool-targets", { body: formToTargets(v) })),
    onSuccess: (data) => {
      message.success(t("common.saved"));
      qc.setQueryData(targetsKey, data);
    },
    onError: (e) => report(e, { form }),
  });
  const poolOptions = (pools.data ?? []).map((p) => ({ value: p.id, label: p.name }));
  const tierOptions = (tiers.data ?? []).map((x) => ({ value: x.code, label: x.name.startsWith(x.code) ? x.name : `${x.code} · ${x.name}` }));
  const levelOptions = LEVELS.map((l) => ({ value: l, label: t(`customer.level.${l}` as MessageKey) }));

  return (
    <Card title={t("poolAdmin.targetsTitle")} loading={targets.isLoading} data-testid="pool-targets">
      <Typography.Paragraph type="secondary">{t("poolAdmin.targetsHint")}</Typography.Paragraph>
      <Form form={form} layout="vertical" disabled={!editable} onFinish={(v) => save.mutate(v)}>
        <Form.List name="rules">
          {(fields, { add, remove, move }) => (
            <>
              <Table
                size="small"
                rowKey="key"
                pagination={false}
                dataSource={fields}
                scroll={{ x: "max-content" }}
                locale={{ emptyText: t("poolAdmin.noRules") }}
                data-testid="pool-targets-rules"
                columns={[
                  { key: "position", title: "#", width: 40, render: (_, field) => field.name + 1 },
                  {
                    key: "industries",
                    title: t("poolAdmin.industries"),
                    render: (_, field) => (
                      <Form.Item name={[field.name, "industries"]} style={{ margin: 0 }}>
                        <Select mode="tags" placeholder={t("poolAdmin.any")} style={{ minWidth: 160 }} tokenSeparators={[",", "，"]} data-testid={`pool-targets-${field.name}-industries`} />
                      </Form.Item>
                    ),
                  },
                  {
                    key: "tiers",
                    title: t("poolAdmin.tiers"),
                    render: (_, field) => (
                      <Form.Item name={[field.name, "tiers"]} style={{ margin: 0 }}>
                        <Select mode="multiple" options={tierOptions} placeholder={t("poolAdmin.any")} style={{ minWidth: 120 }} data-testid={`pool-targets-${field.name}-tiers`} />
                      </Form.Item>
                    ),
                  },
                  {
                    key: "levels",
                    title: t("poolAdmin.levels"),
                    render: (_, field) => (
                      <Form.Item name={[field.name, "levels"]} style={{ margin: 0 }}>
                        <Select mode="multiple" options={levelOptions} placeholder={t("poolAdmin.any")} style={{ minWidth: 120 }} data-testid={`pool-targets-${field.name}-levels`} />
                      </Form.Item>
                    ),
                  },
                  {
                    key: "zones",
                    title: t("poolAdmin.zones"),
                    render: (_, field) => (
                      <Form.Item name={[field.name, "zone_ids"]} style={{ margin: 0, minWidth: 160 }}>
                        <MultiZoneSelect placeholder={t("poolAdmin.any")} data-testid={`pool-targets-${field.name}-zones`} />
                      </Form.Item>
                    ),
                  },
                  {
                    key: "pool",
                    title: t("poolAdmin.targetPool"),
                    render: (_, field) => (
                      <Form.Item name={[field.name, "pool_id"]} style={{ margin: 0 }} rules={[{ required: true, message: t("poolAdmin.poolRequired") }]}>
                        <Select showSearch optionFilterProp="label" options={poolOptions} style={{ minWidth: 180 }} data-testid={`pool-targets-${field.name}-pool`} />
                      </Form.Item>
                    ),
                  },
                  ...(editable
                    ? [
                        {
                          key: "order",
                          width: 120,
                          render: (_: unknown, field: { name: number }) => (
                            <Space size={0}>
                              <Button
                                type="text"
                                icon={<ArrowUpOutlined />}
                                disabled={field.name === 0}
                                onClick={() => move(field.name, field.name - 1)}
                                aria-label={t("poolAdmin.moveUp")}
                                data-testid={`pool-targets-${field.name}-up`}
                              />
                              <Button
                                type="text"
                                icon={<ArrowDownOutlined />}
                                disabled={field.name === fields.length - 1}
                                onClick={() => move(field.name, field.name + 1)}
                                aria-label={t("poolAdmin.moveDown")}
                                data-testid={`pool-targets-${field.name}-down`}
                              />
                              <Button
                                type="text"
                                danger
                                icon={<DeleteOutlined />}
                                onClick={() => remove(field.name)}
                                aria-label={t("common.delete")}
                                data-testid={`pool-targets-${field.name}-remove`}
                              />
                            </Space>
                          ),
                        },
                      ]
                    : []),
                ]}
              />
              {editable && (
                <Button
                  type="dashed"
                  icon={<PlusOutlined />}
                  onClick={() => add({ industries: [], tiers: [], levels: [], zone_ids: [], pool_id: null })}
                  style={{ marginTop: 12 }}
                  data-testid="pool-targets-add"
                >
                  {t("poolAdmin.addRule")}
                </Button>
              )}
            </>
          )}
        </Form.List>
        {editable && (
          <div style={{ marginTop: 16 }}>
            <Button type="primary" htmlType="submit" loading={save.isPending} data-testid="pool-targets-save">
              {t("common.save")}
            </Button>
          </div>
        )}
      </Form>
    </Card>
  );
}
