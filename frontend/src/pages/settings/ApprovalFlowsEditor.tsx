/**
 * The approval-flow editor (drawer): name, kind (fixed once created), description, priority,
 * active; the match conditions; the ordered steps, each with its approver rules, mode (或签 /
 * 会签), conditions, time limit and escalation, where a rejection goes and what happens when
 * the applicant is an approver. Saving new match conditions or steps makes a new version.
 */
import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, MinusCircleOutlined, PlusOutlined } from "@ant-design/icons";
import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  App,
  Button,
  Card,
  Checkbox,
  Col,
  Divider,
  Drawer,
  Form,
  Input,
  InputNumber,
  Radio,
  Result,
  Row,
  Select,
  Space,
  Spin,
  Switch,
  Typography,
  theme,
  type FormInstance,
  type FormRule,
} from "antd";
import { useEffect, useMemo, useState } from "react";
import { api, ifMatch, unwrap } from "../../api/client";
import { isApiError, type NamePath } from "../../api/problem";
import { keys, searchUsers } from "../../api/queries";
import { MultiZoneSelect, RoleSelect, ZoneSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import {
  APPROVER_KINDS,
  CONDITION_FIELDS,
  DECIMAL_RE,
  LEVELS,
  MAX_MANAGER_LEVELS,
  MAX_TIME_LIMIT_HOURS,
  MODES,
  NUMBER_RE,
  REJECT_TARGETS,
  REQUEST_KINDS,
  SELF_APPROVALS,
  approverNeedsRole,
  conditionValue,
  decimalBelow,
  definitionChanged,
  errorPlace,
  flowBody,
  flowToForm,
  flowUpdateBody,
  formFieldOf,
  hasField,
  isNumericField,
  newApprover,
  newCondition,
  newFlowForm,
  newStep,
  operatorsFor,
  type ApproverKind,
  type ConditionField,
  type Flow,
  type FlowForm,
  type Operator,
} from "./ApprovalFlowsHelpers";
import { FLOW_KEYS, fetchFlow, type FlowWithEtag } from "./ApprovalFlowsQueries";

/** Several users, searched by GET /users?q=; users picked before are labelled from GET /users/{id}. */
function UsersSelect({ value, onChange, "data-testid": testId }: { value?: string[] | null; onChange?: (v: string[]) => void; "data-testid"?: string }) {
  const [q, setQ] = useState("");
  const [dq, setDq] = useState("");
  useEffect(() => {
    const h = setTimeout(() => setDq(q), 300);
    return () => clearTimeout(h);
  }, [q]);
  const found = useQuery({ queryKey: keys.users({ q: dq, select: true }), queryFn: () => searchUsers(dq) });
  const picked = value ?? [];
  const listed = new Set((found.data ?? []).map((u) => u.id));
  const unknown = found.isSuccess ? picked.filter((id) => !listed.has(id)) : [];
  const named = useQueries({
    queries: unknown.map((id) => ({
      queryKey: ["users", "one", id] as const,
      queryFn: () => unwrap(api.GET("/api/v1/users/{user_id}", { params: { path: { user_id: id } } })),
      staleTime: 5 * 60_000,
      retry: false,
    })),
  });
  const options = [
    ...(found.data ?? []).map((u) => ({ value: u.id, label: `${u.display_name} (${u.username})` })),
    ...unknown.map((id, i) => {
      const u = named[i]?.data;
      return { value: id, label: u ? `${u.display_name} (${u.username})` : id };
    }),
  ];
  return (
    <Select
      mode="multiple"
      showSearch
      filterOption={false}
      onSearch={setQ}
      loading={found.isFetching}
      options={options}
      value={picked}
      onChange={(v: string[]) => onChange?.(v)}
      style={{ minWidth: 240 }}
      data-testid={testId}
    />
  );
}

/** A condition's value: text or a list of texts, levels or zones, by field and operator. */
function ConditionValueInput({
  field,
  op,
  value,
  onChange,
  "data-testid": testId,
}: {
  field?: ConditionField;
  op?: Operator;
  value?: string | string[] | null;
  onChange?: (v: string | string[]) => void;
  "data-testid"?: string;
}) {
  const t = useT();
  const many = op === "in";
  const shaped = conditionValue(op, value);
  if (field === "customer_level" || field === "to_level") {
    const options = LEVELS.map((l) => ({ value: l, label: t(`customer.level.${l}`) }));
    return many ? (
      <Select mode="multiple" options={options} value={shaped as string[]} onChange={onChange} style={{ minWidth: 160 }} data-testid={testId} />
    ) : (
      <Select options={options} value={(shaped as string) || undefined} onChange={onChange} style={{ minWidth: 120 }} data-testid={testId} />
    );
  }
  if (field === "zone_id")
    return many ? (
      <div style={{ minWidth: 200 }}>
        <MultiZoneSelect value={shaped as string[]} onChange={onChange} data-testid={testId} />
      </div>
    ) : (
      <ZoneSelect value={(shaped as string) || null} onChange={(v) => onChange?.(v ?? "")} allowClear={false} data-testid={testId} />
    );
  if (many)
    return (
      <Select
        mode="tags"
        open={false}
        tokenSeparators={[",", "，", " "]}
        value={shaped as string[]}
        onChange={onChange}
        style={{ minWidth: 200 }}
        placeholder={t("approvalFlow.valuesPlaceholder")}
        data-testid={testId}
      />
    );
  return (
    <Input
      value={shaped as string}
      onChange={(e) => onChange?.(e.target.value)}
      inputMode={isNumericField(field) ? "decimal" : undefined}
      suffix={field === "discount_pct" ? "%" : undefined}
      style={{ width: 160 }}
      data-testid={testId}
    />
  );
}

function ApproverRow({ step, index, onRemove, removable }: { step: number; index: number; onRemove: () => void; removable: boolean }) {
  const t = useT();
  const form = Form.useFormInstance();
  const kind = Form.useWatch(["steps", step, "approvers", index, "kind"], form) as ApproverKind | undefined;
  const id = `approval-flow-step-${step}-approver-${index}`;
  return (
    <Space align="baseline" wrap data-testid={id}>
      <Form.Item name={[index, "kind"]} rules={[{ required: true }]} style={{ marginBottom: 8 }}>
        <Select
          style={{ width: 190 }}
          options={APPROVER_KINDS.map((k) => ({ value: k, label: t(`approvalFlow.approverKind.${k}`) }))}
          data-testid={`${id}-kind`}
        />
      </Form.Item>
      {kind === "users" && (
        <Form.Item name={[index, "user_ids"]} rules={[{ required: true, type: "array", min: 1, message: t("approvalFlow.usersRequired") }]} style={{ marginBottom: 8 }}>
          <UsersSelect data-testid={`${id}-users`} />
        </Form.Item>
      )}
      {approverNeedsRole(kind) && (
        <Form.Item name={[index, "role"]} rules={[{ required: true, message: t("approvalFlow.roleRequired") }]} style={{ marginBottom: 8 }}>
          <RoleSelect data-testid={`${id}-role`} />
        </Form.Item>
      )}
      {kind === "manager" && (
        <Form.Item name={[index, "levels"]} rules={[{ required: true }]} style={{ marginBottom: 8 }}>
          <InputNumber min={1} max={MAX_MANAGER_LEVELS} precision={0} prefix={t("approvalFlow.levelsUp")} style={{ width: 150 }} data-testid={`${id}-levels`} />
        </Form.Item>
      )}
      {removable && (
        <Button type="text" icon={<MinusCircleOutlined />} onClick={onRemove} aria-label={t("common.delete")} data-testid={`${id}-remove`} />
      )}
    </Space>
  );
}

function ConditionRow({ step, index, onRemove }: { step: number; index: number; onRemove: () => void }) {
  const t = useT();
  const form = Form.useFormInstance();
  const path = ["steps", step, "conditions", index];
  const field = Form.useWatch([...path, "field"], form) as ConditionField | undefined;
  const op = Form.useWatch([...path, "op"], form) as Operator | undefined;
  const id = `approval-flow-step-${step}-condition-${index}`;
  const onField = (next: ConditionField) => {
    const ops = operatorsFor(next);
    const nextOp = op && ops.includes(op) ? op : "eq";
    form.setFieldValue([...path, "op"], nextOp);
    form.setFieldValue([...path, "value"], nextOp === "in" ? [] : "");
  };
  return (
    <Space align="baseline" wrap data-testid={id}>
      <Form.Item name={[index, "field"]} rules={[{ required: true }]} style={{ marginBottom: 8 }}>
        <Select
          style={{ width: 150 }}
          onChange={onField}
          options={CONDITION_FIELDS.map((f) => ({ value: f, label: t(`approvalFlow.field.${f}`) }))}
          data-testid={`${id}-field`}
        />
      </Form.Item>
      <Form.Item name={[index, "op"]} rules={[{ required: true }]} style={{ marginBottom: 8 }}>
        <Select style={{ width: 120 }} options={operatorsFor(field).map((o) => ({ value: o, label: t(`approvalFlow.op.${o}`) }))} data-testid={`${id}-op`} />
      </Form.Item>
      <Form.Item
        name={[index, "value"]}
        style={{ marginBottom: 8 }}
        rules={[
          {
            validator: async (_, v: string | string[] | null | undefined) => {
              const shaped = conditionValue(op, v);
              const values = Array.isArray(shaped) ? shaped : shaped ? [shaped] : [];
              if (!values.length) throw new Error(t("approvalFlow.valueRequired"));
              if (isNumericField(field) && values.some((x) => !NUMBER_RE.test(x))) throw new Error(t("approvalFlow.numberRequired"));
            },
          },
        ]}
      >
        <ConditionValueInput field={field} op={op} data-testid={`${id}-value`} />
      </Form.Item>
      <Button type="text" icon={<MinusCircleOutlined />} onClick={onRemove} aria-label={t("common.delete")} data-testid={`${id}-remove`} />
    </Space>
  );
}

function StepCard({
  index,
  count,
  move,
  remove,
}: {
  index: number;
  count: number;
  move: (from: number, to: number) => void;
  remove: (index: number) => void;
}) {
  const t = useT();
  const form = Form.useFormInstance();
  const limit = Form.useWatch(["steps", index, "time_limit_hours"], form) as number | null | undefined;
  const id = `approval-flow-step-${index}`;
  return (
    <Card
      size="small"
      style={{ marginBottom: 12 }}
      data-testid={id}
      title={t("approvalFlow.stepN", { n: index + 1 })}
      extra={
        <Space size={0}>
          <Button type="text" icon={<ArrowUpOutlined />} disabled={index === 0} onClick={() => move(index, index - 1)} aria-label={t("approvalFlow.moveUp")} data-testid={`${id}-up`} />
          <Button
            type="text"
            icon={<ArrowDownOutlined />}
            disabled={index === count - 1}
            onClick={() => move(index, index + 1)}
            aria-label={t("approvalFlow.moveDown")}
            data-testid={`${id}-down`}
          />
          <Button type="text" danger icon={<DeleteOutlined />} disabled={count === 1} onClick={() => remove(index)} aria-label={t("common.delete")} data-testid={`${id}-remove`} />
        </Space>
      }
    >
      <Row gutter={12}>
        <Col xs={24} md={12}>
          <Form.Item name={[index, "name"]} label={t("approvalFlow.stepName")} rules={[{ max: 100 }]}>
            <Input maxLength={100} placeholder={t("approvalFlow.stepN", { n: index + 1 })} data-testid={`${id}-name`} />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name={[index, "mode"]} label={t("approvalFlow.mode")} extra={t("approvalFlow.modeHint")}>
            <Radio.Group optionType="button" options={MODES.map((m) => ({ value: m, label: t(`approvalFlow.mode.${m}`) }))} data-testid={`${id}-mode`} />
          </Form.Item>
        </Col>
      </Row>
      <Form.Item label={t("approvalFlow.approvers")} required>
        <Form.List
          name={[index, "approvers"]}
          rules={[
            {
              validator: async (_, v: unknown[] | undefined) => {
                if (!v?.length) throw new Error(t("approvalFlow.approversRequired"));
              },
            },
          ]}
        >
          {(fields, { add, remove: removeApprover }, { errors }) => (
            <>
              {fields.map((f) => (
                <div key={f.key}>
                  <ApproverRow step={index} index={f.name} onRemove={() => removeApprover(f.name)} removable={fields.length > 1} />
                </div>
              ))}
              <Form.ErrorList errors={errors} />
              <Button type="dashed" size="small" icon={<PlusOutlined />} onClick={() => add(newApprover())} disabled={fields.length >= 10} data-testid={`${id}-add-approver`}>
                {t("approvalFlow.addApprover")}
              </Button>
            </>
          )}
        </Form.List>
      </Form.Item>
      <Form.Item label={t("approvalFlow.conditions")} extra={t("approvalFlow.conditionsHint")}>
        <Form.List name={[index, "conditions"]}>
          {(fields, { add, remove: removeCondition }) => (
            <>
              {fields.length === 0 && <Typography.Text type="secondary">{t("approvalFlow.always")}</Typography.Text>}
              {fields.map((f) => (
                <div key={f.key}>
                  <ConditionRow step={index} index={f.name} onRemove={() => removeCondition(f.name)} />
                </div>
              ))}
              <div style={{ marginTop: 4 }}>
                <Button type="dashed" size="small" icon={<PlusOutlined />} onClick={() => add(newCondition())} disabled={fields.length >= 10} data-testid={`${id}-add-condition`}>
                  {t("approvalFlow.addCondition")}
                </Button>
              </div>
            </>
          )}
        </Form.List>
      </Form.Item>
      <Row gutter={12}>
        <Col xs={24} md={12}>
          <Form.Item name={[index, "time_limit_hours"]} label={t("approvalFlow.timeLimit")} extra={t("approvalFlow.timeLimitHint")}>
            <InputNumber min={1} max={MAX_TIME_LIMIT_HOURS} precision={0} suffix={t("approvalFlow.hours")} style={{ width: "100%" }} data-testid={`${id}-time-limit`} />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name={[index, "escalate_to_manager"]} label=" " valuePropName="checked" extra={limit ? undefined : t("approvalFlow.escalateNeedsLimit")}>
            <Checkbox disabled={!limit} data-testid={`${id}-escalate`}>
              {t("approvalFlow.escalate")}
            </Checkbox>
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name={[index, "reject_to"]} label={t("approvalFlow.rejectTo")}>
            <Select options={REJECT_TARGETS.map((r) => ({ value: r, label: t(`approvalFlow.rejectTo.${r}`) }))} data-testid={`${id}-reject-to`} />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name={[index, "self_approval"]} label={t("approvalFlow.selfApproval")}>
            <Select options={SELF_APPROVALS.map((s) => ({ value: s, label: t(`approvalFlow.selfApproval.${s}`) }))} data-testid={`${id}-self-approval`} />
          </Form.Item>
        </Col>
      </Row>
    </Card>
  );
}

/** A decimal text field of the match (amount, discount), checked against its lower bound. */
function decimalRules(t: ReturnType<typeof useT>, opts: { max100?: boolean; below?: NamePath } = {}): FormRule[] {
  return [
    {
      validator: async (_: unknown, v: string | null | undefined) => {
        const s = (v ?? "").trim();
        if (!s) return;
        if (!DECIMAL_RE.test(s)) throw new Error(t("approvalFlow.decimalInvalid"));
        if (opts.max100 && decimalBelow("100", s)) throw new Error(t("approvalFlow.percentInvalid"));
      },
    },
    ({ getFieldValue }) => ({
      validator: async (_: unknown, v: string | null | undefined) => {
        if (!opts.below) return;
        const low = String(getFieldValue(opts.below) ?? "").trim();
        const high = (v ?? "").trim();
        if (low && high && DECIMAL_RE.test(low) && DECIMAL_RE.test(high) && !decimalBelow(low, high)) throw new Error(t("approvalFlow.maxAboveMin"));
      },
    }),
  ];
}

function FlowFields({ editing }: { editing: boolean }) {
  const t = useT();
  return (
    <>
      <Row gutter={12}>
        <Col xs={24} md={12}>
          <Form.Item name="name" label={t("approvalFlow.name")} rules={[{ required: true, whitespace: true, message: t("approvalFlow.nameRequired") }, { max: 100 }]}>
            <Input maxLength={100} data-testid="approval-flow-name" />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name="kind" label={t("approvalFlow.kind")} rules={[{ required: true }]} extra={editing ? t("approvalFlow.kindFixed") : undefined}>
            <Select disabled={editing} options={REQUEST_KINDS.map((k) => ({ value: k, label: t(`approvalKind.${k}`) }))} data-testid="approval-flow-kind" />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name="priority" label={t("approvalFlow.priority")} extra={t("approvalFlow.priorityHint")}>
            <InputNumber min={0} max={1000} precision={0} style={{ width: "100%" }} data-testid="approval-flow-priority" />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name="is_active" label={t("approvalFlow.active")} valuePropName="checked">
            <Switch data-testid="approval-flow-active" />
          </Form.Item>
        </Col>
      </Row>
      <Form.Item name="description" label={t("approvalFlow.description")} rules={[{ max: 2000 }]}>
        <Input.TextArea maxLength={2000} autoSize={{ minRows: 2, maxRows: 4 }} data-testid="approval-flow-description" />
      </Form.Item>

      <Divider orientation="left">{t("approvalFlow.match")}</Divider>
      <Typography.Paragraph type="secondary">{t("approvalFlow.matchHint")}</Typography.Paragraph>
      <Row gutter={12}>
        <Col xs={12} md={6}>
          <Form.Item name={["match", "amount_min"]} label={t("approvalFlow.amountMin")} rules={decimalRules(t)}>
            <Input inputMode="decimal" placeholder={t("approvalFlow.any")} data-testid="approval-flow-amount-min" />
          </Form.Item>
        </Col>
        <Col xs={12} md={6}>
          <Form.Item
            name={["match", "amount_max"]}
            label={t("approvalFlow.amountMax")}
            dependencies={[["match", "amount_min"]]}
            rules={decimalRules(t, { below: ["match", "amount_min"] })}
          >
            <Input inputMode="decimal" placeholder={t("approvalFlow.any")} data-testid="approval-flow-amount-max" />
          </Form.Item>
        </Col>
        <Col xs={12} md={6}>
          <Form.Item name={["match", "discount_min"]} label={t("approvalFlow.discountMin")} rules={decimalRules(t, { max100: true })}>
            <Input inputMode="decimal" suffix="%" placeholder={t("approvalFlow.any")} data-testid="approval-flow-discount-min" />
          </Form.Item>
        </Col>
        <Col xs={12} md={6}>
          <Form.Item
            name={["match", "discount_max"]}
            label={t("approvalFlow.discountMax")}
            dependencies={[["match", "discount_min"]]}
            rules={decimalRules(t, { max100: true, below: ["match", "discount_min"] })}
          >
            <Input inputMode="decimal" suffix="%" placeholder={t("approvalFlow.any")} data-testid="approval-flow-discount-max" />
          </Form.Item>
        </Col>
        <Col xs={24} md={8}>
          <Form.Item name={["match", "categories"]} label={t("approvalFlow.categories")}>
            <Select mode="tags" open={false} tokenSeparators={[",", "，"]} placeholder={t("approvalFlow.any")} data-testid="approval-flow-categories" />
          </Form.Item>
        </Col>
        <Col xs={24} md={8}>
          <Form.Item name={["match", "customer_levels"]} label={t("approvalFlow.customerLevels")}>
            <Select
              mode="multiple"
              placeholder={t("approvalFlow.any")}
              options={LEVELS.map((l) => ({ value: l, label: t(`customer.level.${l}`) }))}
              data-testid="approval-flow-customer-levels"
            />
          </Form.Item>
        </Col>
        <Col xs={24} md={8}>
          <Form.Item name={["match", "zone_ids"]} label={t("approvalFlow.zones")}>
            <MultiZoneSelect placeholder={t("approvalFlow.any")} data-testid="approval-flow-zones" />
          </Form.Item>
        </Col>
      </Row>

      <Divider orientation="left">{t("approvalFlow.steps")}</Divider>
      <Typography.Paragraph type="secondary">{t("approvalFlow.stepsHint")}</Typography.Paragraph>
      <Form.List
        name="steps"
        rules={[
          {
            validator: async (_, v: unknown[] | undefined) => {
              if (!v?.length) throw new Error(t("approvalFlow.stepsRequired"));
            },
          },
        ]}
      >
        {(fields, { add, remove, move }, { errors }) => (
          <>
            {fields.map((f) => (
              <StepCard key={f.key} index={f.name} count={fields.length} move={move} remove={remove} />
            ))}
            <Form.ErrorList errors={errors} />
            <Button type="dashed" block icon={<PlusOutlined />} onClick={() => add(newStep())} disabled={fields.length >= 20} data-testid="approval-flow-add-step">
              {t("approvalFlow.addStep")}
            </Button>
          </>
        )}
      </Form.List>
    </>
  );
}

/** Shows a save's refusal: field errors on their fields, the rest (a whole step, the match…) in an alert. */
function useShowSaveError(form: FormInstance, setAlerts: (a: string[]) => void, onStale: () => void) {
  const t = useT();
  const report = useApiError();
  return (e: unknown) => {
    setAlerts([]);
    if (!isApiError(e) || e.status === 412 || e.status === 403 || e.status === 401) {
      report(e, { onStale });
      return;
    }
    const problem = e.problem;
    if (!problem.errors?.length) {
      setAlerts([problem.detail || problem.title || t("common.error")]);
      return;
    }
    const registered: unknown = form.getFieldsValue();
    const fields = new Map<string, { name: NamePath; errors: string[] }>();
    const rest: string[] = [];
    for (const err of problem.errors) {
      const name = formFieldOf(err.field);
      if (name && hasField(registered, name)) {
        const key = JSON.stringify(name);
        const entry = fields.get(key) ?? { name, errors: [] };
        entry.errors.push(err.message);
        fields.set(key, entry);
      } else {
        rest.push(t("approvalFlow.labelled", { label: errorPlace(err.field, t), text: err.message }));
      }
    }
    form.setFields([...fields.values()]);
    setAlerts(rest);
    const first = [...fields.values()][0];
    if (first) form.scrollToField(first.name);
  };
}

function EditorBody({ loaded, onClose }: { loaded: FlowWithEtag | null; onClose: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const { token } = theme.useToken();
  const [form] = Form.useForm<FlowForm>();
  const [alerts, setAlerts] = useState<string[]>([]);
  const flow: Flow | null = loaded?.flow ?? null;
  const initial = useMemo(() => (flow ? flowToForm(flow) : newFlowForm()), [flow]);
  const invalidate = () => qc.invalidateQueries({ queryKey: FLOW_KEYS.all });
  const showError = useShowSaveError(form, setAlerts, () => void invalidate().then(onClose));
  const save = useMutation({
    mutationFn: async (v: FlowForm) => {
      if (!flow) return { saved: await unwrap(api.POST("/api/v1/approval-flows", { body: flowBody(v) })), newVersion: false };
      const saved = await unwrap(
        api.PATCH("/api/v1/approval-flows/{flow_id}", {
          params: { path: { flow_id: flow.id } },
          body: flowUpdateBody(initial, v),
          headers: { "If-Match": ifMatch(flow, loaded?.etag) },
        }),
      );
      return { saved, newVersion: saved.current_version !== flow.current_version };
    },
    onSuccess: ({ saved, newVersion }) => {
      void message.success(!flow ? t("common.created") : newVersion ? t("approvalFlow.savedVersion", { n: saved.current_version }) : t("common.saved"));
      void invalidate();
      onClose();
    },
    onError: showError,
  });
  const [changed, setChanged] = useState(false);

  return (
    <>
      {flow && (
        <Alert
          type={changed ? "warning" : "info"}
          showIcon
          style={{ marginBottom: 16 }}
          data-testid="approval-flow-version-note"
          message={changed ? t("approvalFlow.newVersionNote", { n: flow.current_version + 1 }) : t("approvalFlow.versionNote", { n: flow.current_version })}
          description={t("approvalFlow.inFlightNote")}
        />
      )}
      {alerts.length > 0 && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          data-testid="approval-flow-errors"
          message={t("approvalFlow.saveRefused")}
          description={
            <ul style={{ margin: 0, paddingInlineStart: 18 }}>
              {alerts.map((a, i) => (
                <li key={i}>{a}</li>
              ))}
            </ul>
          }
        />
      )}
      <Form<FlowForm> form={form} layout="vertical" initialValues={initial} onFinish={(v) => save.mutate(v)}
        onValuesChange={(_, all: FlowForm) => setChanged(Boolean(flow) && definitionChanged(initial, all))}
        scrollToFirstError
      >
        <FlowFields editing={Boolean(flow)} />
      </Form>
      {/* the form is long: its buttons stay at the bottom of the drawer */}
      <div style={{ position: "sticky", bottom: -24, zIndex: 2, background: token.colorBgElevated, borderTop: `1px solid ${token.colorSplit}`, padding: "12px 0 24px", marginTop: 16 }}>
        <Space>
          <Button onClick={onClose}>{t("common.cancel")}</Button>
          <Button type="primary" loading={save.isPending} onClick={() => form.submit()} data-testid="approval-flow-save">
            {t("common.save")}
          </Button>
        </Space>
      </div>
    </>
  );
}

/** The drawer that creates (flowId null) or edits a flow; an edit loads the flow afresh, with its ETag. */
export function ApprovalFlowDrawer({ flowId, open, onClose }: { flowId: string | null; open: boolean; onClose: () => void }) {
  const t = useT();
  const loaded = useQuery({ queryKey: FLOW_KEYS.one(flowId ?? ""), queryFn: () => fetchFlow(flowId!), enabled: open && Boolean(flowId), staleTime: 0 });
  const title = flowId ? t("approvalFlow.edit", { name: loaded.data?.flow.name ?? "" }) : t("approvalFlow.new");
  return (
    <Drawer open={open} onClose={onClose} title={title} width={900} destroyOnHidden data-testid="approval-flow-drawer">
      {!flowId ? (
        <EditorBody loaded={null} onClose={onClose} />
      ) : loaded.isLoading ? (
        <Spin />
      ) : loaded.error ? (
        <Result status="warning" title={loaded.error.message} />
      ) : loaded.data ? (
        <EditorBody key={`${loaded.data.flow.id}-${loaded.data.flow.version}`} loaded={loaded.data} onClose={onClose} />
      ) : null}
    </Drawer>
  );
}

