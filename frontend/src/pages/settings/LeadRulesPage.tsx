/** Settings › lead rules (线索规则): pool and recycling limits, and lead scoring with a live preview. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Alert, Button, Card, Checkbox, Col, Divider, Form, InputNumber, Row, Space, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { api, unwrap } from "../../api/client";
import type { LeadRules, LeadRulesUpdate, LeadScoring, LeadScoringUpdate } from "../../api/types";
import { useCan } from "../../auth/context";
import { ZoneSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import type { MessageKey } from "../../i18n/messages";
import { DEFAULT_EXAMPLE, SCORE_ACTIONS, SCORE_FIELDS, SCORE_GRADES, previewScore, thresholdProblems, type ScoreExample, type ScoringValues } from "./leadScoring";

const ruleKeys = {
  rules: ["settings", "lead-rules"] as const,
  scoring: ["settings", "lead-scoring"] as const,
};

/** The lead form's label of each scored field. */
const FIELD_LABELS: Record<(typeof SCORE_FIELDS)[number], MessageKey> = {
  company_name: "lead.company",
  contact_name: "lead.contact",
  mobile: "lead.mobile",
  email: "lead.email",
  title: "lead.title",
  province_code: "lead.province",
  industry: "lead.industry",
  company_size: "lead.companySize",
  product: "lead.product",
};

const ACTION_LABELS: Record<(typeof SCORE_ACTIONS)[number], MessageKey> = {
  form_submit: "lead.action.form_submit",
  call: "lead.action.call",
  visit: "lead.action.visit",
  meeting: "lead.action.meeting",
};

interface RulesForm {
  max_open_leads_per_rep: number;
  default_zone_id: string | null;
  recycle_hours: Record<string, number>;
  max_daily_claims: number;
  reclaim_cooldown_days: number;
  dedup_keys: DedupKey[];
  dedup_window_days: number;
}

type DedupKey = LeadRules["dedup_keys"][number];
const DEDUP_KEYS: { key: DedupKey; label: MessageKey }[] = [
  { key: "company_product", label: "leadRules.dedup.company_product" },
  { key: "uscc", label: "leadRules.dedup.uscc" },
  { key: "mobile", label: "leadRules.dedup.mobile" },
  { key: "email", label: "leadRules.dedup.email" },
];

