/** 审批中心: the approvals waiting for me, those I submitted, those I decided, all I oversee, and (admins) the
 * admin queue; the daily board strip; filters in the URL; a request opens its page. */
import { useInfiniteQuery } from "@tanstack/react-query";
import { Badge, Button, Card, Checkbox, Col, DatePicker, Input, Row, Select, Space, Statistic, Table, Tabs, Tag, Tooltip, Typography } from "antd";
import dayjs from "dayjs";
import { useMemo, type HTMLAttributes } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useCan } from "../../auth/context";
import { useNow } from "../../components/chinaTime";
import { fmtDateTime } from "../../components/format";
import { localLabel, translateDynamic, useLang, useT } from "../../i18n/context";
import type { MessageKey } from "../../i18n/messages";
import {
  APPROVAL_KINDS,
  approvalKeys,
  BOXES,
  dueState,
  EMPTY_INBOX,
  inboxSearch,
  parseInbox,
  showsStatusFilter,
  STATUS_COLOR,
  STATUS_FILTERS,
  tabCount,
  type ApprovalItem,
  type Box,
  type InboxFilters,
} from "./approvalHelpers";
import { fetchInbox, useApprovalCounts } from "./approvalQueries";

const DAY_FMT = "YYYY-MM-DD";
const TASK_COLOR: Record<string, string> = { approved: "success", rejected: "error", closed: "default", pending: "processing" };

function BoardItem({ title, value, testId, danger, onClick }: { title: string; value: number | undefined; testId: string; danger?: boolean; onClick: () => void }) {
  return (
    <Col xs={12} sm={12} md={6} flex="1">
      <Card size="small" hoverable onClick={onClick} data-testid={testId} data-value={value ?? ""}>
        <Statistic title={title} value={value ?? "—"} valueStyle={danger && value ? { color: "#cf1322" } : undefined} />
      </Card>
    </Col>
  );
}

