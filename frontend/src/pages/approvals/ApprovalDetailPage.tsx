/** A request's page: what it asks (changes before → after), its steps and who decided them, its history,
 * and the actions the caller may take. */
import { useQuery } from "@tanstack/react-query";
import { Alert, Button, Card, Descriptions, Result, Space, Spin, Steps, Table, Tag, Timeline, Typography } from "antd";
import type { HTMLAttributes, ReactNode } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { isApiError } from "../../api/problem";
import { useNow } from "../../components/chinaTime";
import { fmtDateTime } from "../../components/format";
import { localLabel, translateDynamic, useLang, useT } from "../../i18n/context";
import { NotFoundPage } from "../NotFoundPage";
import { retryUnlessClientError } from "../customers/customerQueries";
import { ApprovalActions } from "./ApprovalActions";
import {
  approvalKeys,
  changeText,
  currentStepIndex,
  dueState,
  isLevelField,
  STATUS_COLOR,
  stepDisplayStatus,
  timelineDetails,
  userNames,
  type ApprovalDetail,
  type ApprovalStep,
  type TimelineEntry,
} from "./approvalHelpers";
import { fetchApproval } from "./approvalQueries";

const STEP_COLOR: Record<ApprovalStep["status"], string> = {
  approved: "success",
  rejected: "error",
  skipped: "default",
  withdrawn: "default",
  pending: "processing",
  not_reached: "default",
};
const ACTION_COLOR: Record<string, string> = {
  approved: "green",
  auto_approved: "green",
  applied: "green",
  rejected: "red",
  withdrawn: "gray",
  skipped: "gray",
  admin_queue: "orange",
  reminded: "orange",
  escalated: "orange",
};

function Empty() {
  return <Typography.Text type="secondary">—</Typography.Text>;
}

function ChangeValue({ field, value }: { field: string; value: unknown }) {
  const t = useT();
  const text = changeText(value);
  if (!text) return <Empty />;
  return <span>{isLevelField(field) ? translateDynamic(t, "customer.level", text) : text}</span>;
}

function Changes({ d }: { d: ApprovalDetail }) {
  const t = useT();
  if (!d.changes.length) return <Typography.Text type="secondary">{t("approval.detail.noChanges")}</Typography.Text>;
  return (
    <Table
      rowKey="field"
      size="small"
      pagination={false}
      dataSource={d.changes}
      data-testid="approval-changes"
      onRow={(c) => ({ "data-testid": "approval-change-row", "data-field": c.field }) as HTMLAttributes<HTMLElement>}
      columns={[
        { key: "field", title: t("approval.detail.field"), render: (_: unknown, c) => translateDynamic(t, "approval.field", c.field) },
        { key: "before", title: t("approval.detail.before"), render: (_: unknown, c) => <ChangeValue field={c.field} value={c.before} /> },
        { key: "arrow", title: "", width: 32, render: () => "→" },
        {
          key: "after",
          title: t("approval.detail.after"),
          render: (_: unknown, c) => (
            <Typography.Text strong>
              <ChangeValue field={c.field} value={c.after} />
            </Typography.Text>
          ),
        },
      ]}
    />
  );
}