function LeadRulesCard() {
  const t = useT();
  const can = useCan();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<RulesForm>();
  const editable = can("setting", "update");
  const rules = useQuery({ queryKey: ruleKeys.rules, queryFn: () => unwrap(api.GET("/api/v1/settings/lead-rules")) });
  useEffect(() => {
    if (rules.data) form.setFieldsValue({ ...rules.data, recycle_hours: { ...rules.data.recycle_hours } });
  }, [rules.data, form]);
  const save = useMutation({
    mutationFn: (v: RulesForm) => {
      const body: LeadRulesUpdate = {
        max_open_leads_per_rep: v.max_open_leads_per_rep,
        default_zone_id: v.default_zone_id ?? null,
        recycle_hours: Object.fromEntries(SCORE_GRADES.map((g) => [g, v.recycle_hours?.[g]])),
        max_daily_claims: v.max_daily_claims,
        reclaim_cooldown_days: v.reclaim_cooldown_days,
        dedup_keys: v.dedup_keys ?? [],
        dedup_window_days: v.dedup_window_days,
      };
      return unwrap(api.PUT("/api/v1/settings/lead-rules", { body }));
    },
    onSuccess: (data: LeadRules) => {
      message.success(t("common.saved"));
      qc.setQueryData(ruleKeys.rules, data);
    },
    onError: (e) => report(e, { form }),
  });

  return (
    <Card title={t("leadRules.rules")} loading={rules.isLoading} data-testid="lead-rules">
      <Form<RulesForm> form={form} layout="vertical" onFinish={(v) => save.mutate(v)} disabled={!editable}>
        <Row gutter={16}>
          <Col xs={24} md={8}>
            <Form.Item
              name="max_open_leads_per_rep"
              label={t("leadRules.maxOpen")}
              extra={t("leadRules.maxOpenHint")}
              rules={[{ required: true, type: "integer", min: 1, max: 100000 }]}
            >
              <InputNumber min={1} max={100000} precision={0} style={{ width: "100%" }} data-testid="lead-rules-max-open" />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item
              name="max_daily_claims"
              label={t("leadRules.maxDailyClaims")}
              rules={[{ required: true, type: "integer", min: 0, max: 10000 }]}
            >
              <InputNumber min={0} max={10000} precision={0} style={{ width: "100%" }} data-testid="lead-rules-daily-claims" />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item
              name="reclaim_cooldown_days"
              label={t("leadRules.cooldown")}
              extra={t("leadRules.cooldownHint")}
              rules={[{ required: true, type: "integer", min: 0, max: 365 }]}
            >
              <InputNumber min={0} max={365} precision={0} style={{ width: "100%" }} data-testid="lead-rules-cooldown" />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item name="default_zone_id" label={t("leadRules.defaultZone")} extra={t("leadRules.defaultZoneHint")}>
              <ZoneSelect disabled={!editable} data-testid="lead-rules-default-zone" />
            </Form.Item>
          </Col>
        </Row>
        <Divider orientation="left" plain>
          {t("leadRules.dedup")}
        </Divider>
        <Row gutter={16}>
          <Col xs={24} md={16}>
            <Form.Item name="dedup_keys" label={t("leadRules.dedupKeys")} extra={t("leadRules.dedupKeysHint")}>
              <Checkbox.Group
                data-testid="lead-rules-dedup-keys"
                options={DEDUP_KEYS.map((k) => ({ value: k.key, label: t(k.label) }))}
              />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item
              name="dedup_window_days"
              label={t("leadRules.dedupWindow")}
              rules={[{ required: true, type: "integer", min: 1, max: 3650 }]}
            >
              <InputNumber min={1} max={3650} precision={0} style={{ width: "100%" }} data-testid="lead-rules-dedup-window" />
            </Form.Item>
          </Col>
        </Row>
        <Divider orientation="left" plain>
          {t("leadRules.recycleHours")}
        </Divider>
        <Typography.Paragraph type="secondary">{t("leadRules.recycleHint")}</Typography.Paragraph>
        <Row gutter={16}>
          {SCORE_GRADES.map((g) => (
            <Col xs={12} md={6} key={g}>
              <Form.Item name={["recycle_hours", g]} label={t("leadRules.gradeHours", { grade: g })} rules={[{ required: true, type: "integer", min: 1, max: 2160 }]}>
                <InputNumber min={1} max={2160} precision={0} style={{ width: "100%" }} data-testid={`lead-rules-recycle-${g}`} />
              </Form.Item>
            </Col>
          ))}
        </Row>
        {editable && (
          <Button type="primary" htmlType="submit" loading={save.isPending} data-testid="lead-rules-save">
            {t("common.save")}
          </Button>
        )}
      </Form>
    </Card>
  );
}

function ScoringPreview({ values }: { values: ScoringValues }) {
  const t = useT();
  const [example, setExample] = useState<ScoreExample>(DEFAULT_EXAMPLE);
  const p = previewScore(values, example);
  return (
    <Card size="small" type="inner" title={t("leadScoring.preview")} data-testid="lead-scoring-preview-card">
      <Space direction="vertical" style={{ width: "100%" }}>
        <Space wrap>
          <span>{t("lead.part.channel")}</span>
          <InputNumber
            min={0}
            max={1000}
            precision={0}
            value={example.channel}
            onChange={(v) => setExample((e) => ({ ...e, channel: v ?? 0 }))}
            data-testid="scoring-example-channel"
          />
          {SCORE_ACTIONS.map((a) => (
            <Space key={a} size={4}>
              <span>{t(ACTION_LABELS[a])}</span>
              <InputNumber
                min={0}
                max={100}
                precision={0}
                style={{ width: 72 }}
                value={example.actions[a] ?? 0}
                onChange={(v) => setExample((e) => ({ ...e, actions: { ...e.actions, [a]: v ?? 0 } }))}
                data-testid={`scoring-example-${a}`}
              />
            </Space>
          ))}
        </Space>
        <Checkbox.Group
          value={example.fields}
          onChange={(v) => setExample((e) => ({ ...e, fields: v as string[] }))}
          options={SCORE_FIELDS.map((f) => ({ value: f, label: t(FIELD_LABELS[f]) }))}
          data-testid="scoring-example-fields"
        />
        <Typography.Text strong code data-testid="lead-scoring-preview" data-grade={p.grade} data-total={p.total}>
          {t("leadScoring.previewLine", { ...p })}
        </Typography.Text>
      </Space>
    </Card>
  );
}

