import { ImportOutlined, PlusOutlined, SendOutlined } from "@ant-design/icons";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Checkbox, Col, Form, Input, Modal, Row, Segmented, Select, Space, Table, Tag, Typography, type TableColumnsType } from "antd";
import { useMemo, useState, type HTMLAttributes } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, cleanQuery, unwrap } from "../../api/client";
import { fetchChannels, fetchSalesReps, keys } from "../../api/queries";
import type { Lead, LeadQuery, LeadSort, LeadStatus } from "../../api/types";
import { useAuth } from "../../auth/context";
import { fmtDateTime } from "../../components/format";
import { useApiError } from "../../components/useApiError";
import { translateDynamic, useT } from "../../i18n/context";
import { LeadCreateDrawer } from "./LeadCreateDrawer";
import { ClaimButton, QueueTag } from "./LeadPoolActions";
import { GRADES, LEAD_STATUSES, gradeColor, statusColor } from "./leadHelpers";
import { leadView, seesUnownedLeads, type LeadView } from "./poolHelpers";

const PAGE_SIZE = 50;
const SORTS: LeadSort[] = ["-created_at", "grade"];

interface FilterValues {
  status?: LeadStatus;
  grade?: string;
  channel_id?: string;
  unassigned?: boolean;
}

export function GradeTag({ grade }: { grade: string }) {
  return (
    <Tag color={gradeColor(grade)} data-testid="lead-grade" style={{ fontWeight: 600 }}>
      {grade}
    </Tag>
  );
}

export function StatusTag({ status }: { status: string }) {
  const t = useT();
  return (
    <Tag color={statusColor(status)} data-testid="lead-status" data-status={status}>
      {translateDynamic(t, "lead.status", status)}
    </Tag>
  );
}

function DispatchModal({ leadIds, onClose }: { leadIds: string[] | null; onClose: (done: boolean) => void }) {
  const t = useT();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [reps, setReps] = useState<string[]>([]);
  const users = useQuery({ queryKey: keys.users({ role: "sales_rep" }), queryFn: fetchSalesReps, enabled: leadIds !== null });
  const dispatch = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/leads/dispatch", { body: { lead_ids: leadIds ?? [], user_ids: reps } })),
    onSuccess: () => {
      message.success(t("lead.dispatched"));
      void qc.invalidateQueries({ queryKey: ["leads"] });
      setReps([]);
      onClose(true);
    },
    onError: (e) => report(e),
  });
  return (
    <Modal
      open={leadIds !== null}
      title={t("lead.dispatchTitle", { count: leadIds?.length ?? 0 })}
      onCancel={() => onClose(false)}
      onOk={() => dispatch.mutate()}
      okButtonProps={{ disabled: reps.length === 0, loading: dispatch.isPending, "data-testid": "lead-dispatch-ok" }}
      destroyOnHidden
    >
      <Typography.Paragraph>{t("lead.dispatchReps")}</Typography.Paragraph>
      <Select
        mode="multiple"
        style={{ width: "100%" }}
        value={reps}
        onChange={setReps}
        loading={users.isLoading}
        optionFilterProp="label"
        data-testid="lead-dispatch-reps"
        options={(users.data ?? []).map((u) => ({ value: u.id, label: `${u.display_name} (${u.username})` }))}
      />
    </Modal>
  );
}

