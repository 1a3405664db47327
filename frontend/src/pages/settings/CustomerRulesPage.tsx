import { EditOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Form, Input, InputNumber, Modal, Space, Table, Typography } from "antd";
import { useEffect, useState, type HTMLAttributes } from "react";
import { api, unwrap } from "../../api/client";
import { fetchTiers, keys } from "../../api/queries";
import type { CustomerRules, Tier, TierUpdate } from "../../api/types";
import { useCan } from "../../auth/context";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";

function RulesCard() {
  const t = useT();
  const can = useCan();
  const report = useApiError();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<CustomerRules>();
  const editable = can("setting", "update");
  const rules = useQuery({
    queryKey: keys.customerRules,
    queryFn: () => unwrap(api.GET("/api/v1/settings/customer-rules")),
  });
  useEffect(() => {
    if (rules.data) form.setFieldsValue(rules.data);
  }, [rules.data, form]);
  const save = useMutation({
    mutationFn: (v: CustomerRules) => unwrap(api.PUT("/api/v1/settings/customer-rules", { body: v })),
    onSuccess: (data) => {
      message.success(t("common.saved"));
      queryClient.setQueryData(keys.customerRules, data);
      // the warning on enterprise customers follows the rule
      void queryClient.invalidateQueries({ queryKey: ["customers", "detail"] });
    },
    onError: (e) => report(e, { form }),
  });
  const dirty = Form.useWatch("min_contacts_enterprise", form) !== rules.data?.min_contacts_enterprise;

  return (
    <Card title={t("settings.customerRules")} loading={rules.isLoading} data-testid="customer-rules">
      <Form<CustomerRules> form={form} layout="inline" onFinish={(v) => save.mutate(v)} disabled={!editable}>
        <Form.Item
          name="min_contacts_enterprise"
          label={t("settings.minContactsEnterprise")}
          rules={[{ required: true, type: "integer", min: 0, max: 20 }]}
        >
          <InputNumber min={0} max={20} precision={0} data-testid="min-contacts-input" />
        </Form.Item>
        {editable && (
          <Button type="primary" htmlType="submit" loading={save.isPending} disabled={!dirty} data-testid="customer-rules-save">
            {t("common.save")}
          </Button>
        )}
      </Form>
      <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
        {t("settings.minContactsHint")}
      </Typography.Paragraph>
    </Card>
  );
}

function TierModal({ tier, onClose }: { tier: Tier | null; onClose: () => void }) {
  const t = useT();
  const report = useApiError();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ name: string; no_follow_up_days: number }>();
  const save = useMutation({
    mutationFn: (v: { name: string; no_follow_up_days: number }) => {
      const body: TierUpdate = { name: v.name.trim(), no_follow_up_days: v.no_follow_up_days };
      return unwrap(api.PATCH("/api/v1/customer-tiers/{code}", { params: { path: { code: tier?.code ?? "" } }, body }));
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: keys.tiers });
      onClose();
    },
    onError: (e) => report(e, { form }),
  });
  return (
    <Modal
      open={Boolean(tier)}
      title={`${t("settings.editTier")} · ${tier?.code ?? ""}`}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={save.isPending}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      destroyOnHidden
      okButtonProps={{ "data-testid": "tier-save" } as Record<string, string>}
    >
      {tier && (
        <Form
          form={form}
          layout="vertical"
          preserve={false}
          clearOnDestroy
          initialValues={{ name: tier.name, no_follow_up_days: tier.no_follow_up_days }}
          onFinish={(v) => save.mutate(v)}
        >
          <Form.Item name="name" label={t("settings.tierName")} rules={[{ required: true, whitespace: true, max: 50 }]}>
            <Input maxLength={50} data-testid="tier-name" />
          </Form.Item>
          <Form.Item
            name="no_follow_up_days"
            label={t("settings.noFollowUpDays")}
            extra={t("settings.noFollowUpDaysHint")}
            rules={[{ required: true, type: "integer", min: 1, max: 3650 }]}
          >
            <InputNumber min={1} max={3650} precision={0} addonAfter={t("settings.days")} data-testid="tier-days" />
          </Form.Item>
        </Form>
      )}
    </Modal>
  );
}

function TiersCard() {
  const t = useT();
  const can = useCan();
  const [editing, setEditing] = useState<Tier | null>(null);
  const tiers = useQuery({ queryKey: keys.tiers, queryFn: fetchTiers });
  const editable = can("setting", "update");
  return (
    <Card title={t("settings.tiers")}>
      <Typography.Paragraph type="secondary">{t("settings.tiersHint")}</Typography.Paragraph>
      <Table<Tier>
        rowKey="code"
        size="middle"
        data-testid="tier-table"
        loading={tiers.isLoading}
        dataSource={tiers.data ?? []}
        pagination={false}
        onRow={(r) => ({ "data-code": r.code }) as HTMLAttributes<HTMLElement>}
        columns={[
          { key: "code", dataIndex: "code", title: t("common.code"), width: 80, render: (v: string) => <b>{v}</b> },
          { key: "name", dataIndex: "name", title: t("settings.tierName") },
          {
            key: "days",
            dataIndex: "no_follow_up_days",
            title: t("settings.noFollowUpDays"),
            render: (v: number) => t("settings.daysValue", { n: v }),
          },
          ...(editable
            ? [
                {
                  key: "actions",
                  title: t("common.actions"),
                  width: 100,
                  render: (_: unknown, r: Tier) => (
                    <Button type="link" size="small" icon={<EditOutlined />} onClick={() => setEditing(r)} data-testid="tier-edit">
                      {t("common.edit")}
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
      />
      <TierModal tier={editing} onClose={() => setEditing(null)} />
    </Card>
  );
}

/** Settings › customer rules: the minimum number of contacts and the five customer tiers. */
export function CustomerRulesPage() {
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <RulesCard />
      <TiersCard />
    </Space>
  );
}