function StepBody({ step }: { step: ApprovalStep }) {
  const t = useT();
  const lines: ReactNode[] = [];
  if (step.status === "skipped") {
    const why = step.note === "condition" || step.note === "self" ? t(`approval.step.skipped.${step.note}`) : t("approval.step.skipped");
    lines.push(
      <Typography.Text key="skipped" type="secondary" data-testid="approval-step-skipped">
        {why}
      </Typography.Text>,
    );
  }
  if (step.to_admin_queue) {
    lines.push(<Alert key="queue" type="warning" showIcon message={t("approval.step.adminQueue")} data-testid="approval-step-admin-queue" />);
  }
  if (step.time_limit_hours) {
    lines.push(
      <Typography.Text key="limit" type="secondary" style={{ fontSize: 12 }}>
        {t("approval.step.timeLimit", { n: step.time_limit_hours })}
      </Typography.Text>,
    );
  }
  for (const a of step.approvers) {
    const decision = a.decision ? (
      <Tag color={a.decision === "approve" ? "success" : "error"}>{t(`approval.decision.${a.decision}`)}</Tag>
    ) : step.status === "pending" ? (
      <Tag color="processing">{t("approval.decision.waiting")}</Tag>
    ) : null;
    lines.push(
      <div key={`${a.user.id}-${a.override ? "o" : "a"}`} data-testid="approval-step-approver" data-user={a.user.id} data-decision={a.decision ?? ""}>
        <Space size={4} wrap>
          <span>{a.user.display_name}</span>
          {decision}
          {a.auto && <Tag>{t("approval.auto")}</Tag>}
          {a.override && <Tag color="purple">{t("approval.override")}</Tag>}
          {a.decided_at && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {fmtDateTime(a.decided_at)}
            </Typography.Text>
          )}
        </Space>
        {a.comment && (
          <Typography.Paragraph type="secondary" style={{ margin: "2px 0 0", whiteSpace: "pre-wrap" }} data-testid="approval-step-comment">
            “{a.comment}”
          </Typography.Paragraph>
        )}
      </div>,
    );
  }
  if (!step.approvers.length && (step.status === "pending" || step.status === "not_reached") && !step.to_admin_queue) {
    lines.push(
      <Typography.Text key="none" type="secondary">
        {step.status === "pending" ? t("approval.step.noApprovers") : t("approval.step.notReached")}
      </Typography.Text>,
    );
  }
  return (
    <Space direction="vertical" size={4} style={{ width: "100%", paddingBottom: 8 }}>
      {lines}
    </Space>
  );
}

function StepsView({ d }: { d: ApprovalDetail }) {
  const t = useT();
  return (
    <Steps
      direction="vertical"
      size="small"
      current={currentStepIndex(d)}
      data-testid="approval-steps"
      items={d.steps.map((s) => ({
        status: stepDisplayStatus(s.status),
        title: (
          <Space size={4} wrap data-testid="approval-step" data-index={s.index} data-status={s.status}>
            <span>{s.name}</span>
            <Tag>{t(`approval.mode.${s.mode}`)}</Tag>
            <Tag color={STEP_COLOR[s.status]}>{t(`approval.step.status.${s.status}`)}</Tag>
          </Space>
        ),
        description: <StepBody step={s} />,
      }))}
    />
  );
}

function TimelineView({ d }: { d: ApprovalDetail }) {
  const t = useT();
  const names = userNames(d);
  const item = (e: TimelineEntry) => {
    const x = timelineDetails(e, d.steps, names);
    const extra: string[] = [];
    if (x.step && e.action !== "submitted" && e.action !== "resubmitted") extra.push(t("approval.timeline.step", { name: x.step }));
    if (x.from || x.to) extra.push(t("approval.timeline.delegated", { from: x.from ?? "—", to: x.to ?? "—" }));
    if (x.user) extra.push(t("approval.timeline.added", { name: x.user }));
    if (x.sentBackTo) extra.push(t("approval.timeline.sentBack", { name: x.sentBackTo }));
    if (x.override) extra.push(t("approval.override"));
    if (x.why === "condition" || x.why === "self") extra.push(t(`approval.step.skipped.${x.why}`));
    return (
      <div data-testid="approval-timeline-item" data-action={e.action}>
        <Space size={6} wrap>
          <Typography.Text strong>{translateDynamic(t, "approval.action", e.action)}</Typography.Text>
          <span>{e.actor?.display_name ?? t("approval.timeline.system")}</span>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {fmtDateTime(e.at)}
          </Typography.Text>
          {e.round > 1 && <Tag>{t("approval.detail.round", { n: e.round })}</Tag>}
        </Space>
        {extra.length > 0 && (
          <div>
            <Typography.Text type="secondary">{extra.join(" · ")}</Typography.Text>
          </div>
        )}
        {e.comment && <Typography.Paragraph style={{ margin: 0, whiteSpace: "pre-wrap" }}>“{e.comment}”</Typography.Paragraph>}
      </div>
    );
  };
  return <Timeline data-testid="approval-timeline" items={d.timeline.map((e) => ({ key: e.id, color: ACTION_COLOR[e.action] ?? "blue", children: item(e) }))} />;
}

