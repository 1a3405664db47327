/** Lead pool (线索池) pieces shared by the list and the detail page: queue tag, claim, release. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { App, Button, Form, Tag } from "antd";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { ReasonDialogButton, type ReasonForm } from "../../components/ReasonDialog";
import type { LeadQueue } from "../../api/types";
import { useApiError } from "../../components/useApiError";
import { translateDynamic, useT } from "../../i18n/context";

const QUEUE_COLORS: Record<LeadQueue, string> = { pool: "gold", leader: "purple", default: "default" };

/** Where an unowned lead waits: the zone's pool, the leader's queue or the default queue. */
export function QueueTag({ queue }: { queue: LeadQueue | string }) {
  const t = useT();
  return (
    <Tag color={QUEUE_COLORS[queue as LeadQueue] ?? "default"} data-testid="lead-queue" data-queue={queue}>
      {translateDynamic(t, "lead.queue", queue)}
    </Tag>
  );
}

/** 领取: takes a lead from the pool; refusals (limits, taken by someone else) say why. */
export function ClaimButton({ leadId, onClaimed }: { leadId: string; onClaimed?: () => void }) {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const claim = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/leads/{lead_id}/claim", { params: { path: { lead_id: leadId } } })),
    onSuccess: () => {
      message.success(t("lead.claimed"));
      void qc.invalidateQueries({ queryKey: ["leads"] });
      onClaimed?.();
    },
    onError: (e) => {
      report(e);
      // someone else may have taken it: show the pool as it is now
      void qc.invalidateQueries({ queryKey: ["leads", "list"] });
    },
  });
  return (
    <Button size="small" type="primary" ghost loading={claim.isPending} onClick={() => claim.mutate()} data-testid="claim-lead" data-lead-id={leadId}>
      {t("lead.claim")}
    </Button>
  );
}

/** 释放: gives an owned lead back to its zone's pool, with a reason. */
export function ReleaseButton({ leadId, onReleased }: { leadId: string; onReleased?: () => void }) {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<ReasonForm>();
  const release = useMutation({
    mutationFn: (v: { reason: string }) =>
      unwrap(api.POST("/api/v1/leads/{lead_id}/release", { params: { path: { lead_id: leadId } }, body: { reason: v.reason.trim() } })),
    onSuccess: () => {
      message.success(t("lead.released"));
      setOpen(false);
      // first leave the page (a rep no longer sees the lead), then refresh the lists
      onReleased?.();
      void qc.invalidateQueries({ queryKey: ["leads"] });
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
      label={t("lead.release")}
      title={t("lead.releaseTitle")}
      reasonLabel={t("lead.reason")}
      hint={t("lead.releaseHint")}
      cancelLabel={t("common.cancel")}
      testId="lead-release"
    />
  );
}
