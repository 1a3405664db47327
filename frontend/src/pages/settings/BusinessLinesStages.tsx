/**
 * The stage designer of one business line: the ordered stages (move up / down, code, name,
 * win rate, forecast category, kind, protects-customer, active), each stage's exit criteria
 * in an expandable row, its open opportunities; saving sends the whole set (PUT …/stages with
 * If-Match). The server's 422 lands on the field it names; a 409 (a removed stage still has
 * open opportunities) shows as an alert.
 */
import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Badge, Button, Card, Col, Form, Input, InputNumber, Row, Select, Space, Switch, Table, Tag, Tooltip, Typography } from "antd";
import type { FormInstance, FormListFieldData } from "antd";
import { useEffect, useMemo, useRef, useState, type HTMLAttributes } from "react";
import { api, ifMatch, unwrap } from "../../api/client";
import { isApiError, type NamePath } from "../../api/problem";
import { useApiError } from "../../components/useApiError";
import { localLabel, useLang, useT } from "../../i18n/context";
import {
  CODE_RE,
  FORECAST_CATEGORIES,
  MAX_STAGES,
  RATE_RE,
  STAGE_KINDS,
  atMost,
  insertIndex,
  lineToStagesForm,
  newStage,
  stageFieldOf,
  stagesBody,
  type BusinessLine,
  type CriteriaForm,
  type CriteriaOptions,
  type StageForm,
  type StagesForm,
} from "./BusinessLinesHelpers";
import { LINE_KEYS } from "./BusinessLinesQueries";

type FieldErrorEntry = { name: NamePath; errors: string[] };

function criteriaCount(c: CriteriaForm | undefined): number {
  if (!c) return 0;
  return c.required_fields.length + c.key_roles.length + c.documents.length + c.checklist.length + (c.min_contacts > 0 ? 1 : 0);
}

/** One stage's exit criteria (inside the stage list: names are relative to the stage). */
function CriteriaEditor({ form, index, options }: { form: FormInstance<StagesForm>; index: number; options: CriteriaOptions | undefined }) {
  const t = useT();
  const { lang } = useLang();
  const opts = (list: { value: string; label: string }[] | undefined) => (list ?? []).map((o) => ({ value: o.value, label: localLabel(o.label, lang) || o.value }));
  const name = Form.useWatch(["stages", index, "name"], form) as string | undefined;
  return (
    <div data-testid={`bl-stage-${index}-criteria-editor`} style={{ padding: "4px 8px" }}>
      <Typography.Text strong>{t("businessLines.criteria.title", { name: localLabel(name ?? "", lang) })}</Typography.Text>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
        {t("businessLines.criteria.hint")}
      </Typography.Paragraph>
      <Row gutter={16}>
        <Col xs={24} md={12}>
          <Form.Item name={[index, "exit_criteria", "required_fields"]} label={t("businessLines.criteria.requiredFields")}>
            <Select mode="multiple" allowClear options={opts(options?.required_fields)} data-testid={`bl-stage-${index}-required-fields`} />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name={[index, "exit_criteria", "key_roles"]} label={t("businessLines.criteria.keyRoles")}>
            <Select mode="multiple" allowClear options={opts(options?.key_roles)} data-testid={`bl-stage-${index}-key-roles`} />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name={[index, "exit_criteria", "documents"]} label={t("businessLines.criteria.documents")}>
            <Select mode="multiple" allowClear options={opts(options?.documents)} data-testid={`bl-stage-${index}-documents`} />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name={[index, "exit_criteria", "min_contacts"]} label={t("businessLines.criteria.minContacts")}>
            <InputNumber min={0} max={50} precision={0} style={{ width: 120 }} data-testid={`bl-stage-${index}-min-contacts`} />
          </Form.Item>
        </Col>
        <Col span={24}>
          <Form.Item
            name={[index, "exit_criteria", "checklist"]}
            label={t("businessLines.criteria.checklist")}
            extra={t("businessLines.criteria.checklistHint")}
            rules={[{ validator: (_, v: string[] | undefined) => ((v ?? []).some((i) => i.length > 200) ? Promise.reject(new Error("≤ 200")) : Promise.resolve()) }]}
          >
            <Select mode="tags" open={false} suffixIcon={null} tokenSeparators={["\n"]} data-testid={`bl-stage-${index}-checklist`} />
          </Form.Item>
        </Col>
      </Row>
    </div>
  );
}