export function ApprovalDetailPage() {
  const { id = "" } = useParams();
  const t = useT();
  const { lang } = useLang();
  const navigate = useNavigate();
  const now = useNow();
  const q = useQuery({ queryKey: approvalKeys.detail(id), queryFn: () => fetchApproval(id), retry: retryUnlessClientError });

  if (q.isPending) {
    return (
      <div style={{ textAlign: "center", padding: 64 }}>
        <Spin size="large" />
      </div>
    );
  }
  if (q.isError) {
    if (isApiError(q.error) && (q.error.status === 404 || q.error.status === 422)) return <NotFoundPage />;
    if (isApiError(q.error) && q.error.status === 403) return <Result status="403" title={t("common.forbidden")} />;
    return <Result status="error" title={t("common.error")} subTitle={q.error.message} extra={<Button onClick={() => void q.refetch()}>{t("common.reload")}</Button>} />;
  }
  const d = q.data;
  const due = dueState(d, now);
  const kind = translateDynamic(t, "approvalKind", d.kind);
  const kindText = kind === d.kind && d.kind_label ? localLabel(d.kind_label, lang) : kind;
  const open = d.steps.find((s) => s.status === "pending");

  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }} data-testid="approval-detail">
      <Card>
        <div style={{ display: "flex", justifyContent: "space-between", flexWrap: "wrap", gap: 12 }}>
          <Space wrap>
            <Typography.Title level={4} style={{ margin: 0 }} data-testid="approval-title">
              {d.title}
            </Typography.Title>
            <Tag color={STATUS_COLOR[d.status]} data-testid="approval-status">
              {t(`approval.status.${d.status}`)}
            </Tag>
            <Tag data-testid="approval-kind">{kindText}</Tag>
            {due?.state === "overdue" && (
              <Tag color="red" data-testid="approval-overdue">
                {t("approval.overdue")}
              </Tag>
            )}
            {d.admin_queue && d.status === "pending" && <Tag color="warning">{t("approval.adminQueueTag")}</Tag>}
          </Space>
          <Space wrap>
            <Button onClick={() => navigate("/approvals")} data-testid="approval-back">
              {t("approval.back")}
            </Button>
            <ApprovalActions detail={d} />
          </Space>
        </div>
        {d.admin_queue && d.status === "pending" && (
          <Alert type="warning" showIcon style={{ marginTop: 12 }} message={t("approval.adminQueueAlert")} data-testid="approval-admin-queue" />
        )}
        <Descriptions
          size="small"
          style={{ marginTop: 16 }}
          column={{ xs: 1, sm: 1, md: 2, lg: 3 }}
          data-testid="approval-header"
          items={[
            { key: "applicant", label: t("approval.detail.applicant"), children: d.applicant.display_name },
            { key: "submitted", label: t("approval.detail.submitted"), children: fmtDateTime(d.submitted_at) },
            ...(d.decided_at ? [{ key: "decided", label: t("approval.detail.decided"), children: fmtDateTime(d.decided_at) }] : []),
            {
              key: "flow",
              label: t("approval.detail.flow"),
              children: <span data-testid="approval-flow">{t("approval.detail.flowVersion", { name: d.flow.name, n: d.flow.version })}</span>,
            },
            ...(d.customer
              ? [
                  {
                    key: "customer",
                    label: t("approval.detail.customer"),
                    children: (
                      <Link to={`/customers/${d.customer.id}`} data-testid="approval-customer">
                        {d.customer.name}
                      </Link>
                    ),
                  },
                ]
              : []),
            ...(open ? [{ key: "step", label: t("approval.col.step"), children: open.name }] : []),
            ...(due ? [{ key: "due", label: t("approval.col.due"), children: fmtDateTime(due.at) }] : []),
            ...(d.round > 1 ? [{ key: "round", label: t("approval.detail.roundLabel"), children: d.round }] : []),
          ]}
        />
        <Typography.Title level={5} style={{ marginTop: 16 }}>
          {t("approval.reason")}
        </Typography.Title>
        <Typography.Paragraph style={{ whiteSpace: "pre-wrap" }} data-testid="approval-reason">
          {d.reason}
        </Typography.Paragraph>
      </Card>
      <Card title={t("approval.detail.changes")}>
        <Changes d={d} />
      </Card>
      <Card title={t("approval.detail.steps")}>
        <StepsView d={d} />
      </Card>
      <Card title={t("approval.detail.timeline")}>
        <TimelineView d={d} />
      </Card>
    </Space>
  );
}
