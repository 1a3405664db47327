/**
 * Converting a lead (POST /leads/{id}/convert): into a customer, and — when asked — an
 * opportunity for it (name, business line, amount, expected close date).
 */
import { useMutation } from "@tanstack/react-query";
import { Checkbox, DatePicker, Form, Input, Modal, Typography } from "antd";
import { useEffect } from "react";
import { api } from "../../api/client";
import { ApiError } from "../../api/problem";
import type { LeadDetail } from "../../api/types";
import { useCan } from "../../auth/context";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import { LineSelect } from "../opportunities/OpportunityFields";
import { amountRules, dateField, defaultLine } from "../opportunities/opportunityHelpers";
import { useBusinessLines } from "../opportunities/opportunityQueries";
import { convertBody, type ConvertResult, type ConvertValues } from "./leadConvert";

export function LeadConvertDialog({
  lead,
  match,
  open,
  onClose,
  onConverted,
  onStale,
}: {
  lead: LeadDetail;
  /** If-Match of the lead. */
  match: string;
  open: boolean;
  onClose: () => void;
  onConverted: (out: ConvertResult) => void;
  onStale: () => void;
}) {
  const t = useT();
  const can = useCan();
  const report = useApiError();
  const [form] = Form.useForm<ConvertValues>();
  const mayCreate = can("opportunity", "create");
  const withOpportunity = Boolean(Form.useWatch("with_opportunity", form));
  const lines = useBusinessLines(open && mayCreate);
  const initialLine = defaultLine(lines.data ?? [])?.id;

  useEffect(() => {
    if (withOpportunity && initialLine && !form.getFieldValue(["opportunity", "business_line_id"]))
      form.setFieldValue(["opportunity", "business_line_id"], initialLine);
  }, [withOpportunity, initialLine, form]);

  const convert = useMutation({
    mutationFn: async (v: ConvertValues) => {
      const { data, error, response } = await api.POST("/api/v1/leads/{lead_id}/convert", {
        params: { path: { lead_id: lead.id }, header: { "If-Match": match } },
        body: convertBody(v),
      });
      if (!response.ok || !data) throw ApiError.from(response, error);
      return data;
    },
    onSuccess: (out) => {
      onClose();
      onConverted(out);
    },
    onError: (e) => report(e, { form, onStale }),
  });

  return (
    <Modal
      open={open}
      title={t("lead.convert")}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={convert.isPending}
      okButtonProps={{ "data-testid": "lead-convert-ok" }}
      destroyOnHidden
    >
      <Form<ConvertValues>
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={{ with_opportunity: false, opportunity: { business_line_id: initialLine } }}
        onFinish={(v) => convert.mutate(v)}
        data-testid="lead-convert-form"
      >
        <Typography.Paragraph>{t("lead.convertConfirm")}</Typography.Paragraph>
        {mayCreate && (
          <Form.Item name="with_opportunity" valuePropName="checked">
            <Checkbox data-testid="lead-convert-opportunity">{t("opportunity.convert.withOpportunity")}</Checkbox>
          </Form.Item>
        )}
        {mayCreate && withOpportunity && (
          <>
            <Form.Item name={["opportunity", "name"]} label={t("opportunity.name")} extra={t("opportunity.convert.nameHelp")} rules={[{ max: 200 }]}>
              <Input placeholder={[lead.company_name, lead.product].filter(Boolean).join(" ")} data-testid="lead-convert-opp-name" />
            </Form.Item>
            <Form.Item name={["opportunity", "business_line_id"]} label={t("opportunity.businessLine")}>
              <LineSelect lines={lines.data ?? []} data-testid="lead-convert-opp-line" />
            </Form.Item>
            <Form.Item name={["opportunity", "amount"]} label={t("opportunity.amount")} rules={amountRules(t)}>
              <Input inputMode="decimal" placeholder="0.00" data-testid="lead-convert-opp-amount" />
            </Form.Item>
            <Form.Item name={["opportunity", "expected_close_date"]} label={t("opportunity.expectedClose")} {...dateField}>
              <DatePicker style={{ width: "100%" }} data-testid="lead-convert-opp-close" />
            </Form.Item>
          </>
        )}
      </Form>
    </Modal>
  );
}
