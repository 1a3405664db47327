/** A request's actions, as the caller may take them: approve (optional comment), reject (comment required),
 * withdraw (applicant), delegate (转交) and add an approver (加签), resubmit after a rejection (applicant).
 * Each returns the request as it is now; a 409 (someone acted meanwhile) shows a message and reloads it. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Form, Input, Modal, Select, Space, Spin, Typography } from "antd";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { isApiError } from "../../api/problem";
import { useAuth } from "../../auth/context";
import { UserSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import type { MessageKey } from "../../i18n/messages";
import { customerKey, fetchCustomer } from "../customers/customerQueries";
import {
  approvalKeys,
  changeText,
  FINANCE_FIELDS,
  financeBefore,
  pendingApprovers,
  requestedFinance,
  resubmitBody,
  type ApprovalDetail,
  type FinanceField,
  type FinanceValues,
} from "./approvalHelpers";

export type ActionKind = "approve" | "reject" | "withdraw" | "delegate" | "add" | "resubmit";

interface ActionForm {
  comment?: string;
  user_id?: string | null;
  from_user_id?: string | null;
  reason?: string;
  to_level?: string;
  finance?: Partial<FinanceValues>;
}

const LEVELS = ["normal", "KA", "SKA"] as const;

const TITLES: Record<ActionKind, MessageKey> = {
  approve: "approval.approveTitle",
  reject: "approval.rejectTitle",
  withdraw: "approval.withdrawTitle",
  delegate: "approval.delegateTitle",
  add: "approval.addApproverTitle",
  resubmit: "approval.resubmitTitle",
};
const OK: Record<ActionKind, MessageKey> = {
  approve: "approval.approve",
  reject: "approval.reject",
  withdraw: "approval.withdraw",
  delegate: "approval.delegate",
  add: "approval.addApprover",
  resubmit: "approval.resubmit",
};
const DONE: Record<ActionKind, MessageKey> = {
  approve: "approval.done.approved",
  reject: "approval.done.rejected",
  withdraw: "approval.done.withdrawn",
  delegate: "approval.done.delegated",
  add: "approval.done.added",
  resubmit: "approval.done.resubmitted",
};

/** The customer's financial information now (a resubmission is measured against it). */
function useCurrentFinance(detail: ApprovalDetail, enabled: boolean) {
  const id = detail.customer_id ?? "";
  const q = useQuery({ queryKey: customerKey(id), queryFn: () => fetchCustomer(id), enabled: enabled && Boolean(id), retry: false });
  const known = q.data?.customer ?? null;
  const current: Partial<Record<FinanceField, string | null>> = known ?? financeBefore(detail.changes);
  const fields: readonly FinanceField[] = known ? FINANCE_FIELDS : FINANCE_FIELDS.filter((f) => detail.changes.some((c) => c.field === f));
  return { loading: enabled && Boolean(id) && q.isLoading, current, fields };
}

