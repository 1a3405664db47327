/** 财务信息: the customer's billing details. They change only through approval: "request change" sends the
 * changed fields with a reason; while a request is pending the card links to it instead. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Descriptions, Form, Input, Modal, Typography } from "antd";
import { useState } from "react";
import { Link } from "react-router";
import { api, unwrap } from "../../api/client";
import type { Customer } from "../../api/types";
import { useCan } from "../../auth/context";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import type { MessageKey } from "../../i18n/messages";
import {
  approvalKeys,
  FINANCE_FIELDS,
  financeChanges,
  financeValues,
  pendingOfKind,
  type FinanceValues,
} from "../approvals/approvalHelpers";
import { customerKey } from "./customerQueries";

type RequestForm = FinanceValues & { reason: string };

const MAX: Record<(typeof FINANCE_FIELDS)[number], number> = {
  billing_title: 200,
  tax_number: 32,
  bank_name: 100,
  bank_account: 40,
  billing_address: 300,
  billing_phone: 32,
};

function RequestDialog({ customer, open, onClose }: { customer: Customer; open: boolean; onClose: () => void }) {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<RequestForm>();
  const [nothing, setNothing] = useState(false);
  const submit = useMutation({
    mutationFn: (v: RequestForm) =>
      unwrap(
        api.POST("/api/v1/customers/{customer_id}/finance-requests", {
          params: { path: { customer_id: customer.id } },
          body: { ...financeChanges(customer, v), reason: v.reason.trim() },
        }),
      ),
    onSuccess: () => {
      message.success(t("finance.sent"));
      void qc.invalidateQueries({ queryKey: customerKey(customer.id) });
      void qc.invalidateQueries({ queryKey: approvalKeys.all });
      onClose();
    },
    onError: (e) => {
      report(e, { form });
      void qc.invalidateQueries({ queryKey: customerKey(customer.id) });
    },
  });
  return (
    <Modal
      open={open}
      title={t("finance.requestTitle")}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={submit.isPending}
      okText={t("finance.submit")}
      cancelText={t("common.cancel")}
      okButtonProps={{ "data-testid": "finance-request-ok" } as Record<string, string>}
      destroyOnHidden
      width={640}
    >
      <Form<RequestForm>
        form={form}
        layout="vertical"
        preserve={false}
        clearOnDestroy
        initialValues={{ ...financeValues(customer), reason: "" }}
        onValuesChange={() => setNothing(false)}
        onFinish={(v) => {
          if (!Object.keys(financeChanges(customer, v)).length) {
            setNothing(true);
            return;
          }
          submit.mutate(v);
        }}
      >
        <Typography.Paragraph type="secondary">{t("finance.requestHint")}</Typography.Paragraph>
        {FINANCE_FIELDS.map((f) => (
          <Form.Item key={f} name={f} label={t(`approval.field.${f}` as MessageKey)} rules={[{ max: MAX[f] }]}>
            <Input allowClear maxLength={MAX[f]} data-testid={`finance-input-${f}`} />
          </Form.Item>
        ))}
        {nothing && <Alert type="warning" showIcon message={t("finance.nothingChanged")} style={{ marginBottom: 12 }} data-testid="finance-nothing" />}
        <Form.Item name="reason" label={t("finance.reason")} extra={t("finance.reasonHint")} rules={[{ required: true, whitespace: true, max: 1000 }]}>
          <Input.TextArea rows={3} maxLength={1000} data-testid="finance-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export function FinanceCard({ customer }: { customer: Customer }) {
  const t = useT();
  const can = useCan();
  const [open, setOpen] = useState(false);
  const pending = pendingOfKind(customer.pending_approvals, "customer_finance_change");
  return (
    <Card
      title={t("finance.title")}
      data-testid="finance-card"
      extra={
        can("customer", "update") && (
          <Button onClick={() => setOpen(true)} disabled={Boolean(pending)} title={pending ? t("finance.pending") : undefined} data-testid="finance-request">
            {t("finance.request")}
          </Button>
        )
      }
    >
      {pending && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="finance-pending"
          message={
            <span>
              {t("finance.pending")} <Link to={`/approvals/${pending.id}`}>{t("approval.view")}</Link>
            </span>
          }
        />
      )}
      <Descriptions
        bordered
        size="small"
        column={{ xs: 1, sm: 1, md: 2, lg: 3 }}
        items={FINANCE_FIELDS.map((f) => ({
          key: f,
          label: t(`approval.field.${f}` as MessageKey),
          children: <span data-testid={`finance-value-${f}`}>{customer[f] ?? ""}</span>,
        }))}
      />
      {can("customer", "update") && <RequestDialog customer={customer} open={open} onClose={() => setOpen(false)} />}
    </Card>
  );
}