function LeadScoringCard() {
  const t = useT();
  const can = useCan();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<LeadScoring>();
  const editable = can("setting", "update");
  const scoring = useQuery({ queryKey: ruleKeys.scoring, queryFn: () => unwrap(api.GET("/api/v1/settings/lead-scoring")) });
  useEffect(() => {
    if (scoring.data) form.setFieldsValue(scoring.data);
  }, [scoring.data, form]);
  const watched = Form.useWatch([], form) as ScoringValues | undefined;
  const values = useMemo(() => watched ?? scoring.data ?? {}, [watched, scoring.data]);
  const badThresholds = thresholdProblems(values.thresholds);
  const save = useMutation({
    mutationFn: (v: LeadScoring) => {
      const body: LeadScoringUpdate = {
        field_points: Object.fromEntries(SCORE_FIELDS.map((f) => [f, v.field_points?.[f]])),
        action_points: Object.fromEntries(SCORE_ACTIONS.map((a) => [a, v.action_points?.[a]])),
        action_cap: v.action_cap,
        thresholds: Object.fromEntries(SCORE_GRADES.map((g) => [g, v.thresholds?.[g]])),
      };
      return unwrap(api.PUT("/api/v1/settings/lead-scoring", { body }));
    },
    onSuccess: (data: LeadScoring) => {
      message.success(t("common.saved"));
      qc.setQueryData(ruleKeys.scoring, data);
    },
    // "thresholds" as a whole (not falling A > B > C > D) is shown on A
    onError: (e) => report(e, { form, aliases: { thresholds: ["thresholds", "A"], field_points: ["field_points", "company_name"], action_points: ["action_points", "form_submit"] } }),
  });
  const points = (name: (string | number)[], label: string, testId: string, max = 100) => (
    <Form.Item name={name} label={label} rules={[{ required: true, type: "integer", min: 0, max }]}>
      <InputNumber min={0} max={max} precision={0} style={{ width: "100%" }} data-testid={testId} />
    </Form.Item>
  );

  return (
    <Card title={t("leadScoring.title")} loading={scoring.isLoading} data-testid="lead-scoring">
      <Typography.Paragraph type="secondary">{t("leadScoring.hint")}</Typography.Paragraph>
      <Form<LeadScoring> form={form} layout="vertical" onFinish={(v) => save.mutate(v)} disabled={!editable}>
        <Divider orientation="left" plain>
          {t("leadScoring.fieldPoints")}
        </Divider>
        <Row gutter={16}>
          {SCORE_FIELDS.map((f) => (
            <Col xs={12} md={6} lg={4} key={f}>
              {points(["field_points", f], t(FIELD_LABELS[f]), `scoring-field-${f}`)}
            </Col>
          ))}
        </Row>
        <Divider orientation="left" plain>
          {t("leadScoring.actionPoints")}
        </Divider>
        <Row gutter={16}>
          {SCORE_ACTIONS.map((a) => (
            <Col xs={12} md={6} lg={4} key={a}>
              {points(["action_points", a], t(ACTION_LABELS[a]), `scoring-action-${a}`)}
            </Col>
          ))}
          <Col xs={12} md={6} lg={4}>
            <Form.Item name="action_cap" label={t("leadScoring.actionCap")} rules={[{ required: true, type: "integer", min: 0, max: 1000 }]}>
              <InputNumber min={0} max={1000} precision={0} style={{ width: "100%" }} data-testid="scoring-action-cap" />
            </Form.Item>
          </Col>
        </Row>
        <Divider orientation="left" plain>
          {t("leadScoring.thresholds")}
        </Divider>
        <Row gutter={16}>
          {SCORE_GRADES.map((g) => (
            <Col xs={12} md={6} lg={4} key={g}>
              {points(["thresholds", g], t("leadScoring.threshold", { grade: g }), `scoring-threshold-${g}`, 1000)}
            </Col>
          ))}
        </Row>
        {badThresholds.length > 0 && (
          <Alert type="warning" showIcon style={{ marginBottom: 16 }} message={t("leadScoring.thresholdOrder")} data-testid="scoring-threshold-order" />
        )}
        {editable && (
          <Button type="primary" htmlType="submit" loading={save.isPending} disabled={badThresholds.length > 0} data-testid="lead-scoring-save">
            {t("common.save")}
          </Button>
        )}
      </Form>
      {/* outside the form: readers may try examples even when the numbers are read-only */}
      <div style={{ marginTop: 16 }}>
        <ScoringPreview values={values} />
      </div>
    </Card>
  );
}

/** Settings › lead rules: read-only for users who may not update settings. */
export function LeadRulesPage() {
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <LeadRulesCard />
      <LeadScoringCard />
    </Space>
  );
}