/** Shows a refused save: field errors on their fields (opening the criteria they are in), the rest in an alert. */
function useSaveErrors(form: FormInstance<StagesForm>, onStale: () => void) {
  const t = useT();
  const report = useApiError();
  const [alerts, setAlerts] = useState<string[]>([]);
  const pending = useRef<FieldErrorEntry[]>([]);
  const [shown, setShown] = useState(0);
  const [expanded, setExpanded] = useState<number[]>([]);

  // errors on criteria fields can only be set once their (expanded) row has rendered
  useEffect(() => {
    const list = pending.current;
    if (!list.length) return;
    pending.current = [];
    form.setFields(list as Parameters<typeof form.setFields>[0]);
    form.scrollToField(list[0]!.name);
  }, [shown, form]);

  const show = (e: unknown) => {
    setAlerts([]);
    if (!isApiError(e) || ![409, 422].includes(e.status)) {
      report(e, { onStale });
      return;
    }
    const problem = e.problem;
    if (e.status === 409 || !problem.errors?.length) {
      setAlerts([problem.detail || problem.title || t("common.error")]);
      return;
    }
    const fields = new Map<string, FieldErrorEntry>();
    const rest: string[] = [];
    const open = new Set<number>();
    const count = (form.getFieldValue("stages") as StageForm[] | undefined)?.length ?? 0;
    for (const err of problem.errors) {
      const name = stageFieldOf(err.field);
      const index = name ? (name[1] as number) : -1;
      if (name && index < count) {
        if (name[2] === "exit_criteria") open.add(index);
        const key = JSON.stringify(name);
        const entry = fields.get(key) ?? { name, errors: [] };
        entry.errors.push(err.message);
        fields.set(key, entry);
      } else {
        const m = /^stages\.(\d+)/.exec(err.field);
        const label = m ? t("businessLines.stageN", { n: Number(m[1]) + 1 }) : t("businessLines.stages.section");
        rest.push(t("businessLines.labelled", { label, text: err.message }));
      }
    }
    if (open.size) setExpanded((cur) => [...new Set([...cur, ...open])]);
    pending.current = [...fields.values()];
    setShown((n) => n + 1);
    setAlerts(rest);
  };
  return { show, alerts, setAlerts, expanded, setExpanded };
}