export function ApprovalInboxPage() {
  const t = useT();
  const { lang } = useLang();
  const can = useCan();
  const canManage = can("approval", "manage");
  const navigate = useNavigate();
  const now = useNow();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => parseInbox(params, canManage), [params, canManage]);
  const counts = useApprovalCounts();
  const list = useInfiniteQuery({
    queryKey: approvalKeys.list(filters),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => fetchInbox(filters, pageParam),
    getNextPageParam: (last) => last.next_cursor ?? null,
    staleTime: 0,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const c = counts.data;

  const update = (patch: Partial<InboxFilters>) => setParams(inboxSearch({ ...filters, ...patch }));
  const kindLabel = (r: Pick<ApprovalItem, "kind" | "kind_label">) => {
    const label = translateDynamic(t, "approvalKind", r.kind);
    return label === r.kind && r.kind_label ? localLabel(r.kind_label, lang) : label;
  };
  const boxes = BOXES.filter((b) => b !== "admin_queue" || canManage);

  const tabLabel = (box: Box) => {
    const n = tabCount(box, c);
    return (
      <span data-testid={`approvals-tab-${box}`}>
        {t(`approval.box.${box}` as MessageKey)}
        {n > 0 && (
          <span data-testid={`approvals-count-${box}`} data-count={n} style={{ marginInlineStart: 6 }}>
            <Badge count={n} overflowCount={99} size="small" color={box === "pending" || box === "admin_queue" ? "red" : "blue"} />
          </span>
        )}
        {box === "pending" && c && c.overdue > 0 && (
          <Tag color="red" style={{ marginInlineStart: 6, marginInlineEnd: 0 }} data-testid="approvals-tab-overdue">
            {t("approval.overdueCount", { n: c.overdue })}
          </Tag>
        )}
      </span>
    );
  };

  const columns = [
    {
      key: "title",
      title: t("approval.col.title"),
      render: (_: unknown, r: ApprovalItem) => (
        <Space size={4} wrap={false}>
          <Link to={`/approvals/${r.id}`} onClick={(e) => e.stopPropagation()} data-testid="approval-link">
            {r.title}
          </Link>
          {r.round > 1 && <Tag>{t("approval.detail.round", { n: r.round })}</Tag>}
        </Space>
      ),
    },
    { key: "kind", title: t("approval.col.kind"), render: (_: unknown, r: ApprovalItem) => <Tag data-testid="approval-kind">{kindLabel(r)}</Tag> },
    { key: "applicant", title: t("approval.col.applicant"), render: (_: unknown, r: ApprovalItem) => r.applicant.display_name },
    {
      key: "step",
      title: t("approval.col.step"),
      render: (_: unknown, r: ApprovalItem) =>
        r.status === "pending" ? (
          <Space size={4}>
            <span>{r.step_name ?? "—"}</span>
            {r.admin_queue && <Tag color="warning">{t("approval.adminQueueTag")}</Tag>}
          </Space>
        ) : (
          "—"
        ),
    },
    { key: "submitted", title: t("approval.col.submitted"), render: (_: unknown, r: ApprovalItem) => fmtDateTime(r.submitted_at) },
    {
      key: "due",
      title: t("approval.col.due"),
      render: (_: unknown, r: ApprovalItem) => {
        const due = dueState(r, now);
        if (!due) return "—";
        return due.state === "overdue" ? (
          <Tooltip title={fmtDateTime(due.at)}>
            <Tag color="red" data-testid="approval-overdue">
              {t("approval.overdue")}
            </Tag>
          </Tooltip>
        ) : (
          <Typography.Text type="secondary" data-testid="approval-due">
            {t("approval.dueAt", { at: fmtDateTime(due.at) })}
          </Typography.Text>
        );
      },
    },
    {
      key: "status",
      title: t("approval.col.status"),
      render: (_: unknown, r: ApprovalItem) => (
        <Tag color={STATUS_COLOR[r.status]} data-testid="approval-status">
          {t(`approval.status.${r.status}` as MessageKey)}
        </Tag>
      ),
    },
    ...(filters.box === "done"
      ? [
          {
            key: "mine",
            title: t("approval.col.myTask"),
            render: (_: unknown, r: ApprovalItem) =>
              r.my_task ? (
                <Tooltip title={r.my_task.comment || undefined}>
                  <Tag color={TASK_COLOR[r.my_task.status]}>{translateDynamic(t, "approval.myTask", r.my_task.status)}</Tag>
                </Tooltip>
              ) : (
                "—"
              ),
          },
        ]
      : []),
  ];

  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }} data-testid="approvals-page">
      <Row gutter={[12, 12]} data-testid="approvals-board">
        <BoardItem title={t("approval.board.pending")} value={c?.pending} testId="approvals-board-pending" onClick={() => setParams(inboxSearch(EMPTY_INBOX))} />
        <BoardItem
          title={t("approval.board.overdue")}
          value={c?.overdue}
          danger
          testId="approvals-board-overdue"
          onClick={() => setParams(inboxSearch({ ...EMPTY_INBOX, overdue: true }))}
        />
        <BoardItem
          title={t("approval.board.submitted")}
          value={c?.submitted_pending}
          testId="approvals-board-submitted"
          onClick={() => setParams(inboxSearch({ ...EMPTY_INBOX, box: "submitted", status: "pending" }))}
        />
        <BoardItem
          title={t("approval.board.decidedToday")}
          value={c?.decided_today}
          testId="approvals-board-decided-today"
          onClick={() => setParams(inboxSearch({ ...EMPTY_INBOX, box: "done" }))}
        />
        {canManage && (
          <BoardItem
            title={t("approval.board.adminQueue")}
            value={c?.admin_queue}
            danger
            testId="approvals-board-admin-queue"
            onClick={() => setParams(inboxSearch({ ...EMPTY_INBOX, box: "admin_queue" }))}
          />
        )}
      </Row>
      <Card title={t("approval.title")}>
        <Tabs
          activeKey={filters.box}
          onChange={(k) => update({ box: k as Box, status: showsStatusFilter(k as Box) ? filters.status : null })}
          items={boxes.map((b) => ({ key: b, label: tabLabel(b) }))}
        />
        <Space wrap style={{ marginBottom: 12 }}>
          <Select
            allowClear
            style={{ minWidth: 180 }}
            placeholder={t("approval.filter.allKinds")}
            aria-label={t("approval.filter.kind")}
            value={filters.kind ?? undefined}
            onChange={(v?: string) => update({ kind: (v as InboxFilters["kind"]) ?? null })}
            options={APPROVAL_KINDS.map((k) => ({ value: k, label: t(`approvalKind.${k}` as MessageKey) }))}
            data-testid="approvals-kind"
          />
          {showsStatusFilter(filters.box) && (
            <Select
              allowClear
              style={{ minWidth: 140 }}
              placeholder={t("approval.filter.allStatuses")}
              aria-label={t("approval.filter.status")}
              value={filters.status ?? undefined}
              onChange={(v?: string) => update({ status: (v as InboxFilters["status"]) ?? null })}
              options={STATUS_FILTERS.map((s) => ({ value: s, label: t(`approval.status.${s}` as MessageKey) }))}
              data-testid="approvals-status"
            />
          )}
          <Input.Search
            key={filters.q}
            allowClear
            defaultValue={filters.q}
            placeholder={t("approval.filter.search")}
            aria-label={t("approval.filter.search")}
            onSearch={(v) => update({ q: v.trim() })}
            style={{ width: 220 }}
            data-testid="approvals-search"
          />
          <DatePicker.RangePicker
            allowEmpty={[true, true]}
            value={[filters.from ? dayjs(filters.from) : null, filters.to ? dayjs(filters.to) : null]}
            onChange={(dates) => update({ from: dates?.[0]?.format(DAY_FMT) ?? null, to: dates?.[1]?.format(DAY_FMT) ?? null })}
            placeholder={[t("approval.filter.submittedFrom"), t("approval.filter.submittedTo")]}
            aria-label={t("approval.filter.submitted")}
            data-testid="approvals-range"
          />
          <Checkbox checked={filters.overdue} onChange={(e) => update({ overdue: e.target.checked })} data-testid="approvals-overdue">
            {t("approval.filter.overdueOnly")}
          </Checkbox>
          <Button
            onClick={() => setParams(inboxSearch({ ...EMPTY_INBOX, box: filters.box }))}
            disabled={!filters.kind && !filters.status && !filters.q && !filters.from && !filters.to && !filters.overdue}
            data-testid="approvals-reset"
          >
            {t("common.reset")}
          </Button>
        </Space>
        <Table<ApprovalItem>
          rowKey="id"
          size="middle"
          data-testid="approvals-table"
          loading={list.isLoading}
          dataSource={rows}
          pagination={false}
          scroll={{ x: "max-content" }}
          locale={{ emptyText: t("approval.empty") }}
          onRow={(r) =>
            ({
              onClick: () => navigate(`/approvals/${r.id}`),
              style: { cursor: "pointer" },
              "data-testid": "approval-row",
              "data-id": r.id,
            }) as HTMLAttributes<HTMLElement>
          }
          columns={columns}
        />
        {list.hasNextPage && (
          <Button style={{ marginTop: 12 }} loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} data-testid="approvals-more">
            {t("common.loadMore")}
          </Button>
        )}
      </Card>
    </Space>
  );
}
