import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Form, InputNumber, Space, Typography } from "antd";
import { useEffect } from "react";
import { api, unwrap } from "../../api/client";
import { keys } from "../../api/queries";
import type { CustomerRules } from "../../api/types";
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

/** Settings › customer rules: the minimum number of contacts (the tiers live on Levels & tiers). */
export function CustomerRulesPage() {
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <RulesCard />
    </Space>
  );
}
