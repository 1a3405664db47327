/** 申请变更等级: a rep asks for another customer level (normal / KA / SKA); the level-change approval flow decides.
 * While a request is pending (the customer's pending approvals, or the one just sent) the page links to it
 * (where its applicant may withdraw it) and the button is disabled. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { App, Button, Form, Input, Modal, Select, Space, Tag } from "antd";
import { useState } from "react";
import { Link } from "react-router";
import { api, unwrap } from "../../api/client";
import type { CustomerLevel } from "../../api/types";
import { useApiError } from "../../components/useApiError";
import { translateDynamic, useT } from "../../i18n/context";
import { approvalKeys, levelChangeOf, type PendingApprovalRef } from "../approvals/approvalHelpers";
import { customerKey } from "./customerQueries";

const LEVELS: CustomerLevel[] = ["normal", "KA", "SKA"];

interface RequestForm {
  to_level: CustomerLevel;
  reason: string;
}

interface Sent {
  id: string;
  from: string;
  to: string;
}

/** `level`: the customer's level now (normal / KA / SKA); `pending`: its pending level change, if any. */
export function LevelRequestButton({ customerId, level, pending }: { customerId: string; level: string; pending?: PendingApprovalRef | null }) {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [sent, setSent] = useState<Sent | null>(null);
  const [form] = Form.useForm<RequestForm>();
  const submit = useMutation({
    mutationFn: (v: RequestForm) =>
      unwrap(
        api.POST("/api/v1/customers/{customer_id}/level-requests", {
          params: { path: { customer_id: customerId } },
          body: { to_level: v.to_level, reason: v.reason.trim() },
        }),
      ),
    onSuccess: (r) => {
      message.success(t("levelRequest.sent"));
      setSent({ id: r.id, from: r.from_level, to: r.to_level });
      setOpen(false);
      void qc.invalidateQueries({ queryKey: approvalKeys.all });
      void qc.invalidateQueries({ queryKey: customerKey(customerId) });
    },
    onError: (e) => {
      report(e, { form });
      void qc.invalidateQueries({ queryKey: customerKey(customerId) });
    },
  });

  const name = (l: string) => translateDynamic(t, "customer.level", l);
  const change = pending ? levelChangeOf(pending) : null;
  // the customer's own pending request wins; the one just sent shows until the customer reloads
  const shown: Sent | null = pending ? { id: pending.id, from: change?.from ?? level, to: change?.to ?? "?" } : sent;
  const choices = LEVELS.filter((l) => l !== level);
  return (
    <>
      {shown && (
        <Space size={4} data-testid="level-request-pending">
          <Tag color="processing">{t("levelRequest.pending", { from: name(shown.from), to: name(shown.to) })}</Tag>
          <Link to={`/approvals/${shown.id}`} data-testid="level-request-link">
            {t("approval.view")}
          </Link>
        </Space>
      )}
      <Button onClick={() => setOpen(true)} disabled={Boolean(shown)} data-testid="level-request">
        {t("levelRequest.request")}
      </Button>
      <Modal
        open={open}
        title={t("levelRequest.title")}
        onCancel={() => setOpen(false)}
        onOk={() => form.submit()}
        confirmLoading={submit.isPending}
        okText={t("levelRequest.submit")}
        cancelText={t("common.cancel")}
        okButtonProps={{ "data-testid": "level-request-ok" } as Record<string, string>}
        destroyOnHidden
      >
        <Form<RequestForm>
          form={form}
          layout="vertical"
          preserve={false}
          clearOnDestroy
          initialValues={{ to_level: choices[0] }}
          onFinish={(v) => submit.mutate(v)}
        >
          <Form.Item label={t("levelRequest.current")}>
            <Tag data-testid="level-request-current">{name(level)}</Tag>
          </Form.Item>
          <Form.Item name="to_level" label={t("levelRequest.toLevel")} rules={[{ required: true }]}>
            <Select options={choices.map((l) => ({ value: l, label: name(l) }))} data-testid="level-request-to" />
          </Form.Item>
          <Form.Item
            name="reason"
            label={t("levelRequest.reason")}
            extra={t("levelRequest.reasonHint")}
            rules={[{ required: true, whitespace: true, max: 1000 }]}
          >
            <Input.TextArea rows={3} maxLength={1000} data-testid="level-request-reason" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
