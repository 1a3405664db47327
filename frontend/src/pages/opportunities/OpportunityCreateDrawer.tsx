/** New opportunity (POST /opportunities): customer, line, the opportunity's fields; managers
 * also pick the owner and the starting stage. Field errors of a 422 show under the fields. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { App, Button, Drawer, Form, Space } from "antd";
import { useEffect } from "react";
import { useNavigate } from "react-router";
import { api, unwrap } from "../../api/client";
import { useAuth } from "../../auth/context";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import { CustomerPicker, OpportunityFields } from "./OpportunityFields";
import { createBody, defaultLine, managesOpportunities, type CreateValues, type OpportunityDetail } from "./opportunityHelpers";
import { opportunityKeys, useBusinessLines } from "./opportunityQueries";

export function OpportunityCreateDrawer({
  open,
  onClose,
  customer,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  /** Preselects the customer (e.g. opened from a customer's page). */
  customer?: { id: string; name: string } | null;
  /** Default: open the new opportunity. */
  onCreated?: (opp: OpportunityDetail) => void;
}) {
  const t = useT();
  const { me } = useAuth();
  const report = useApiError();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [form] = Form.useForm<CreateValues>();
  const lines = useBusinessLines(open);
  const manager = managesOpportunities(me?.permissions);
  const initialLine = defaultLine(lines.data ?? [])?.id;

  useEffect(() => {
    if (open && initialLine && !form.getFieldValue("business_line_id")) form.setFieldValue("business_line_id", initialLine);
  }, [open, initialLine, form]);

  const create = useMutation({
    mutationFn: (v: CreateValues) => unwrap(api.POST("/api/v1/opportunities", { body: createBody(v) })),
    onSuccess: (opp) => {
      message.success(t("opportunity.created"));
      void qc.invalidateQueries({ queryKey: opportunityKeys.all });
      onClose();
      if (onCreated) onCreated(opp);
      else navigate(`/opportunities/${opp.id}`);
    },
    onError: (e) => report(e, { form }),
  });

  return (
    <Drawer
      open={open}
      onClose={onClose}
      title={t("opportunity.new")}
      width={560}
      destroyOnHidden
      data-testid="opportunity-create-drawer"
      extra={
        <Space>
          <Button onClick={onClose}>{t("common.cancel")}</Button>
          <Button type="primary" loading={create.isPending} onClick={() => form.submit()} data-testid="opportunity-save">
            {t("common.save")}
          </Button>
        </Space>
      }
    >
      <Form<CreateValues>
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={{ currency: "CNY", priority: "normal", products: [], business_line_id: initialLine, customer_id: customer?.id }}
        onFinish={(v) => create.mutate(v)}
        data-testid="opportunity-form"
      >
        <Form.Item name="customer_id" label={t("opportunity.customer")} rules={[{ required: true }]}>
          <CustomerPicker initial={customer} data-testid="opportunity-customer" />
        </Form.Item>
        <OpportunityFields lines={lines.data ?? []} manager={manager} />
      </Form>
    </Drawer>
  );
}
