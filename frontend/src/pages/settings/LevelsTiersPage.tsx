/** Settings › levels & tiers (客户等级与分层): the criteria of normal / KA / SKA (company size,
 * opportunity volume, cooperation depth — seed 001) and of the five tiers, with the tiers' days. */
import { EditOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Form, Input, InputNumber, Modal, Select, Space, Table, Tag, Typography } from "antd";
import { useState, type HTMLAttributes } from "react";
import { api, unwrap } from "../../api/client";
import { fetchTiers, keys } from "../../api/queries";
import type { CompanySize, LevelDefinition, Tier, TierUpdate } from "../../api/types";
import { useCan } from "../../auth/context";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import { COMPANY_SIZES } from "../customers/constants";
import { AMOUNT, fmtAmount, levelFormToBody, levelsKey, type LevelForm } from "./levelCriteria";

function LevelModal({ level, onClose }: { level: LevelDefinition | null; onClose: () => void }) {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<LevelForm>();
  const save = useMutation({
    mutationFn: (v: LevelForm) =>
      unwrap(api.PATCH("/api/v1/customer-levels/{code}", { params: { path: { code: level?.code ?? "normal" } }, body: levelFormToBody(v) })),
    onSuccess: () => {
      message.success(t("common.saved"));
      void qc.invalidateQueries({ queryKey: levelsKey });
      onClose();
    },
    onError: (e) => report(e, { form }),
  });
  return (
    <Modal
      open={Boolean(level)}
      title={`${t("levels.edit")} · ${level?.code ?? ""}`}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={save.isPending}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      destroyOnHidden
      okButtonProps={{ "data-testid": "level-save" } as Record<string, string>}
    >
      {level && (
        <Form<LevelForm>
          form={form}
          layout="vertical"
          preserve={false}
          clearOnDestroy
          initialValues={{
            name: level.name,
            name_en: level.name_en,
            company_sizes: level.company_sizes as CompanySize[],
            min_annual_amount: level.min_annual_amount ?? "",
            min_cooperation_years: level.min_cooperation_years,
            cooperation_depth: level.cooperation_depth ?? "",
            description: level.description ?? "",
          }}
          onFinish={(v) => save.mutate(v)}
        >
          <Space.Compact block>
            <Form.Item name="name" label={t("levels.name")} rules={[{ required: true, whitespace: true, max: 50 }]} style={{ flex: 1 }}>
              <Input maxLength={50} data-testid="level-name" />
            </Form.Item>
            <Form.Item name="name_en" label={t("levels.nameEn")} rules={[{ required: true, whitespace: true, max: 50 }]} style={{ flex: 1 }}>
              <Input maxLength={50} data-testid="level-name-en" />
            </Form.Item>
          </Space.Compact>
          <Form.Item name="company_sizes" label={t("levels.companySizes")} extra={t("levels.anySize")}>
            <Select mode="multiple" allowClear options={COMPANY_SIZES.map((s) => ({ value: s, label: t("customer.sizeValue", { size: s }) }))} data-testid="level-sizes" />
          </Form.Item>
          <Form.Item
            name="min_annual_amount"
            label={t("levels.minAmount")}
            rules={[{ pattern: AMOUNT, message: t("levels.amountInvalid") }]}
          >
            <Input inputMode="decimal" placeholder="1000000.00" data-testid="level-amount" />
          </Form.Item>
          <Form.Item name="min_cooperation_years" label={t("levels.minYears")} rules={[{ type: "integer", min: 0, max: 100 }]}>
            <InputNumber min={0} max={100} precision={0} data-testid="level-years" />
          </Form.Item>
          <Form.Item name="cooperation_depth" label={t("levels.depth")} rules={[{ max: 2000 }]}>
            <Input.TextArea rows={2} maxLength={2000} data-testid="level-depth" />
          </Form.Item>
          <Form.Item name="description" label={t("levels.description")} rules={[{ max: 2000 }]}>
            <Input.TextArea rows={2} maxLength={2000} data-testid="level-description" />
          </Form.Item>
        </Form>
      )}
    </Modal>
  );
}

