/**
 * Settings › customer recycling (客户回收): the no-deal and contract-ended rules, which
 * protections (effective contract, late-stage opportunity) exempt a customer, the reminder period,
 * and each tier's no-follow-up days and own no-deal / contract-ended days; a dry run (预演)
 * listing who would go back to the pool now, and a run.
 */
import { ExperimentOutlined, ThunderboltOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Checkbox, Col, Divider, Form, InputNumber, Modal, Row, Space, Switch, Table, Tag, Typography, type TableColumnsType } from "antd";
import { useMemo, useRef, useState, type HTMLAttributes } from "react";
import { Link } from "react-router";
import { api, unwrap } from "../../api/client";
import type { NamePath } from "../../api/problem";
import { fetchTiers, keys } from "../../api/queries";
import type { Tier } from "../../api/types";
import { useCan } from "../../auth/context";
import { chinaDay, daysBetween, useNow } from "../../components/chinaTime";
import { fmtDateTime } from "../../components/format";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import { ruleText, ruleTexts } from "../customers/lostBoard";
import { recycleRulesKey } from "../customers/recycleDue";
import {
  EXEMPT_KINDS,
  MAX_DAYS,
  MAX_REMIND_DAYS,
  changedTiers,
  dueByOwner,
  fetchUserNames,
  recycledByOwner,
  rulesBody,
  toForm,
  type DueCustomer,
  type OwnerCount,
  type RecycleOut,
  type RecycleRules,
  type RecyclingForm,
} from "./recycling";

/** Names of the owners in a result (their ids when the caller may not list users). */
function useOwnerNames(ids: string[]): (id: string) => string {
  const can = useCan();
  const sorted = useMemo(() => [...new Set(ids)].sort(), [ids]);
  const names = useQuery({
    queryKey: ["users", "names", sorted],
    queryFn: () => fetchUserNames(sorted),
    enabled: sorted.length > 0 && can("user", "read"),
    staleTime: 5 * 60_000,
  });
  return (id: string) => names.data?.[id] ?? id.slice(0, 8);
}

/** The API fields of a tier's PATCH, shown on its row. */
const TIER_FIELDS = ["no_follow_up_days", "no_deal_days", "contract_ended_days"] as const;

/** A rule's on/off switch and its days (the days field is disabled while the rule is off). */
function RuleDays({
  label,
  on,
  onName,
  daysName,
  min,
  hint,
  offHint,
  editable,
  testId,
}: {
  label: string;
  on: boolean;
  onName: "no_deal_on" | "contract_ended_on";
  daysName: "no_deal_days" | "contract_ended_days";
  min: number;
  hint: string;
  offHint: string;
  editable: boolean;
  testId: string;
}) {
  const t = useT();
  return (
    <Form.Item label={label} extra={on ? hint : offHint}>
      <Space align="start">
        <Form.Item name={onName} valuePropName="checked" noStyle>
          <Switch data-testid={`${testId}-on`} />
        </Form.Item>
        <Form.Item name={daysName} style={{ margin: 0 }} rules={on ? [{ required: true, type: "integer", min, max: MAX_DAYS }] : []}>
          <InputNumber
            min={min}
            max={MAX_DAYS}
            precision={0}
            disabled={!editable || !on}
            suffix={t("settings.days")}
            style={{ width: 160 }}
            data-testid={`${testId}-days`}
          />
        </Form.Item>
      </Space>
    </Form.Item>
  );
}

