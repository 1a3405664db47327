/**
 * Public pool (公海) actions on an owned customer: release it to the pool, lock / unlock it; days
 * until recycle, and what protects it from recycling.
 */
import { LockOutlined, UnlockOutlined } from "@ant-design/icons";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { App, Button, Form, Space, Tag, Tooltip, Typography } from "antd";
import { useState, type ReactNode } from "react";
import { api, unwrap } from "../../api/client";
import { chinaDay } from "../../components/chinaTime";
import { fmtDateTime } from "../../components/format";
import { ReasonDialogButton, type ReasonForm } from "../../components/ReasonDialog";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import { customerKey } from "./customerQueries";
import { isProtected, recycleDue, type Protection, type RecycleSubject } from "./recycleDue";

/**
 * 受保护: a tag per active protection ("受保护：有效合同至 2027-05-01", "受保护：商机推进中"), its
 * note as the tooltip. `active`: the protection keeps the customer from recycling now; otherwise
 * (the recycle rules do not exempt its kind) the tag is grey and says so.
 */
function ProtectionTag({ protection: p, active }: { protection: Protection; active: boolean }) {
  const t = useT();
  const what =
    p.source === "opportunity"
      ? t("recycle.protection.opportunity")
      : p.ends_at
        ? t("recycle.protection.contract", { until: chinaDay(p.ends_at) })
        : t("recycle.protection.contractOpen");
  const tip = [p.note, active ? null : t("recycle.protection.notExempt")].filter(Boolean).join("；");
  const tag = (
    <Tag color={active ? "green" : undefined} style={{ marginInlineEnd: 0 }} data-testid="recycle-protection" data-source={p.source} data-active={active}>
      {active ? t("recycle.protection.active", { what }) : what}
    </Tag>
  );
  return tip ? <Tooltip title={tip}>{tag}</Tooltip> : tag;
}

/**
 * 距回收: days left before the customer goes back to the pool, red within the reminder period
 * (`remindDays`); "受保护" while an effective contract or a late-stage opportunity keeps it from
 * recycling (the detail lists its protections); "—" for a customer not owned, locked, or under
 * no rule. `now` comes from the page (useNow), one clock for all the rows.
 */
export function RecycleCountdown({ customer, remindDays, now }: { customer: RecycleSubject; remindDays: number; now: number }) {
  const t = useT();
  const due = recycleDue(customer, now, remindDays);
  const shielded = isProtected(customer);
  let countdown: ReactNode;
  if (due) {
    const text = due.days < 0 ? t("recycle.overdue") : due.days === 0 ? t("recycle.dueToday") : t("recycle.daysLeft", { n: due.days });
    countdown = (
      <Tooltip title={t("recycle.dueAt", { at: fmtDateTime(due.dueAt) })}>
        <Typography.Text type={due.urgent ? "danger" : undefined} strong={due.urgent} data-testid="recycle-due" data-days={due.days} data-urgent={due.urgent}>
          {text}
        </Typography.Text>
      </Tooltip>
    );
  } else if (shielded) {
    countdown = (
      <Tooltip title={t("recycle.protectedHint")}>
        <Typography.Text type="success" data-testid="recycle-due" data-days="" data-protected="true">
          {t("recycle.protected")}
        </Typography.Text>
      </Tooltip>
    );
  } else {
    countdown = (
      <Typography.Text type="secondary" data-testid="recycle-due" data-days="">
        —
      </Typography.Text>
    );
  }
  // a locked or unowned customer's protections do not matter here
  const protections = customer.owner && !customer.locked_at ? (customer.protections ?? []) : [];
  if (protections.length === 0) return countdown;
  return (
    <Space size={[8, 4]} wrap data-testid="recycle-protections">
      {countdown}
      {protections.map((p) => (
        <ProtectionTag key={`${p.source}:${p.source_id}`} protection={p} active={shielded} />
      ))}
    </Space>
  );
}

/** 释放到公海: gives the customer back to its zone's pool, with a reason. */
export function ReleaseCustomerButton({ customerId, onReleased }: { customerId: string; onReleased: () => void }) {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<ReasonForm>();
  const release = useMutation({
    mutationFn: (v: { reason: string }) =>
      unwrap(api.POST("/api/v1/customers/{customer_id}/release", { params: { path: { customer_id: customerId } }, body: { reason: v.reason.trim() } })),
    onSuccess: () => {
      message.success(t("customer.released"));
      setOpen(false);
      // leave first: the owner may no longer see the customer, its page must not refetch
      onReleased();
      qc.removeQueries({ queryKey: customerKey(customerId) });
      void qc.invalidateQueries({ queryKey: ["customers"] });
      void qc.invalidateQueries({ queryKey: ["pools"] });
    },
    onError: (e) => report(e, { form }),
  });
  return (
    <ReasonDialogButton
      open={open}
      onOpenChange={setOpen}
      form={form}
      onSubmit={(v) => release.mutate(v)}
      pending={release.isPending}
      label={t("customer.release")}
      title={t("customer.releaseTitle")}
      reasonLabel={t("customer.releaseReason")}
      hint={t("customer.releaseHint")}
      cancelLabel={t("common.cancel")}
      testId="customer-release"
    />
  );
}

/** 锁定 / 解锁: a locked customer is exempt from recycling (within the locked-customer cap). */
export function LockCustomerButton({ customerId, locked }: { customerId: string; locked: boolean }) {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const lock = useMutation({
    mutationFn: (next: boolean) =>
      unwrap(api.POST("/api/v1/customers/{customer_id}/lock", { params: { path: { customer_id: customerId } }, body: { locked: next } })),
    onSuccess: (c) => {
      message.success(c.locked_at ? t("customer.lockDone") : t("customer.unlockDone"));
      void qc.invalidateQueries({ queryKey: customerKey(customerId) });
    },
    onError: (e) => report(e),
  });
  return (
    <Button
      icon={locked ? <UnlockOutlined /> : <LockOutlined />}
      loading={lock.isPending}
      onClick={() => lock.mutate(!locked)}
      data-testid="customer-lock"
      data-locked={locked}
      title={t("customer.lockHint")}
    >
      {locked ? t("customer.unlock") : t("customer.lock")}
    </Button>
  );
}