function ActionDialog({ action, detail, onClose }: { action: ActionKind | null; detail: ApprovalDetail; onClose: () => void }) {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const { me } = useAuth();
  const qc = useQueryClient();
  const [form] = Form.useForm<ActionForm>();
  const finance = useCurrentFinance(detail, action === "resubmit" && detail.kind === "customer_finance_change");
  const waiting = pendingApprovers(detail);
  const mine = waiting.some((u) => u.id === me?.user.id);

  const run = useMutation({
    mutationFn: ({ kind, v }: { kind: ActionKind; v: ActionForm }): Promise<ApprovalDetail> => {
      const path = { request_id: detail.id };
      const comment = v.comment?.trim() || null;
      const step = detail.current_step ?? null;
      switch (kind) {
        case "approve":
          return unwrap(api.POST("/api/v1/approvals/{request_id}/approve", { params: { path }, body: { comment, step } }));
        case "reject":
          return unwrap(api.POST("/api/v1/approvals/{request_id}/reject", { params: { path }, body: { comment: comment ?? "", step } }));
        case "withdraw":
          return unwrap(api.POST("/api/v1/approvals/{request_id}/withdraw", { params: { path }, body: { comment } }));
        case "delegate":
          return unwrap(
            api.POST("/api/v1/approvals/{request_id}/delegate", {
              params: { path },
              body: { to_user_id: v.user_id!, ...(v.from_user_id ? { from_user_id: v.from_user_id } : {}), comment },
            }),
          );
        case "add":
          return unwrap(api.POST("/api/v1/approvals/{request_id}/approvers", { params: { path }, body: { user_id: v.user_id!, comment } }));
        case "resubmit":
          return unwrap(api.POST("/api/v1/approvals/{request_id}/resubmit", { params: { path }, body: resubmitBody(detail.kind, v, finance.current) }));
      }
    },
    onSuccess: (updated, { kind }) => {
      qc.setQueryData(approvalKeys.detail(detail.id), updated);
      void qc.invalidateQueries({ queryKey: approvalKeys.all });
      if (detail.customer_id) void qc.invalidateQueries({ queryKey: ["customers"] });
      message.success(t(DONE[kind]));
      onClose();
    },
    onError: (e, { kind }) => {
      if (isApiError(e) && e.status === 409 && kind !== "resubmit") {
        // decided, withdrawn or moved on meanwhile: show the request as it is now
        message.warning(t("approval.conflict"));
        void qc.invalidateQueries({ queryKey: approvalKeys.all });
        onClose();
        return;
      }
      report(e, { form });
      if (isApiError(e) && e.status === 409) void qc.invalidateQueries({ queryKey: approvalKeys.all });
    },
  });

  const levelAfter = changeText(detail.changes.find((c) => c.field === "level")?.after);
  const initial: ActionForm =
    action === "resubmit"
      ? {
          reason: detail.reason,
          ...(detail.kind === "customer_level_change" && levelAfter ? { to_level: levelAfter } : {}),
          ...(detail.kind === "customer_finance_change" ? { finance: requestedFinance(finance.current, detail.changes) } : {}),
        }
      : {};
  const userRequired = { required: true, message: t("approval.userRequired") };

  return (
    <Modal
      open={action !== null}
      title={action ? t(TITLES[action]) : undefined}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={run.isPending}
      okText={action ? t(OK[action]) : undefined}
      cancelText={t("common.cancel")}
      okButtonProps={{ danger: action === "reject" || action === "withdraw", disabled: finance.loading, ...({ "data-testid": "approval-action-ok" } as Record<string, string>) }}
      destroyOnHidden
      width={action === "resubmit" ? 640 : 520}
    >
      {action && (finance.loading ? (
        <Spin style={{ display: "block", margin: "24px auto" }} />
      ) : (
        <Form<ActionForm>
          form={form}
          layout="vertical"
          preserve={false}
          clearOnDestroy
          initialValues={initial}
          onFinish={(v) => run.mutate({ kind: action, v })}
          data-testid={`approval-form-${action}`}
        >
          <Typography.Paragraph strong>{detail.title}</Typography.Paragraph>
          {action === "delegate" && detail.can_manage && waiting.length > 0 && (
            <Form.Item
              name="from_user_id"
              label={t("approval.delegateFrom")}
              extra={mine ? t("approval.delegateFromHint") : undefined}
              rules={mine ? [] : [userRequired]}
            >
              <Select
                allowClear
                options={waiting.map((u) => ({ value: u.id, label: u.display_name }))}
                data-testid="approval-from-user"
              />
            </Form.Item>
          )}
          {(action === "delegate" || action === "add") && (
            <Form.Item name="user_id" label={action === "delegate" ? t("approval.delegateTo") : t("approval.addUser")} rules={[userRequired]}>
              <UserSelect data-testid="approval-user" />
            </Form.Item>
          )}
          {action === "resubmit" && detail.kind === "customer_level_change" && (
            <Form.Item name="to_level" label={t("approval.toLevel")} rules={[{ required: true }]}>
              <Select options={LEVELS.map((l) => ({ value: l, label: t(`customer.level.${l}`) }))} data-testid="approval-resubmit-level" />
            </Form.Item>
          )}
          {action === "resubmit" &&
            detail.kind === "customer_finance_change" &&
            finance.fields.map((f) => (
              <Form.Item key={f} name={["finance", f]} label={t(`approval.field.${f}` as MessageKey)}>
                <Input allowClear data-testid={`approval-resubmit-${f}`} />
              </Form.Item>
            ))}
          {action === "resubmit" ? (
            <Form.Item name="reason" label={t("approval.reason")} rules={[{ required: true, whitespace: true, max: 1000 }]}>
              <Input.TextArea rows={3} maxLength={1000} data-testid="approval-resubmit-reason" />
            </Form.Item>
          ) : (
            <Form.Item
              name="comment"
              label={action === "reject" ? t("approval.rejectComment") : t("approval.commentOptional")}
              extra={action === "reject" ? t("approval.rejectCommentHint") : undefined}
              rules={[{ required: action === "reject", whitespace: true, message: t("approval.rejectCommentRequired") }, { max: 1000 }]}
            >
              <Input.TextArea rows={3} maxLength={1000} data-testid="approval-comment" />
            </Form.Item>
          )}
        </Form>
      ))}
    </Modal>
  );
}

/** The action buttons the caller may use on this request, and their dialog. */
export function ApprovalActions({ detail }: { detail: ApprovalDetail }) {
  const t = useT();
  const { me } = useAuth();
  const [action, setAction] = useState<ActionKind | null>(null);
  const pending = detail.status === "pending";
  const waiting = pendingApprovers(detail);
  const approver = waiting.some((u) => u.id === me?.user.id);
  // an approver moves or shares their place; an admin anyone's (delegating needs someone still to decide)
  const add = pending && (approver || detail.can_manage);
  const delegate = pending && (approver || (detail.can_manage && waiting.length > 0));
  const buttons: { kind: ActionKind; show: boolean; primary?: boolean; danger?: boolean }[] = [
    { kind: "approve", show: detail.can_decide, primary: true },
    { kind: "reject", show: detail.can_decide, danger: true },
    { kind: "delegate", show: delegate },
    { kind: "add", show: add },
    { kind: "withdraw", show: detail.can_withdraw, danger: true },
    { kind: "resubmit", show: detail.can_resubmit, primary: true },
  ];
  const shown = buttons.filter((b) => b.show);
  if (!shown.length) return null;
  const testIds: Record<ActionKind, string> = {
    approve: "approval-approve",
    reject: "approval-reject",
    withdraw: "approval-withdraw",
    delegate: "approval-delegate",
    add: "approval-add-approver",
    resubmit: "approval-resubmit",
  };
  return (
    <>
      <Space wrap data-testid="approval-actions">
        {shown.map((b) => (
          <Button key={b.kind} type={b.primary ? "primary" : "default"} danger={b.danger} onClick={() => setAction(b.kind)} data-testid={testIds[b.kind]}>
            {t(OK[b.kind])}
          </Button>
        ))}
      </Space>
      <ActionDialog action={action} detail={detail} onClose={() => setAction(null)} />
    </>
  );
}