function RulesForm({ rules, tiers }: { rules: RecycleRules; tiers: Tier[] }) {
  const t = useT();
  const can = useCan();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<RecyclingForm>();
  const editable = can("setting", "update");
  const noDealOn = Form.useWatch("no_deal_on", form) ?? rules.no_deal_days !== null;
  const noDealDays = Form.useWatch("no_deal_days", form) ?? rules.no_deal_days;
  const endedOn = Form.useWatch("contract_ended_on", form) ?? rules.contract_ended_days !== null;
  const endedDays = Form.useWatch("contract_ended_days", form) ?? rules.contract_ended_days;
  /** The tier whose PATCH failed: its field errors go on its row. */
  const failedTier = useRef<string | null>(null);

  /** What a blank tier override inherits: the rule's days as the form has them now, or off. */
  const inherited = (on: boolean, days: number | null) =>
    t("recycling.ruleDefault", { value: on && days !== null ? t("settings.daysValue", { n: days }) : t("recycling.ruleOff") });

  const save = useMutation({
    mutationFn: async (v: RecyclingForm) => {
      failedTier.current = null;
      const body = rulesBody(v, rules);
      const savedRules = body ? await unwrap(api.PUT("/api/v1/settings/recycle-rules", { body })) : rules;
      if (body) qc.setQueryData(recycleRulesKey, savedRules);
      const changed = changedTiers(v, tiers);
      for (const { code, body: tierBody } of changed) {
        failedTier.current = code;
        await unwrap(api.PATCH("/api/v1/customer-tiers/{code}", { params: { path: { code } }, body: tierBody }));
      }
      failedTier.current = null;
      return Boolean(body) || changed.length > 0;
    },
    onSuccess: (changed) => {
      message.success(changed ? t("common.saved") : t("recycling.unchanged"));
    },
    onError: (e) => {
      const code = failedTier.current;
      const aliases: Record<string, NamePath> = code
        ? {
            ...Object.fromEntries(TIER_FIELDS.map((f) => [f, ["tiers", code, f]])),
            name: ["tiers", code, "no_follow_up_days"],
          }
        : // an exemption's error ("exempt.0") goes on the checkboxes
          Object.fromEntries(EXEMPT_KINDS.map((_, i) => [`exempt.${i}`, ["exempt"]]));
      report(e, { form, aliases });
    },
    onSettled: () => {
      // what was saved shows everywhere; the form keeps what the user typed
      void qc.invalidateQueries({ queryKey: keys.tiers });
      void qc.invalidateQueries({ queryKey: ["customers"] }); // days until recycle follow the rules
    },
  });

  return (
    <Form<RecyclingForm>
      form={form}
      layout="vertical"
      initialValues={toForm(rules, tiers)}
      onFinish={(v) => save.mutate(v)}
      disabled={!editable}
      data-testid="recycling-form"
    >
      <Row gutter={24}>
        <Col xs={24} md={12}>
          <RuleDays
            label={t("recycling.noDeal")}
            on={noDealOn}
            onName="no_deal_on"
            daysName="no_deal_days"
            min={1}
            hint={t("recycling.noDealHint")}
            offHint={t("recycling.noDealOff")}
            editable={editable}
            testId="recycling-no-deal"
          />
        </Col>
        <Col xs={24} md={12}>
          <RuleDays
            label={t("recycling.contractEnded")}
            on={endedOn}
            onName="contract_ended_on"
            daysName="contract_ended_days"
            min={0}
            hint={t("recycling.contractEndedHint")}
            offHint={t("recycling.contractEndedOff")}
            editable={editable}
            testId="recycling-contract-ended"
          />
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name="exempt" label={t("recycling.exempt")} extra={t("recycling.exemptHint")} data-testid="recycling-exempt">
            <Checkbox.Group>
              {EXEMPT_KINDS.map((kind) => (
                <Checkbox key={kind} value={kind} data-testid={`recycling-exempt-${kind}`}>
                  {t(`recycling.exempt.${kind}`)}
                </Checkbox>
              ))}
            </Checkbox.Group>
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item
            name="remind_days_before"
            label={t("recycling.remindDays")}
            extra={t("recycling.remindHint")}
            rules={[{ required: true, type: "integer", min: 0, max: MAX_REMIND_DAYS }]}
          >
            <InputNumber min={0} max={MAX_REMIND_DAYS} precision={0} suffix={t("settings.days")} style={{ width: 160 }} data-testid="recycling-remind-days" />
          </Form.Item>
        </Col>
      </Row>
      <Divider orientation="left" plain>
        {t("recycling.tiers")}
      </Divider>
      <Typography.Paragraph type="secondary">{t("settings.tiersHint")}</Typography.Paragraph>
      <Typography.Paragraph type="secondary">{t("recycling.tierOverrideHint")}</Typography.Paragraph>
      <Table<Tier>
        rowKey="code"
        size="small"
        pagination={false}
        dataSource={tiers}
        scroll={{ x: "max-content" }}
        data-testid="recycling-tiers"
        onRow={(r) => ({ "data-code": r.code }) as HTMLAttributes<HTMLElement>}
        columns={[
          { key: "code", dataIndex: "code", title: t("common.code"), width: 80, render: (v: string) => <b>{v}</b> },
          { key: "name", dataIndex: "name", title: t("settings.tierName") },
          {
            key: "days",
            title: t("settings.noFollowUpDays"),
            render: (_, tier) => (
              <Form.Item name={["tiers", tier.code, "no_follow_up_days"]} style={{ margin: 0 }} rules={[{ required: true, type: "integer", min: 1, max: MAX_DAYS }]}>
                <InputNumber min={1} max={MAX_DAYS} precision={0} suffix={t("settings.days")} style={{ width: 140 }} data-testid={`recycling-tier-${tier.code}`} />
              </Form.Item>
            ),
          },
          {
            key: "no_deal_days",
            title: t("recycling.tierNoDeal"),
            render: (_, tier) => (
              <Form.Item name={["tiers", tier.code, "no_deal_days"]} style={{ margin: 0 }} rules={[{ type: "integer", min: 1, max: MAX_DAYS }]}>
                <InputNumber
                  min={1}
                  max={MAX_DAYS}
                  precision={0}
                  placeholder={inherited(noDealOn, noDealDays)}
                  style={{ width: 170 }}
                  data-testid={`recycling-tier-${tier.code}-no-deal`}
                />
              </Form.Item>
            ),
          },
          {
            key: "contract_ended_days",
            title: t("recycling.tierContractEnded"),
            render: (_, tier) => (
              <Form.Item name={["tiers", tier.code, "contract_ended_days"]} style={{ margin: 0 }} rules={[{ type: "integer", min: 0, max: MAX_DAYS }]}>
                <InputNumber
                  min={0}
                  max={MAX_DAYS}
                  precision={0}
                  placeholder={inherited(endedOn, endedDays)}
                  style={{ width: 170 }}
                  data-testid={`recycling-tier-${tier.code}-contract-ended`}
                />
              </Form.Item>
            ),
          },
        ]}
      />
      {editable && (
        <div style={{ marginTop: 16 }}>
          <Button type="primary" htmlType="submit" loading={save.isPending} data-testid="recycling-save">
            {t("common.save")}
          </Button>
        </div>
      )}
    </Form>
  );
}