function LevelsCard() {
  const t = useT();
  const can = useCan();
  const [editing, setEditing] = useState<LevelDefinition | null>(null);
  const levels = useQuery({ queryKey: levelsKey, queryFn: async () => (await unwrap(api.GET("/api/v1/customer-levels"))).items });
  const editable = can("setting", "update");
  return (
    <Card title={t("levels.title")} data-testid="levels-card">
      <Typography.Paragraph type="secondary">{t("levels.hint")}</Typography.Paragraph>
      <Table<LevelDefinition>
        rowKey="code"
        size="middle"
        data-testid="level-table"
        loading={levels.isLoading}
        dataSource={levels.data ?? []}
        pagination={false}
        scroll={{ x: "max-content" }}
        onRow={(r) => ({ "data-code": r.code }) as HTMLAttributes<HTMLElement>}
        columns={[
          { key: "code", dataIndex: "code", title: t("common.code"), width: 80, render: (v: string) => <b>{v}</b> },
          { key: "name", title: t("levels.name"), render: (_: unknown, r) => `${r.name} / ${r.name_en}` },
          {
            key: "sizes",
            title: t("levels.companySizes"),
            render: (_: unknown, r) =>
              r.company_sizes.length ? r.company_sizes.map((s) => <Tag key={s}>{t("customer.sizeValue", { size: s })}</Tag>) : t("levels.anySize"),
          },
          { key: "amount", title: t("levels.minAmount"), render: (_: unknown, r) => <span data-testid="level-amount-value">{fmtAmount(r.min_annual_amount)}</span> },
          {
            key: "years",
            title: t("levels.minYears"),
            render: (_: unknown, r) => (r.min_cooperation_years == null ? "—" : t("levels.years", { n: r.min_cooperation_years })),
          },
          { key: "depth", dataIndex: "cooperation_depth", title: t("levels.depth"), width: 280 },
          ...(editable
            ? [
                {
                  key: "actions",
                  title: t("common.actions"),
                  width: 100,
                  render: (_: unknown, r: LevelDefinition) => (
                    <Button type="link" size="small" icon={<EditOutlined />} onClick={() => setEditing(r)} data-testid="level-edit">
                      {t("common.edit")}
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
      />
      <LevelModal level={editing} onClose={() => setEditing(null)} />
    </Card>
  );
}

interface TierForm {
  name: string;
  no_follow_up_days: number;
  description: string;
  criteria: string;
}

function TierCriteriaModal({ tier, onClose }: { tier: Tier | null; onClose: () => void }) {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<TierForm>();
  const save = useMutation({
    mutationFn: (v: TierForm) => {
      const body: TierUpdate = {
        name: v.name.trim(),
        no_follow_up_days: v.no_follow_up_days,
        description: v.description?.trim() || null,
        criteria: v.criteria?.trim() || null,
      };
      return unwrap(api.PATCH("/api/v1/customer-tiers/{code}", { params: { path: { code: tier?.code ?? "" } }, body }));
    },
    onSuccess: () => {
      message.success(t("common.saved"));
      void qc.invalidateQueries({ queryKey: keys.tiers });
      onClose();
    },
    onError: (e) => report(e, { form }),
  });
  return (
    <Modal
      open={Boolean(tier)}
      title={`${t("tiersCriteria.edit")} · ${tier?.code ?? ""}`}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={save.isPending}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      destroyOnHidden
      okButtonProps={{ "data-testid": "tier-criteria-save" } as Record<string, string>}
    >
      {tier && (
        <Form<TierForm>
          form={form}
          layout="vertical"
          preserve={false}
          clearOnDestroy
          initialValues={{ name: tier.name, no_follow_up_days: tier.no_follow_up_days, description: tier.description ?? "", criteria: tier.criteria ?? "" }}
          onFinish={(v) => save.mutate(v)}
        >
          <Form.Item name="name" label={t("settings.tierName")} rules={[{ required: true, whitespace: true, max: 50 }]}>
            <Input maxLength={50} data-testid="tier-criteria-name" />
          </Form.Item>
          <Form.Item
            name="no_follow_up_days"
            label={t("settings.noFollowUpDays")}
            extra={t("settings.noFollowUpDaysHint")}
            rules={[{ required: true, type: "integer", min: 1, max: 3650 }]}
          >
            <InputNumber min={1} max={3650} precision={0} addonAfter={t("settings.days")} data-testid="tier-criteria-days" />
          </Form.Item>
          <Form.Item name="criteria" label={t("tiersCriteria.criteria")} rules={[{ max: 2000 }]}>
            <Input.TextArea rows={2} maxLength={2000} data-testid="tier-criteria-criteria" />
          </Form.Item>
          <Form.Item name="description" label={t("levels.description")} rules={[{ max: 2000 }]}>
            <Input.TextArea rows={2} maxLength={2000} data-testid="tier-criteria-description" />
          </Form.Item>
        </Form>
      )}
    </Modal>
  );
}

function TiersCriteriaCard() {
  const t = useT();
  const can = useCan();
  const [editing, setEditing] = useState<Tier | null>(null);
  const tiers = useQuery({ queryKey: keys.tiers, queryFn: fetchTiers });
  const editable = can("setting", "update");
  return (
    <Card title={t("tiersCriteria.title")} data-testid="tiers-card">
      <Typography.Paragraph type="secondary">{t("tiersCriteria.hint")}</Typography.Paragraph>
      <Table<Tier>
        rowKey="code"
        size="middle"
        data-testid="tier-criteria-table"
        loading={tiers.isLoading}
        dataSource={tiers.data ?? []}
        pagination={false}
        scroll={{ x: "max-content" }}
        onRow={(r) => ({ "data-code": r.code }) as HTMLAttributes<HTMLElement>}
        columns={[
          { key: "code", dataIndex: "code", title: t("common.code"), width: 80, render: (v: string) => <b>{v}</b> },
          { key: "name", dataIndex: "name", title: t("settings.tierName") },
          { key: "days", dataIndex: "no_follow_up_days", title: t("settings.noFollowUpDays"), render: (v: number) => t("settings.daysValue", { n: v }) },
          { key: "criteria", dataIndex: "criteria", title: t("tiersCriteria.criteria"), width: 320 },
          ...(editable
            ? [
                {
                  key: "actions",
                  title: t("common.actions"),
                  width: 100,
                  render: (_: unknown, r: Tier) => (
                    <Button type="link" size="small" icon={<EditOutlined />} onClick={() => setEditing(r)} data-testid="tier-criteria-edit">
                      {t("common.edit")}
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
      />
      <TierCriteriaModal tier={editing} onClose={() => setEditing(null)} />
    </Card>
  );
}

export function LevelsTiersPage() {
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <LevelsCard />
      <TiersCriteriaCard />
    </Space>
  );
}
