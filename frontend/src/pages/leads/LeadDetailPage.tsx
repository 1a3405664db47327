import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Form,
  Input,
  Modal,
  Progress,
  Result,
  Row,
  Select,
  Space,
  Spin,
  Timeline,
  Typography,
} from "antd";
import { useMemo, useState, type ReactNode } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api, ifMatch } from "../../api/client";
import { ApiError, isApiError } from "../../api/problem";
import { fetchChannels, fetchSalesReps, keys } from "../../api/queries";
import type { LeadActionKind, LeadDetail, LeadStatus } from "../../api/types";
import { useCan } from "../../auth/context";
import { fmtDateTime } from "../../components/format";
import { UserSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { translateDynamic, useT } from "../../i18n/context";
import type { MessageKey } from "../../i18n/messages";
import { NotFoundPage } from "../NotFoundPage";
import { retryUnlessClientError } from "../customers/customerQueries";
import { ACTION_KINDS, LEAD_STATUSES, parseBreakdown } from "./leadHelpers";
import { LeadConvertDialog } from "./LeadConvertDialog";
import { GradeTag, StatusTag } from "./LeadListPage";
import { ClaimButton, QueueTag, ReleaseButton } from "./LeadPoolActions";
import { canRelease, isOpenLead } from "./poolHelpers";
import { RoutingTraceView } from "./RoutingTraceView";

interface LeadWithEtag {
  lead: LeadDetail;
  etag: string | null;
}

const leadKey = (id: string) => ["leads", "detail", id] as const;

async function fetchLead(id: string): Promise<LeadWithEtag> {
  const { data, error, response } = await api.GET("/api/v1/leads/{lead_id}", { params: { path: { lead_id: id } } });
  if (!response.ok || !data) throw ApiError.from(response, error);
  return { lead: data, etag: response.headers.get("ETag") };
}

async function must<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await p;
  if (!response.ok || data === undefined) throw ApiError.from(response, error);
  return data;
}

function ScoreCard({ lead }: { lead: LeadDetail }) {
  const t = useT();
  const b = parseBreakdown(lead.score_breakdown, lead.score);
  const parts: [MessageKey, number][] = [
    ["lead.part.channel", b.channel],
    ["lead.part.completeness", b.completeness],
    ["lead.part.actions", b.actions],
  ];
  return (
    <Card title={t("lead.scoreBreakdown")} size="small" data-testid="lead-score">
      <Space align="center" style={{ marginBottom: 8 }}>
        <GradeTag grade={lead.grade} />
        <Typography.Text strong>
          {t("lead.part.total")}: {b.total}
        </Typography.Text>
      </Space>
      {parts.map(([label, value]) => (
        <div key={label}>
          <Typography.Text type="secondary">
            {t(label)}: {value}
          </Typography.Text>
          <Progress percent={b.total > 0 ? Math.round((value / b.total) * 100) : 0} showInfo={false} size="small" />
        </div>
      ))}
      {b.explain && (
        <Typography.Paragraph code style={{ marginTop: 8, marginBottom: 0 }} data-testid="lead-score-explain">
          {b.explain}
        </Typography.Paragraph>
      )}
    </Card>
  );
}

function LogActionForm({ leadId, onDone }: { leadId: string; onDone: () => void }) {
  const t = useT();
  const report = useApiError();
  const [form] = Form.useForm<{ kind: LeadActionKind; note?: string }>();
  const log = useMutation({
    mutationFn: (v: { kind: LeadActionKind; note?: string }) =>
      must(api.POST("/api/v1/leads/{lead_id}/actions", { params: { path: { lead_id: leadId } }, body: { kind: v.kind, note: v.note?.trim() || null } })),
    onSuccess: () => {
      form.resetFields();
      onDone();
    },
    onError: (e) => report(e, { form }),
  });
  return (
    <Form form={form} layout="inline" initialValues={{ kind: "call" }} onFinish={(v) => log.mutate(v)} style={{ marginBottom: 16, rowGap: 8 }}>
      <Form.Item name="kind" rules={[{ required: true }]}>
        <Select style={{ width: 120 }} data-testid="lead-action-kind" options={ACTION_KINDS.map((k) => ({ value: k, label: t(`lead.action.${k}`) }))} />
      </Form.Item>
      <Form.Item name="note" style={{ flex: 1, minWidth: 200 }}>
        <Input placeholder={t("lead.actionNote")} data-testid="lead-action-note" />
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={log.isPending} data-testid="lead-action-submit">
        {t("lead.logAction")}
      </Button>
    </Form>
  );
}