export function LeadListPage() {
  const t = useT();
  const { can, me } = useAuth();
  const [form] = Form.useForm<FilterValues>();
  const [filters, setFilters] = useState<FilterValues>({});
  const [q, setQ] = useState("");
  const [sort, setSort] = useState<LeadSort>("-created_at");
  const [selected, setSelected] = useState<string[]>([]);
  const [dispatching, setDispatching] = useState<string[] | null>(null);
  const [creating, setCreating] = useState(false);
  const canDispatch = can("lead", "dispatch");
  const navigate = useNavigate();
  const [searchParams, setSearchParams] = useSearchParams();
  const view = leadView(searchParams.get("view"));
  const inPool = view === "pool";
  const canClaim = inPool && can("lead", "claim");
  // a rep cannot open a lead of the pool before claiming it (it is not theirs yet)
  const linkPool = seesUnownedLeads(me?.permissions?.lead?.read);

  const channels = useQuery({ queryKey: keys.channels, queryFn: fetchChannels, enabled: can("channel", "read"), staleTime: 60_000 });
  const channelName = useMemo(() => new Map((channels.data ?? []).map((c) => [c.id, c.name])), [channels.data]);

  const query = useMemo(
    () =>
      cleanQuery({
        q: q.trim(),
        status: filters.status,
        grade: filters.grade,
        channel_id: filters.channel_id,
        unassigned: filters.unassigned || undefined,
        // the pool: open leads of the caller's zones waiting to be claimed, best grade first
        ...(inPool ? { pool: true, sort: "grade" } : { sort }),
      } as LeadQuery),
    [filters, q, sort, inPool],
  );

  const list = useInfiniteQuery({
    queryKey: ["leads", "list", query],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET("/api/v1/leads", { params: { query: { ...query, limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);

  const columns: TableColumnsType<Lead> = [
    { key: "grade", title: t("lead.grade"), width: 70, render: (_, r) => <GradeTag grade={r.grade} /> },
    {
      key: "company",
      title: t("lead.company"),
      render: (_, r) =>
        !r.owner && inPool && !linkPool ? (
          <span data-testid="lead-name">{r.company_name}</span>
        ) : (
          <Link to={`/leads/${r.id}`} data-testid="lead-link">
            {r.company_name}
          </Link>
        ),
    },
    { key: "contact", title: t("lead.contact"), render: (_, r) => [r.contact_name, r.mobile].filter(Boolean).join(" · ") },
    { key: "status", title: t("lead.status"), render: (_, r) => <StatusTag status={r.status} /> },
    { key: "channel", title: t("lead.channel"), render: (_, r) => (r.channel_id ? (channelName.get(r.channel_id) ?? "") : "") },
    {
      key: "owner",
      title: t("lead.owner"),
      render: (_, r) => r.owner?.display_name ?? (r.queue ? <QueueTag queue={r.queue} /> : <Typography.Text type="secondary">—</Typography.Text>),
    },
    { key: "score", title: t("lead.score"), render: (_, r) => r.score },
    { key: "created_at", title: t("common.createdAt"), render: (_, r) => fmtDateTime(r.created_at) },
    ...(canClaim ? [{ key: "claim", title: t("common.actions"), render: (_: unknown, r: Lead) => <ClaimButton leadId={r.id} /> }] : []),
  ];

  function switchView(next: LeadView) {
    const params = new URLSearchParams(searchParams);
    if (next === "pool") params.set("view", "pool");
    else params.delete("view");
    setSearchParams(params, { replace: true });
    setSelected([]);
  }

  return (
    <Space direction="vertical" style={{ width: "100%" }} size="middle">
      <Card
        title={
          <Space>
            {t("lead.list")}
            <Segmented<LeadView>
              value={view}
              onChange={switchView}
              data-testid="lead-view-switch"
              options={[
                { value: "mine", label: <span data-testid="lead-mine-tab">{t("lead.view.mine")}</span> },
                { value: "pool", label: <span data-testid="lead-pool-tab">{t("lead.view.pool")}</span> },
              ]}
            />
          </Space>
        }
        extra={
          <Space wrap>
            <Input.Search allowClear placeholder={t("lead.searchPlaceholder")} onSearch={setQ} style={{ width: 260 }} data-testid="lead-search" />
            <Select<LeadSort>
              value={inPool ? "grade" : sort}
              disabled={inPool}
              onChange={setSort}
              style={{ width: 140 }}
              data-testid="lead-sort"
              options={SORTS.map((s) => ({ value: s, label: t(`lead.sort.${s}`) }))}
            />
            {canDispatch && (
              <Button icon={<SendOutlined />} disabled={selected.length === 0} onClick={() => setDispatching(selected)} data-testid="lead-dispatch">
                {t("lead.dispatch")}
                {selected.length ? ` (${selected.length})` : ""}
              </Button>
            )}
            {can("lead", "import") && (
              <Button icon={<ImportOutlined />} onClick={() => navigate("/leads/import")} data-testid="lead-import">
                {t("lead.import")}
              </Button>
            )}
            {can("lead", "create") && (
              <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="lead-create">
                {t("lead.new")}
              </Button>
            )}
          </Space>
        }
      >
        <Form<FilterValues> form={form} layout="vertical" onFinish={setFilters} data-testid="lead-filters">
          <Row gutter={16}>
            <Col xs={24} sm={12} md={5}>
              <Form.Item name="status" label={t("lead.status")}>
                <Select allowClear data-testid="lead-filter-status" options={LEAD_STATUSES.map((s) => ({ value: s, label: t(`lead.status.${s}`) }))} />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} md={4}>
              <Form.Item name="grade" label={t("lead.grade")}>
                <Select allowClear data-testid="lead-filter-grade" options={GRADES.map((g) => ({ value: g, label: g }))} />
              </Form.Item>
            </Col>
            {can("channel", "read") && (
              <Col xs={24} sm={12} md={5}>
                <Form.Item name="channel_id" label={t("lead.channel")}>
                  <Select allowClear options={(channels.data ?? []).map((c) => ({ value: c.id, label: c.name }))} />
                </Form.Item>
              </Col>
            )}
            <Col xs={24} sm={12} md={4} style={{ display: "flex", alignItems: "flex-end" }}>
              <Form.Item name="unassigned" valuePropName="checked">
                <Checkbox data-testid="lead-filter-unassigned">{t("lead.unassigned")}</Checkbox>
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} md={6} style={{ display: "flex", alignItems: "flex-end", paddingBottom: 24 }}>
              <Space>
                <Button type="primary" htmlType="submit" data-testid="lead-filter-apply">
                  {t("common.search")}
                </Button>
                <Button
                  onClick={() => {
                    form.resetFields();
                    setFilters({});
                  }}
                >
                  {t("common.reset")}
                </Button>
              </Space>
            </Col>
          </Row>
        </Form>
      </Card>
      <Card>
        <Table<Lead>
          rowKey="id"
          data-testid="lead-table"
          columns={columns}
          dataSource={rows}
          loading={list.isLoading}
          pagination={false}
          scroll={{ x: "max-content" }}
          rowSelection={canDispatch ? { selectedRowKeys: selected, onChange: (keys) => setSelected(keys as string[]) } : undefined}
          onRow={(r) => ({ "data-testid": `lead-row-${r.id}`, "data-name": r.company_name }) as HTMLAttributes<HTMLElement>}
        />
        <div style={{ textAlign: "center", marginTop: 16 }}>
          {list.isError ? (
            <Typography.Text type="danger">{list.error.message}</Typography.Text>
          ) : list.hasNextPage ? (
            <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage} data-testid="lead-load-more">
              {t("common.loadMore")}
            </Button>
          ) : rows.length > 0 ? (
            <Typography.Text type="secondary">{t("common.noMore")}</Typography.Text>
          ) : null}
        </div>
      </Card>
      <LeadCreateDrawer open={creating} onClose={() => setCreating(false)} />
      <DispatchModal
        leadIds={dispatching}
        onClose={(done) => {
          setDispatching(null);
          if (done) setSelected([]);
        }}
      />
    </Space>
  );
}
