import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, EditOutlined, MinusCircleOutlined, PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Col, Form, Input, InputNumber, Modal, Popconfirm, Row, Select, Space, Switch, Table, Tag, Typography } from "antd";
import { useMemo, useState } from "react";
import { api, ifMatch, unwrap } from "../../api/client";
import { fetchChannels, fetchSalesReps, keys } from "../../api/queries";
import type { AssignmentRule, AssignmentRuleIn, RoutingDecision, RoutingSample } from "../../api/types";
import { useCan } from "../../auth/context";
import { cleanBody } from "../../components/format";
import { ProvinceSelect, TeamSelect, ZoneSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { translateDynamic, useT } from "../../i18n/context";
import { GRADES } from "../leads/leadHelpers";
import { RoutingTraceView } from "../leads/RoutingTraceView";
import {
  ACTION_TYPES,
  RULE_FIELDS,
  RULE_OPS,
  buildTarget,
  conditionsToRows,
  describeConditions,
  moved,
  rowsToConditions,
  targetToValues,
  type ActionType,
  type ConditionRow,
  type TargetValues,
} from "./ruleHelpers";

const SIZES = ["1-19", "20-99", "100-499", "500-999", "1000+"] as const;
const rulesKey = ["assignment-rules"] as const;

interface RuleFormValues extends TargetValues {
  name: string;
  action_type: ActionType;
  is_active: boolean;
  required_fields: string[];
  conditions?: ConditionRow[];
}

function useReps(enabled = true) {
  const can = useCan();
  return useQuery({ queryKey: keys.users({ role: "sales_rep" }), queryFn: fetchSalesReps, enabled: enabled && can("user", "read"), staleTime: 60_000 });
}

function ValueInput({ field, value, onChange }: { field?: string; value?: string[]; onChange?: (v: string[]) => void }) {
  const can = useCan();
  const channels = useQuery({ queryKey: keys.channels, queryFn: fetchChannels, enabled: field === "channel_id" && can("channel", "read") });
  const options =
    field === "channel_id"
      ? (channels.data ?? []).map((c) => ({ value: c.id, label: c.name }))
      : field === "grade"
        ? GRADES.map((g) => ({ value: g, label: g }))
        : field === "company_size"
          ? SIZES.map((s) => ({ value: s, label: s }))
          : [];
  return <Select mode="tags" value={value ?? []} onChange={onChange} options={options} style={{ minWidth: 200 }} tokenSeparators={[","]} />;
}

function RuleModal({ rule, open, onClose }: { rule: AssignmentRule | null; open: boolean; onClose: () => void }) {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<RuleFormValues>();
  const reps = useReps(open);
  const repOptions = (reps.data ?? []).map((u) => ({ value: u.id, label: `${u.display_name} (${u.username})` }));
  const rows = rule ? conditionsToRows(rule.conditions) : [];
  const complex = rows === null;
  const initial: Partial<RuleFormValues> = rule
    ? {
        name: rule.name,
        action_type: rule.action_type as ActionType,
        is_active: rule.is_active,
        required_fields: rule.required_fields,
        conditions: rows ?? [],
        ...targetToValues(rule.action_target),
      }
    : { action_type: "team_round_robin", is_active: true, required_fields: [], conditions: [] };

  const save = useMutation({
    mutationFn: async (v: RuleFormValues) => {
      const body: AssignmentRuleIn = {
        name: v.name.trim(),
        action_type: v.action_type,
        is_active: v.is_active,
        required_fields: v.required_fields as AssignmentRuleIn["required_fields"],
        action_target: buildTarget(v.action_type, v),
        ...(complex ? {} : { conditions: rowsToConditions(v.conditions) }),
      };
      if (rule)
        return unwrap(
          api.PATCH("/api/v1/assignment-rules/{rule_id}", {
            params: { path: { rule_id: rule.id }, header: { "If-Match": ifMatch(rule) } },
            body: cleanBody(body, "create"),
          }),
        );
      return unwrap(api.POST("/api/v1/assignment-rules", { body }));
    },
    onSuccess: () => {
      message.success(t("common.saved"));
      void qc.invalidateQueries({ queryKey: rulesKey });
      onClose();
    },
    onError: (e) => report(e, { form, onStale: () => void qc.invalidateQueries({ queryKey: rulesKey }) }),
  });

  return (
    <Modal
      open={open}
      title={rule ? rule.name : t("rule.new")}
      width={760}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={save.isPending}
      okButtonProps={{ "data-testid": "rule-save" }}
      destroyOnHidden
    >
      <Form<RuleFormValues> form={form} layout="vertical" preserve={false} clearOnDestroy initialValues={initial} onFinish={(v) => save.mutate(v)}>
        <Row gutter={16}>
          <Col span={12}>
            <Form.Item name="name" label={t("rule.name")} rules={[{ required: true, whitespace: true, max: 100 }]}>
              <Input data-testid="rule-name" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="action_type" label={t("rule.actionType")} rules={[{ required: true }]}>
              <Select data-testid="rule-action-type" options={ACTION_TYPES.map((a) => ({ value: a, label: t(`rule.actionType.${a}`) }))} />
            </Form.Item>
          </Col>
          <Col span={4}>
            <Form.Item name="is_active" label={t("rule.active")} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item noStyle shouldUpdate={(a, b) => a.action_type !== b.action_type}>
          {({ getFieldValue }) => {
            const type = getFieldValue("action_type") as ActionType;
            if (type === "user")
              return (
                <Form.Item name="user_id" label={t("rule.user")} rules={[{ required: true }]}>
                  <Select showSearch optionFilterProp="label" options={repOptions} loading={reps.isLoading} data-testid="rule-user" />
                </Form.Item>
              );
            if (type === "zone_pool" || type === "zone_leader_queue")
              return (
                <Form.Item name="zone_id" label={t("rule.zone")}>
                  <ZoneSelect />
                </Form.Item>
              );
            return (
              <>
                <Form.Item name="team_id" label={t("rule.team")} rules={[{ required: true }]}>
                  <TeamSelect data-testid="rule-team" />
                </Form.Item>
                {type === "team_weighted" && (
                  <Form.Item label={t("rule.weights")}>
                    <Form.List name="weights">
                      {(fields, { add, remove }) => (
                        <>
                          {fields.map((f) => (
                            <Space key={f.key} align="baseline">
                              <Form.Item name={[f.name, "user_id"]} rules={[{ required: true }]}>
                                <Select showSearch optionFilterProp="label" options={repOptions} style={{ width: 260 }} />
                              </Form.Item>
                              <Form.Item name={[f.name, "weight"]} rules={[{ required: true }]}>
                                <InputNumber min={0} max={1000} placeholder={t("rule.weight")} />
                              </Form.Item>
                              <MinusCircleOutlined onClick={() => remove(f.name)} />
                            </Space>
                          ))}
                          <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ weight: 1 })}>
                            {t("rule.addWeight")}
                          </Button>
                        </>
                      )}
                    </Form.List>
                  </Form.Item>
                )}
              </>
            );
          }}
        </Form.Item>
        <Form.Item label={t("rule.conditions")}>
          {complex ? (
            <Alert type="info" showIcon message={t("rule.complexConditions")} description={<code>{JSON.stringify(rule?.conditions)}</code>} />
          ) : (
            <Form.List name="conditions">
              {(fields, { add, remove }) => (
                <>
                  {fields.length === 0 && <Typography.Paragraph type="secondary">{t("rule.conditionsAny")}</Typography.Paragraph>}
                  {fields.map((f) => (
                    <Space key={f.key} align="baseline" wrap>
                      <Form.Item name={[f.name, "field"]} rules={[{ required: true }]}>
                        <Select style={{ width: 150 }} placeholder={t("rule.field")} options={RULE_FIELDS.map((x) => ({ value: x, label: x }))} />
                      </Form.Item>
                      <Form.Item name={[f.name, "op"]} rules={[{ required: true }]}>
                        <Select style={{ width: 110 }} placeholder={t("rule.op")} options={RULE_OPS.map((x) => ({ value: x, label: x }))} />
                      </Form.Item>
                      <Form.Item noStyle shouldUpdate>
                        {({ getFieldValue }) => {
                          const row = (getFieldValue(["conditions", f.name]) ?? {}) as ConditionRow;
                          if (row.op === "present" || row.op === "missing") return null;
                          return (
                            <Form.Item name={[f.name, "value"]} rules={[{ required: true }]}>
                              <ValueInput field={row.field} />
                            </Form.Item>
                          );
                        }}
                      </Form.Item>
                      <MinusCircleOutlined onClick={() => remove(f.name)} />
                    </Space>
                  ))}
                  <div>
                    <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ op: "eq", value: [] })} data-testid="rule-add-condition">
                      {t("rule.addCondition")}
                    </Button>
                  </div>
                </>
              )}
            </Form.List>
          )}
        </Form.Item>
        <Form.Item name="required_fields" label={t("rule.requiredFields")}>
          <Select mode="multiple" options={RULE_FIELDS.map((x) => ({ value: x, label: x }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function DryRunPanel({ userName }: { userName: (id: string) => string | undefined }) {
  const t = useT();
  const can = useCan();
  const report = useApiError();
  const [form] = Form.useForm<RoutingSample>();
  const [decision, setDecision] = useState<RoutingDecision | null>(null);
  const channels = useQuery({ queryKey: keys.channels, queryFn: fetchChannels, enabled: can("channel", "read") });
  const run = useMutation({
    mutationFn: (v: RoutingSample) => unwrap(api.POST("/api/v1/assignment-rules/dry-run", { body: cleanBody(v, "create") })),
    onSuccess: setDecision,
    onError: (e) => report(e, { form }),
  });
  return (
    <Card title={t("rule.dryRun")} data-testid="rule-dry-run">
      <Typography.Paragraph type="secondary">{t("rule.dryRunHint")}</Typography.Paragraph>
      <Form<RoutingSample> form={form} layout="vertical" onFinish={(v) => run.mutate(v)}>
        <Row gutter={12}>
          {can("region", "read") && (
            <Col xs={24} md={8}>
              <Form.Item name="province_code" label={t("lead.province")}>
                <ProvinceSelect />
              </Form.Item>
            </Col>
          )}
          <Col xs={24} md={8}>
            <Form.Item name="city_code" label="city_code" rules={[{ pattern: /^\d{6}$/ }]}>
              <Input />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item name="channel_id" label={t("lead.channel")}>
              <Select allowClear options={(channels.data ?? []).map((c) => ({ value: c.id, label: c.name }))} />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item name="industry" label={t("lead.industry")}>
              <Input />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item name="company_size" label={t("lead.companySize")}>
              <Select allowClear options={SIZES.map((s) => ({ value: s, label: s }))} />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item name="product" label={t("lead.product")}>
              <Input />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item name="grade" label={t("lead.grade")}>
              <Select allowClear options={GRADES.map((g) => ({ value: g, label: g }))} />
            </Form.Item>
          </Col>
        </Row>
        <Button type="primary" htmlType="submit" loading={run.isPending} data-testid="rule-dry-run-submit">
          {t("rule.run")}
        </Button>
      </Form>
      {decision && (
        <div style={{ marginTop: 16 }}>
          <RoutingTraceView trace={decision as unknown as Record<string, unknown>} userName={userName} />
        </div>
      )}
    </Card>
  );
}

export function AssignmentRulesPage() {
  const t = useT();
  const can = useCan();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const canManage = can("assignment_rule", "manage");
  const [editing, setEditing] = useState<AssignmentRule | null>(null);
  const [open, setOpen] = useState(false);
  const rules = useQuery({
    queryKey: rulesKey,
    queryFn: async () => [...(await unwrap(api.GET("/api/v1/assignment-rules"))).items].sort((a, b) => a.position - b.position),
  });
  const reps = useReps();
  const repName = useMemo(() => new Map((reps.data ?? []).map((u) => [u.id, u.display_name])), [reps.data]);

  const reorder = useMutation({
    mutationFn: (ids: string[]) => unwrap(api.PUT("/api/v1/assignment-rules/order", { body: { ids } })),
    onSuccess: (page) => qc.setQueryData(rulesKey, [...page.items].sort((a, b) => a.position - b.position)),
    onError: (e) => report(e),
  });
  const remove = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/assignment-rules/{rule_id}", { params: { path: { rule_id: id } } })),
    onSuccess: () => {
      message.success(t("common.deleted"));
      void qc.invalidateQueries({ queryKey: rulesKey });
    },
    onError: (e) => report(e),
  });

  const list = rules.data ?? [];
  const move = (index: number, delta: -1 | 1) => {
    const next = moved(list, index, delta);
    if (next !== list) reorder.mutate(next.map((r) => r.id));
  };

  return (
    <Space direction="vertical" style={{ width: "100%" }} size="middle">
      <Card
        title={t("rule.list")}
        extra={
          canManage && (
            <Button
              type="primary"
              icon={<PlusOutlined />}
              data-testid="rule-create"
              onClick={() => {
                setEditing(null);
                setOpen(true);
              }}
            >
              {t("rule.new")}
            </Button>
          )
        }
      >
        <Table<AssignmentRule>
          rowKey="id"
          data-testid="rule-table"
          loading={rules.isLoading || reorder.isPending}
          dataSource={list}
          pagination={false}
          columns={[
            { key: "pos", title: t("rule.position"), width: 70, render: (_, _r, i) => i + 1 },
            { key: "name", title: t("rule.name"), dataIndex: "name" },
            { key: "type", title: t("rule.actionType"), render: (_, r) => translateDynamic(t, "rule.actionType", r.action_type) },
            { key: "conditions", title: t("rule.conditions"), render: (_, r) => <Typography.Text code>{describeConditions(r.conditions) || "—"}</Typography.Text> },
            { key: "required", title: t("rule.requiredFields"), render: (_, r) => r.required_fields.map((f) => <Tag key={f}>{f}</Tag>) },
            { key: "active", title: t("rule.active"), render: (_, r) => (r.is_active ? <Tag color="green">{t("common.yes")}</Tag> : <Tag>{t("common.no")}</Tag>) },
            ...(canManage
              ? [
                  {
                    key: "actions",
                    title: t("common.actions"),
                    render: (_: unknown, r: AssignmentRule, i: number) => (
                      <Space size="small">
                        <Button size="small" icon={<ArrowUpOutlined />} disabled={i === 0} title={t("rule.moveUp")} onClick={() => move(i, -1)} />
                        <Button size="small" icon={<ArrowDownOutlined />} disabled={i === list.length - 1} title={t("rule.moveDown")} onClick={() => move(i, 1)} />
                        <Button
                          size="small"
                          icon={<EditOutlined />}
                          onClick={() => {
                            setEditing(r);
                            setOpen(true);
                          }}
                        />
                        <Popconfirm title={t("common.confirmDelete")} onConfirm={() => remove.mutate(r.id)}>
                          <Button size="small" danger icon={<DeleteOutlined />} />
                        </Popconfirm>
                      </Space>
                    ),
                  },
                ]
              : []),
          ]}
        />
      </Card>
      <DryRunPanel userName={(id) => repName.get(id)} />
      <RuleModal rule={editing} open={open} onClose={() => setOpen(false)} />
    </Space>
  );
}