export function StageDesigner({ line, options, mayManage }: { line: BusinessLine; options: CriteriaOptions | undefined; mayManage: boolean }) {
  const t = useT();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<StagesForm>();
  const initial = useMemo(() => lineToStagesForm(line), [line]);
  const invalidate = () => qc.invalidateQueries({ queryKey: LINE_KEYS.all });
  const errors = useSaveErrors(form, () => void invalidate());
  const { expanded, setExpanded } = errors;

  const save = useMutation({
    mutationFn: (v: StagesForm) =>
      unwrap(
        api.PUT("/api/v1/business-lines/{line_id}/stages", {
          params: { path: { line_id: line.id } },
          body: stagesBody(v),
          headers: { "If-Match": ifMatch(line) },
        }),
      ),
    onSuccess: (saved) => {
      void message.success(t("businessLines.saved"));
      qc.setQueryData<BusinessLine[]>(LINE_KEYS.list, (old) => old?.map((l) => (l.id === saved.id ? saved : l)));
      void invalidate();
    },
    onError: errors.show,
  });

  const toggle = (index: number) => setExpanded((cur) => (cur.includes(index) ? cur.filter((i) => i !== index) : [...cur, index]));

  return (
    <Card title={t("businessLines.stages.section")} size="small" data-testid="bl-stages">
      <Typography.Paragraph type="secondary">{t("businessLines.stages.hint")}</Typography.Paragraph>
      {errors.alerts.length > 0 && (
        <Alert
          type="error"
          showIcon
          closable
          onClose={() => errors.setAlerts([])}
          style={{ marginBottom: 12 }}
          data-testid="bl-stages-errors"
          message={t("businessLines.saveRefused")}
          description={
            <ul style={{ margin: 0, paddingInlineStart: 18 }}>
              {errors.alerts.map((a, i) => (
                <li key={i}>{a}</li>
              ))}
            </ul>
          }
        />
      )}
      <Form<StagesForm> form={form} initialValues={initial} disabled={!mayManage} onFinish={(v) => save.mutate(v)} layout="vertical">
        <Form.List name="stages">
          {(fields, { add, remove, move }) => {
            // the open criteria follow their stage when it moves
            const moveRow = (from: number, to: number) => {
              move(from, to);
              setExpanded((cur) => cur.map((i) => (i === from ? to : i === to ? from : i)));
            };
            return (
            <>
              <Table<FormListFieldData>
                rowKey="key"
                size="small"
                pagination={false}
                scroll={{ x: "max-content" }}
                dataSource={fields}
                onRow={(f) => ({ "data-testid": `bl-stage-row-${f.name}` }) as HTMLAttributes<HTMLElement>}
                expandable={{
                  showExpandColumn: false,
                  expandedRowKeys: fields.filter((f) => expanded.includes(f.name)).map((f) => f.key),
                  expandedRowRender: (f) => <CriteriaEditor form={form} index={f.name} options={options} />,
                }}
                columns={[
                  {
                    key: "order",
                    title: t("businessLines.col.order"),
                    width: 90,
                    render: (_, f) => (
                      <Space size={0}>
                        <span style={{ width: 20, display: "inline-block" }}>{f.name + 1}</span>
                        {mayManage && (
                          <>
                            <Tooltip title={t("businessLines.moveUp")}>
                              <Button type="text" size="small" icon={<ArrowUpOutlined />} disabled={f.name === 0} onClick={() => moveRow(f.name, f.name - 1)} data-testid={`bl-stage-${f.name}-up`} />
                            </Tooltip>
                            <Tooltip title={t("businessLines.moveDown")}>
                              <Button type="text" size="small" icon={<ArrowDownOutlined />} disabled={f.name === fields.length - 1} onClick={() => moveRow(f.name, f.name + 1)} data-testid={`bl-stage-${f.name}-down`} />
                            </Tooltip>
                          </>
                        )}
                      </Space>
                    ),
                  },
                  {
                    key: "code",
                    title: t("businessLines.col.code"),
                    render: (_, f) => (
                      <Form.Item name={[f.name, "code"]} style={{ margin: 0 }} rules={[{ required: true, pattern: CODE_RE, message: t("businessLines.codeInvalid") }]}>
                        <Input style={{ width: 130 }} data-testid={`bl-stage-${f.name}-code`} />
                      </Form.Item>
                    ),
                  },
                  {
                    key: "name",
                    title: t("businessLines.col.name"),
                    render: (_, f) => (
                      <Space direction="vertical" size={0}>
                        <Form.Item name={[f.name, "name"]} style={{ margin: 0 }} rules={[{ required: true, whitespace: true, max: 100, message: t("businessLines.nameRequired") }]}>
                          <Input style={{ width: 220 }} data-testid={`bl-stage-${f.name}-name`} />
                        </Form.Item>
                        <Form.Item noStyle shouldUpdate={(a: StagesForm, b: StagesForm) => a.stages?.[f.name]?.is_active !== b.stages?.[f.name]?.is_active}>
                          {() =>
                            form.getFieldValue(["stages", f.name, "id"]) && !form.getFieldValue(["stages", f.name, "is_active"]) ? (
                              <Tag style={{ marginTop: 4 }}>{t("businessLines.retired")}</Tag>
                            ) : null
                          }
                        </Form.Item>
                      </Space>
                    ),
                  },
                  {
                    key: "win_rate",
                    title: t("businessLines.col.winRate"),
                    render: (_, f) => (
                      <Form.Item
                        name={[f.name, "win_rate"]}
                        style={{ margin: 0 }}
                        rules={[
                          {
                            validator: (_r, v: string | undefined) =>
                              v !== undefined && RATE_RE.test(v.trim()) && atMost(v.trim(), 100) ? Promise.resolve() : Promise.reject(new Error(t("businessLines.rateInvalid"))),
                          },
                        ]}
                      >
                        <Input style={{ width: 90 }} suffix="%" inputMode="decimal" data-testid={`bl-stage-${f.name}-win-rate`} />
                      </Form.Item>
                    ),
                  },
                  {
                    key: "forecast",
                    title: t("businessLines.col.forecast"),
                    render: (_, f) => (
                      <Form.Item name={[f.name, "forecast_category"]} style={{ margin: 0 }}>
                        <Select
                          style={{ width: 120 }}
                          options={FORECAST_CATEGORIES.map((c) => ({ value: c, label: t(`businessLines.forecast.${c}`) }))}
                          data-testid={`bl-stage-${f.name}-forecast`}
                        />
                      </Form.Item>
                    ),
                  },
                  {
                    key: "kind",
                    title: t("businessLines.col.kind"),
                    render: (_, f) => (
                      <Form.Item name={[f.name, "kind"]} style={{ margin: 0 }}>
                        <Select style={{ width: 100 }} options={STAGE_KINDS.map((k) => ({ value: k, label: t(`businessLines.kind.${k}`) }))} data-testid={`bl-stage-${f.name}-kind`} />
                      </Form.Item>
                    ),
                  },
                  {
                    key: "protects",
                    title: <Tooltip title={t("businessLines.protectsHint")}>{t("businessLines.col.protects")}</Tooltip>,
                    render: (_, f) => (
                      <Form.Item name={[f.name, "protects_customer"]} valuePropName="checked" style={{ margin: 0 }}>
                        <Switch size="small" data-testid={`bl-stage-${f.name}-protects`} />
                      </Form.Item>
                    ),
                  },
                  {
                    key: "active",
                    title: t("businessLines.col.active"),
                    render: (_, f) => (
                      <Form.Item name={[f.name, "is_active"]} valuePropName="checked" style={{ margin: 0 }}>
                        <Switch size="small" data-testid={`bl-stage-${f.name}-active`} />
                      </Form.Item>
                    ),
                  },
                  {
                    key: "open",
                    title: t("businessLines.col.openCount"),
                    align: "right",
                    render: (_, f) => {
                      const n = (form.getFieldValue(["stages", f.name, "open_count"]) as number | undefined) ?? 0;
                      return (
                        <span data-testid={`bl-stage-${f.name}-open-count`}>
                          <Badge count={n} showZero overflowCount={99999} color={n ? "blue" : "#d9d9d9"} />
                        </span>
                      );
                    },
                  },
                  {
                    key: "criteria",
                    title: t("businessLines.col.criteria"),
                    render: (_, f) => (
                      <Form.Item noStyle shouldUpdate>
                        {() => {
                          const n = criteriaCount(form.getFieldValue(["stages", f.name, "exit_criteria"]) as CriteriaForm | undefined);
                          return (
                            <Button type="link" size="small" disabled={false} onClick={() => toggle(f.name)} data-testid={`bl-stage-${f.name}-criteria`}>
                              {n ? t("businessLines.criteria.count", { n }) : t("businessLines.criteria.none")} · {expanded.includes(f.name) ? t("businessLines.criteria.hide") : t("businessLines.criteria.edit")}
                            </Button>
                          );
                        }}
                      </Form.Item>
                    ),
                  },
                  ...(mayManage
                    ? [
                        {
                          key: "actions",
                          title: t("businessLines.col.actions"),
                          render: (_: unknown, f: FormListFieldData) => {
                            const n = (form.getFieldValue(["stages", f.name, "open_count"]) as number | undefined) ?? 0;
                            return (
                              <Tooltip title={n ? t("businessLines.removeBlocked", { n }) : t("businessLines.remove")}>
                                <Button
                                  type="text"
                                  danger
                                  size="small"
                                  icon={<DeleteOutlined />}
                                  disabled={n > 0}
                                  onClick={() => {
                                    remove(f.name);
                                    setExpanded((cur) => cur.filter((i) => i !== f.name).map((i) => (i > f.name ? i - 1 : i)));
                                  }}
                                  data-testid={`bl-stage-${f.name}-remove`}
                                />
                              </Tooltip>
                            );
                          },
                        },
                      ]
                    : []),
                ]}
              />
              {mayManage && (
                <Space style={{ marginTop: 12 }} wrap>
                  <Button
                    icon={<PlusOutlined />}
                    disabled={fields.length >= MAX_STAGES}
                    onClick={() => {
                      const current = (form.getFieldValue("stages") as StageForm[] | undefined) ?? [];
                      const at = insertIndex(current);
                      add(newStage(current), at);
                      setExpanded((cur) => cur.map((i) => (i >= at ? i + 1 : i)));
                    }}
                    data-testid="bl-add-stage"
                  >
                    {t("businessLines.addStage")}
                  </Button>
                  <Button
                    onClick={() => {
                      form.resetFields();
                      errors.setAlerts([]);
                      setExpanded([]);
                    }}
                    data-testid="bl-reset"
                  >
                    {t("businessLines.reset")}
                  </Button>
                  <Button type="primary" loading={save.isPending} onClick={() => form.submit()} data-testid="bl-save-stages">
                    {t("businessLines.save")}
                  </Button>
                </Space>
              )}
            </>
            );
          }}
        </Form.List>
      </Form>
    </Card>
  );
}