export function LeadDetailPage() {
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const t = useT();
  const can = useCan();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const q = useQuery({ queryKey: leadKey(id), queryFn: () => fetchLead(id), retry: retryUnlessClientError });
  const channels = useQuery({ queryKey: keys.channels, queryFn: fetchChannels, enabled: can("channel", "read"), staleTime: 60_000 });
  const channelName = useMemo(() => new Map((channels.data ?? []).map((c) => [c.id, c.name])), [channels.data]);
  const reps = useQuery({ queryKey: keys.users({ role: "sales_rep" }), queryFn: fetchSalesReps, enabled: can("user", "read"), staleTime: 60_000 });
  const repName = useMemo(() => new Map((reps.data ?? []).map((u) => [u.id, u.display_name])), [reps.data]);
  const [statusOpen, setStatusOpen] = useState(false);
  const [transferOpen, setTransferOpen] = useState(false);
  const [statusForm] = Form.useForm<{ status: LeadStatus; reason?: string }>();
  const [transferForm] = Form.useForm<{ user_id: string; reason: string }>();
  const [convertedTo, setConvertedTo] = useState<string | null>(null);
  const [convertOpen, setConvertOpen] = useState(false);

  const refresh = () => {
    void qc.invalidateQueries({ queryKey: ["leads"] });
  };

  const lead = q.data?.lead;
  const etag = q.data?.etag;
  const match = lead ? ifMatch(lead, etag) : "";

  const setStatus = useMutation({
    mutationFn: (v: { status: LeadStatus; reason?: string }) =>
      must(
        api.POST("/api/v1/leads/{lead_id}/status", {
          params: { path: { lead_id: id }, header: { "If-Match": match } },
          body: { status: v.status, reason: v.reason?.trim() || null },
        }),
      ),
    onSuccess: () => {
      message.success(t("common.saved"));
      setStatusOpen(false);
      refresh();
    },
    onError: (e) => report(e, { form: statusForm, onStale: refresh }),
  });
  const transfer = useMutation({
    mutationFn: (v: { user_id: string; reason: string }) =>
      must(api.POST("/api/v1/leads/{lead_id}/transfer", { params: { path: { lead_id: id } }, body: { user_id: v.user_id, reason: v.reason.trim() } })),
    onSuccess: () => {
      message.success(t("common.saved"));
      setTransferOpen(false);
      refresh();
    },
    onError: (e) => report(e, { form: transferForm }),
  });
  if (q.isLoading) return <Spin style={{ display: "block", margin: "80px auto" }} />;
  if (q.isError) {
    if (isApiError(q.error) && q.error.status === 404) return <NotFoundPage />;
    return <Result status="error" title={q.error.message} />;
  }
  if (!lead) return <NotFoundPage />;

  const customerId = lead.customer_id ?? convertedTo;
  const closed = lead.status === "converted";
  const canUpdate = can("lead", "update") && !closed;

  const rows: [MessageKey, ReactNode][] = [
    ["lead.company", lead.company_name],
    ["lead.contact", lead.contact_name],
    ["lead.title", lead.title],
    ["lead.mobile", lead.mobile],
    ["lead.email", lead.email],
    ["lead.uscc", lead.uscc],
    ["lead.channel", lead.channel_id ? (channelName.get(lead.channel_id) ?? "") : ""],
    ["lead.industry", lead.industry],
    ["lead.companySize", lead.company_size],
    ["lead.product", lead.product],
    ["lead.campaign", lead.campaign],
    ["lead.owner", lead.owner?.display_name ?? (lead.queue ? <QueueTag queue={lead.queue} /> : null)],
    ["lead.lastContactedAt", fmtDateTime(lead.last_contacted_at)],
    ["common.createdAt", fmtDateTime(lead.created_at)],
    ["lead.invalidReason", lead.invalid_reason],
    ["lead.notes", lead.notes],
  ];

  return (
    <Space direction="vertical" style={{ width: "100%" }} size="middle">
      <Card
        title={
          <span data-testid="lead-header">
            <Space>
              <Link to="/leads">{t("menu.leads")}</Link>/<span data-testid="lead-title">{lead.company_name}</span>
              <GradeTag grade={lead.grade} />
              <StatusTag status={lead.status} />
            </Space>
          </span>
        }
        extra={
          <Space wrap>
            {!lead.owner && lead.queue === "pool" && isOpenLead(lead.status) && can("lead", "claim") && <ClaimButton leadId={lead.id} />}
            {canRelease(lead, can("lead", "update")) && <ReleaseButton leadId={lead.id} onReleased={() => navigate("/leads?view=pool")} />}
            {canUpdate && (
              <Button onClick={() => setStatusOpen(true)} data-testid="lead-status-change">
                {t("lead.changeStatus")}
              </Button>
            )}
            {canUpdate && (
              <Button onClick={() => setTransferOpen(true)} data-testid="lead-transfer">
                {t("lead.transfer")}
              </Button>
            )}
            {canUpdate && lead.status !== "invalid" && (
              <Button type="primary" onClick={() => setConvertOpen(true)} data-testid="lead-convert">
                {t("lead.convert")}
              </Button>
            )}
          </Space>
        }
      >
        {customerId && (
          <Alert
            type="success"
            showIcon
            style={{ marginBottom: 16 }}
            message={
              <Space>
                {lead.status === "converted" || convertedTo ? t("lead.converted") : t("lead.routing.customer")}
                <Link to={`/customers/${customerId}`} data-testid="lead-customer-link">
                  {t("lead.openCustomer")}
                </Link>
              </Space>
            }
          />
        )}
        {lead.duplicate_of_id && (
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 16 }}
            message={
              <Space>
                {t("lead.duplicateOf")}
                <Link to={`/leads/${lead.duplicate_of_id}`}>{lead.duplicate_of_id}</Link>
              </Space>
            }
          />
        )}
        <Descriptions size="small" column={{ xs: 1, md: 2, xl: 3 }} data-testid="lead-fields">
          {rows.map(([label, value]) => (
            <Descriptions.Item key={label} label={t(label)}>
              {value ?? ""}
            </Descriptions.Item>
          ))}
        </Descriptions>
      </Card>
      <Row gutter={16}>
        <Col xs={24} lg={8}>
          <Space direction="vertical" style={{ width: "100%" }} size="middle">
            <ScoreCard lead={lead} />
            <Card title={t("lead.routing")} size="small">
              <RoutingTraceView trace={lead.routing_trace} userName={(uid) => (lead.owner?.id === uid ? lead.owner.display_name : repName.get(uid))} />
            </Card>
            <Card title={t("lead.duplicates")} size="small" data-testid="lead-duplicates">
              {lead.duplicates.length === 0 ? (
                <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />
              ) : (
                <Space direction="vertical">
                  {lead.duplicates.map((d) => (
                    <Space key={d.id}>
                      <GradeTag grade={d.grade} />
                      <Link to={`/leads/${d.id}`}>{d.company_name}</Link>
                      <StatusTag status={d.status} />
                      <Typography.Text type="secondary">{fmtDateTime(d.created_at)}</Typography.Text>
                    </Space>
                  ))}
                </Space>
              )}
            </Card>
          </Space>
        </Col>
        <Col xs={24} lg={16}>
          <Card title={t("lead.actions")} size="small" data-testid="lead-actions">
            {canUpdate && <LogActionForm leadId={lead.id} onDone={refresh} />}
            {lead.actions.length === 0 ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("lead.actionsEmpty")} />
            ) : (
              <Timeline
                items={lead.actions.map((a) => ({
                  key: a.id,
                  children: (
                    <div data-testid="lead-action-item">
                      <Typography.Text strong>{translateDynamic(t, "lead.action", a.kind)}</Typography.Text>{" "}
                      <Typography.Text type="secondary">
                        {fmtDateTime(a.happened_at)}
                        {a.author ? ` · ${a.author.display_name}` : ""}
                      </Typography.Text>
                      {a.note && <div>{a.note}</div>}
                    </div>
                  ),
                }))}
              />
            )}
          </Card>
        </Col>
      </Row>
      <Modal
        open={statusOpen}
        title={t("lead.changeStatus")}
        onCancel={() => setStatusOpen(false)}
        onOk={() => statusForm.submit()}
        confirmLoading={setStatus.isPending}
        okButtonProps={{ "data-testid": "lead-status-ok" }}
        destroyOnHidden
      >
        <Form form={statusForm} layout="vertical" preserve={false} clearOnDestroy initialValues={{ status: lead.status }} onFinish={(v) => setStatus.mutate(v)}>
          <Form.Item name="status" label={t("lead.status")} rules={[{ required: true }]}>
            <Select
              data-testid="lead-status-select"
              options={LEAD_STATUSES.filter((s) => s !== "converted").map((s) => ({ value: s, label: t(`lead.status.${s}`) }))}
            />
          </Form.Item>
          <Form.Item noStyle shouldUpdate={(a, b) => a.status !== b.status}>
            {({ getFieldValue }) => (
              <Form.Item
                name="reason"
                label={t("lead.reason")}
                rules={[{ required: getFieldValue("status") === "invalid", whitespace: true, max: 200 }]}
              >
                <Input data-testid="lead-status-reason" />
              </Form.Item>
            )}
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={transferOpen}
        title={t("lead.transfer")}
        onCancel={() => setTransferOpen(false)}
        onOk={() => transferForm.submit()}
        confirmLoading={transfer.isPending}
        okButtonProps={{ "data-testid": "lead-transfer-ok" }}
        destroyOnHidden
      >
        <Form form={transferForm} layout="vertical" preserve={false} clearOnDestroy onFinish={(v) => transfer.mutate(v)}>
          <Form.Item name="user_id" label={t("lead.transferTo")} rules={[{ required: true }]}>
            <UserSelect data-testid="lead-transfer-user" />
          </Form.Item>
          <Form.Item name="reason" label={t("lead.reason")} rules={[{ required: true, whitespace: true, max: 500 }]}>
            <Input.TextArea rows={2} data-testid="lead-transfer-reason" />
          </Form.Item>
        </Form>
      </Modal>
      <LeadConvertDialog
        lead={lead}
        match={match}
        open={convertOpen}
        onClose={() => setConvertOpen(false)}
        onStale={refresh}
        onConverted={(out) => {
          message.success(out.opportunity_id ? t("opportunity.convert.created") : t("lead.converted"));
          setConvertedTo(out.customer_id);
          refresh();
          if (out.opportunity_id) navigate(`/opportunities/${out.opportunity_id}`);
        }}
      />
    </Space>
  );
}