function OwnerCounts({ counts, name, testId }: { counts: OwnerCount[]; name: (id: string) => string; testId: string }) {
  const t = useT();
  return (
    <Table<OwnerCount>
      rowKey="ownerId"
      size="small"
      pagination={false}
      dataSource={counts}
      data-testid={testId}
      onRow={(r) => ({ "data-testid": `${testId}-row`, "data-owner": r.ownerId }) as HTMLAttributes<HTMLElement>}
      columns={[
        { key: "owner", title: t("recycling.owner"), render: (_, r) => name(r.ownerId) },
        { key: "count", dataIndex: "count", title: t("recycling.customers"), align: "right" },
      ]}
    />
  );
}

function RunCard() {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [preview, setPreview] = useState<RecycleOut | null>(null);
  const [result, setResult] = useState<RecycleOut | null>(null);
  const texts = ruleTexts(t);

  const dryRun = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/customers/recycle", { body: { dry_run: true } })),
    onSuccess: (r) => {
      setPreview(r);
      setResult(null);
    },
    onError: (e) => report(e),
  });
  const run = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/customers/recycle", { body: { dry_run: false } })),
    onSuccess: (r) => {
      setConfirming(false);
      setResult(r);
      setPreview(null);
      message.success(t("recycling.done", { count: r.count, reminded: r.reminded }));
      void qc.invalidateQueries({ queryKey: ["customers"] });
      void qc.invalidateQueries({ queryKey: ["pools"] });
      void qc.invalidateQueries({ queryKey: ["analytics", "lost-customers"] });
    },
    onError: (e) => {
      setConfirming(false);
      report(e);
    },
  });

  const dueOwners = useMemo(() => dueByOwner(preview?.customers ?? []), [preview]);
  const runOwners = useMemo(() => recycledByOwner(result?.by_owner ?? {}), [result]);
  const ownerIds = useMemo(() => [...dueOwners, ...runOwners].map((o) => o.ownerId), [dueOwners, runOwners]);
  const ownerName = useOwnerNames(ownerIds);
  const today = chinaDay(useNow());

  const columns: TableColumnsType<DueCustomer> = [
    {
      key: "name",
      title: t("recycling.customer"),
      render: (_, c) => (
        <Link to={`/customers/${c.customer_id}`} data-testid="recycling-customer-link">
          {c.name}
        </Link>
      ),
      sorter: (a, b) => a.name.localeCompare(b.name),
    },
    {
      key: "owner",
      title: t("recycling.owner"),
      render: (_, c) => ownerName(c.owner_id),
      filters: dueOwners.map((o) => ({ text: `${ownerName(o.ownerId)} (${o.count})`, value: o.ownerId })),
      onFilter: (value, c) => c.owner_id === value,
    },
    {
      key: "due_at",
      title: t("recycling.dueAt"),
      defaultSortOrder: "ascend",
      sorter: (a, b) => Date.parse(a.due_at) - Date.parse(b.due_at),
      render: (_, c) => {
        const late = daysBetween(chinaDay(c.due_at), today);
        return (
          <Space size={4}>
            <span>{fmtDateTime(c.due_at)}</span>
            {late > 0 && <Typography.Text type="danger">{t("recycling.overdueDays", { n: late })}</Typography.Text>}
          </Space>
        );
      },
    },
    { key: "rule", title: t("recycling.rule"), render: (_, c) => ruleText("recycle", c.rule, texts) },
  ];

  const capped = preview !== null && preview.customers.length < preview.count;

  return (
    <Card title={t("recycling.runTitle")} data-testid="recycling-run">
      <Typography.Paragraph type="secondary">{t("recycling.dryRunHint")}</Typography.Paragraph>
      <Space wrap>
        <Button icon={<ExperimentOutlined />} onClick={() => dryRun.mutate()} loading={dryRun.isPending} data-testid="recycling-dry-run">
          {t("recycling.dryRun")}
        </Button>
        <Button danger icon={<ThunderboltOutlined />} onClick={() => setConfirming(true)} data-testid="recycling-run-now">
          {t("recycling.runNow")}
        </Button>
      </Space>
      {preview && (
        <div style={{ marginTop: 16 }} data-testid="recycling-preview">
          {preview.count === 0 ? (
            <Alert type="success" showIcon message={t("recycling.nothingDue")} data-testid="recycling-preview-count" data-count={0} />
          ) : (
            <>
              <Alert
                type="warning"
                showIcon
                message={t("recycling.wouldRecycle", { count: preview.count })}
                description={capped ? t("recycling.previewCapped", { count: preview.customers.length }) : undefined}
                data-testid="recycling-preview-count"
                data-count={preview.count}
              />
              <Space wrap style={{ margin: "12px 0" }} data-testid="recycling-preview-owners">
                {dueOwners.map((o) => (
                  <Tag key={o.ownerId}>{t("recycling.ownerCount", { name: ownerName(o.ownerId), count: o.count })}</Tag>
                ))}
              </Space>
              <Table<DueCustomer>
                rowKey="customer_id"
                size="small"
                data-testid="recycling-preview-table"
                columns={columns}
                dataSource={preview.customers}
                pagination={{ pageSize: 20, showSizeChanger: false, hideOnSinglePage: true }}
                showSorterTooltip={false}
                scroll={{ x: "max-content" }}
                onRow={(c) => ({ "data-testid": "recycling-preview-row", "data-id": c.customer_id }) as HTMLAttributes<HTMLElement>}
              />
            </>
          )}
        </div>
      )}
      {result && (
        <div style={{ marginTop: 16 }} data-testid="recycling-result">
          <Alert
            type="success"
            showIcon
            message={t("recycling.done", { count: result.count, reminded: result.reminded })}
            data-testid="recycling-result-count"
            data-count={result.count}
          />
          {runOwners.length > 0 && (
            <div style={{ marginTop: 12 }}>
              <Typography.Text strong>{t("recycling.byOwner")}</Typography.Text>
              <OwnerCounts counts={runOwners} name={ownerName} testId="recycling-result-owners" />
            </div>
          )}
        </div>
      )}
      <Modal
        open={confirming}
        title={t("recycling.runConfirmTitle")}
        onCancel={() => setConfirming(false)}
        onOk={() => run.mutate()}
        confirmLoading={run.isPending}
        okText={t("recycling.runNow")}
        cancelText={t("common.cancel")}
        okButtonProps={{ danger: true, ...({ "data-testid": "recycling-run-confirm" } as Record<string, string>) }}
        destroyOnHidden
      >
        <Typography.Paragraph>{t("recycling.runConfirm")}</Typography.Paragraph>
        {preview && (
          <Typography.Paragraph strong data-testid="recycling-run-expected">
            {t("recycling.runConfirmCount", { count: preview.count })}
          </Typography.Paragraph>
        )}
      </Modal>
    </Card>
  );
}

export function RecyclingPage() {
  const t = useT();
  const can = useCan();
  const rules = useQuery({ queryKey: recycleRulesKey, queryFn: () => unwrap(api.GET("/api/v1/settings/recycle-rules")) });
  const tiers = useQuery({ queryKey: keys.tiers, queryFn: fetchTiers });
  const error = rules.error ?? tiers.error;
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }} data-testid="recycling-page">
      <Card title={t("recycling.title")} loading={rules.isPending || tiers.isPending} data-testid="recycling-rules">
        <Typography.Paragraph type="secondary">{t("recycling.hint")}</Typography.Paragraph>
        {error ? (
          <Alert type="error" showIcon message={error.message} />
        ) : rules.data && tiers.data ? (
          <RulesForm rules={rules.data} tiers={tiers.data} />
        ) : null}
      </Card>
      {can("setting", "update") && <RunCard />}
    </Space>
  );
}
