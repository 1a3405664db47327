/**
 * 商机看板: one column per stage of a business line (name, win rate, count, amount, weighted
 * amount from the server), won and lost showing this month's closes. A card moves by drag and
 * drop or by its "move to…" menu: an open stage is posted directly, won/lost open the
 * StageMoveDialog; unmet exit criteria open it listing what is missing.
 */
import { DownOutlined } from "@ant-design/icons";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Checkbox, Dropdown, Empty, Input, Result, Space, Spin, Tag, Tooltip, Typography } from "antd";
import { useMemo, useState, type DragEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { useAuth } from "../../auth/context";
import { fmtDate } from "../../components/format";
import { UserSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { localLabel, translateDynamic, useLang, useT } from "../../i18n/context";
import { LineSelect } from "./OpportunityFields";
import {
  boardFiltersFromSearch,
  boardFiltersToSearch,
  fmtAmount,
  fmtRate,
  isStageCriteriaError,
  needsDialog,
  seesOthers,
  type BoardFilters,
  type BoardStage,
  type Missing,
  type OpportunityItem,
} from "./opportunityHelpers";
import { fetchBoard, opportunityKeys, useBusinessLines, useMoveStage } from "./opportunityQueries";
import { CreateButtons, ViewSwitch } from "./OpportunityToolbar";
import { StageMoveDialog } from "./StageMoveDialog";

const COLUMN_WIDTH = 272;

interface PendingMove {
  card: OpportunityItem;
  target: BoardStage;
  missing?: Missing[];
}

export function OpportunityBadges({ item }: { item: OpportunityItem }) {
  const t = useT();
  return (
    <>
      {item.special_kind && (
        <Tag color="purple" data-testid="card-special">
          {translateDynamic(t, "opportunity.special", item.special_kind)}
        </Tag>
      )}
      {item.approval_status === "pending" && (
        <Tag color="gold" data-testid="card-approval-pending">
          {t("opportunity.badge.approvalPending")}
        </Tag>
      )}
      {item.approval_status === "rejected" && (
        <Tag color="red" data-testid="card-approval-rejected">
          {t("opportunity.badge.approvalRejected")}
        </Tag>
      )}
      {item.conflict && (
        <Tag color="red" data-testid="card-conflict">
          {t("opportunity.badge.conflict")}
        </Tag>
      )}
      {item.queue === "leader" && !item.owner && (
        <Tag color="blue" data-testid="card-queued">
          {t("opportunity.badge.queue")}
        </Tag>
      )}
    </>
  );
}

function OpportunityCard({
  item,
  stages,
  canMove,
  onMove,
  onDragStart,
  onDragEnd,
}: {
  item: OpportunityItem;
  stages: BoardStage[];
  canMove: boolean;
  onMove: (target: BoardStage) => void;
  onDragStart: () => void;
  onDragEnd: () => void;
}) {
  const t = useT();
  const { lang } = useLang();
  const others = stages.filter((s) => s.id !== item.stage.id);
  return (
    <div
      data-testid="opportunity-card"
      data-id={item.id}
      data-stage={item.stage_code}
      draggable={canMove}
      onDragStart={(e: DragEvent<HTMLDivElement>) => {
        e.dataTransfer?.setData("text/plain", item.id);
        if (e.dataTransfer) e.dataTransfer.effectAllowed = "move";
        onDragStart();
      }}
      onDragEnd={onDragEnd}
      style={{
        background: "#fff",
        border: "1px solid #f0f0f0",
        borderRadius: 6,
        padding: "8px 10px",
        marginBottom: 8,
        cursor: canMove ? "grab" : "default",
        boxShadow: "0 1px 2px rgba(0,0,0,0.04)",
      }}
    >
      <div style={{ display: "flex", justifyContent: "space-between", gap: 4 }}>
        <Link to={`/opportunities/${item.id}`} data-testid="opportunity-card-link" style={{ fontWeight: 500 }}>
          {item.name}
        </Link>
        {canMove && others.length > 0 && (
          <Dropdown
            trigger={["click"]}
            menu={{
              items: others.map((s) => ({
                key: s.id,
                label: <span data-testid={`move-to-${s.code}`}>{localLabel(s.name, lang)}</span>,
              })),
              onClick: ({ key }) => {
                const target = others.find((s) => s.id === key);
                if (target) onMove(target);
              },
            }}
          >
            <Button size="small" type="text" data-testid="opportunity-card-move" aria-label={t("opportunity.moveTo")} title={t("opportunity.moveTo")}>
              <DownOutlined />
            </Button>
          </Dropdown>
        )}
      </div>
      <Typography.Text type="secondary" style={{ display: "block" }} data-testid="card-customer">
        {item.customer.name}
      </Typography.Text>
      <div style={{ display: "flex", justifyContent: "space-between", marginTop: 4 }}>
        <Typography.Text strong data-testid="card-amount">
          {fmtAmount(item.amount, item.currency)}
        </Typography.Text>
        <Typography.Text type="secondary" data-testid="card-owner">
          {item.owner?.display_name ?? ""}
        </Typography.Text>
      </div>
      <div style={{ display: "flex", justifyContent: "space-between", marginTop: 2, fontSize: 12 }}>
        <Typography.Text type="secondary" data-testid="card-close-date">
          {item.expected_close_date ? fmtDate(item.expected_close_date) : ""}
        </Typography.Text>
        <Typography.Text type={item.days_in_stage > 30 ? "warning" : "secondary"} data-testid="card-days">
          {t("opportunity.daysInStage", { days: item.days_in_stage })}
        </Typography.Text>
      </div>
      <div style={{ marginTop: 4 }}>
        <OpportunityBadges item={item} />
      </div>
    </div>
  );
}

function Column({
  stage,
  stages,
  lineId,
  canMove,
  dragging,
  onMove,
  setDragging,
}: {
  stage: BoardStage;
  stages: BoardStage[];
  lineId: string;
  canMove: boolean;
  dragging: OpportunityItem | null;
  onMove: (card: OpportunityItem, target: BoardStage) => void;
  setDragging: (card: OpportunityItem | null) => void;
}) {
  const t = useT();
  const { lang } = useLang();
  const [over, setOver] = useState(false);
  const closed = stage.kind !== "open";
  const droppable = dragging !== null && dragging.stage.id !== stage.id;
  return (
    <div
      data-testid={`board-column-${stage.code}`}
      data-kind={stage.kind}
      data-count={stage.count}
      data-amount={stage.amount}
      data-weighted={stage.weighted}
      onDragOver={(e) => {
        if (!droppable) return;
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = "move";
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        if (dragging && dragging.stage.id !== stage.id) onMove(dragging, stage);
        setDragging(null);
      }}
      style={{
        flex: `0 0 ${COLUMN_WIDTH}px`,
        background: over ? "#e6f4ff" : closed ? (stage.kind === "won" ? "#f6ffed" : "#fff1f0") : "#fafafa",
        border: over ? "1px dashed #1677ff" : "1px solid #f0f0f0",
        borderRadius: 8,
        padding: 8,
        display: "flex",
        flexDirection: "column",
        maxHeight: "calc(100vh - 260px)",
        minHeight: 200,
      }}
    >
      <div style={{ marginBottom: 8 }}>
        <Space size={4} wrap>
          <Typography.Text strong data-testid="board-column-name">
            {localLabel(stage.name, lang)}
          </Typography.Text>
          {closed ? (
            <Tooltip title={t("opportunity.thisMonthHelp")}>
              <Tag>{t("opportunity.thisMonth")}</Tag>
            </Tooltip>
          ) : (
            <Tag color="blue" data-testid="board-column-rate">
              {fmtRate(stage.win_rate)}
            </Tag>
          )}
        </Space>
        <div style={{ fontSize: 12, marginTop: 4 }}>
          <Typography.Text type="secondary">
            <span data-testid="board-column-count">{t("opportunity.count", { count: stage.count })}</span>
            {" · "}
            <span data-testid="board-column-amount">{fmtAmount(stage.amount)}</span>
          </Typography.Text>
          {!closed && (
            <div>
              <Typography.Text type="secondary">
                {t("opportunity.weighted")}: <span data-testid="board-column-weighted">{fmtAmount(stage.weighted)}</span>
              </Typography.Text>
            </div>
          )}
        </div>
      </div>
      <div style={{ overflowY: "auto", flex: 1 }}>
        {stage.cards.length === 0 ? (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t("opportunity.emptyColumn")}
          </Typography.Text>
        ) : (
          stage.cards.map((c) => (
            <OpportunityCard
              key={c.id}
              item={c}
              stages={stages}
              canMove={canMove}
              onMove={(target) => onMove(c, target)}
              onDragStart={() => setDragging(c)}
              onDragEnd={() => setDragging(null)}
            />
          ))
        )}
        {stage.count > stage.cards.length && (
          <Link
            to={`/opportunities?business_line_id=${lineId}&stage_id=${stage.id}${closed ? `&status=${stage.kind}` : ""}`}
            data-testid="board-column-more"
            style={{ fontSize: 12 }}
          >
            {t("opportunity.showAll", { count: stage.count })}
          </Link>
        )}
      </div>
    </div>
  );
}

export function OpportunityBoardPage() {
  const t = useT();
  const { lang } = useLang();
  const { me, can } = useAuth();
  const { message } = App.useApp();
  const report = useApiError();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => boardFiltersFromSearch(params), [params]);
  const [search, setSearch] = useState(filters.q ?? "");
  const [dragging, setDragging] = useState<OpportunityItem | null>(null);
  const [pending, setPending] = useState<PendingMove | null>(null);
  const lines = useBusinessLines();
  const board = useQuery({ queryKey: opportunityKeys.board(filters), queryFn: () => fetchBoard(filters) });
  const move = useMoveStage();
  const canMove = can("opportunity", "move");
  const lineId = filters.business_line_id ?? board.data?.business_line.id;

  const setFilters = (next: BoardFilters) => setParams(boardFiltersToSearch(next), { replace: true });

  const stages = useMemo(() => board.data?.stages ?? [], [board.data]);
  const stageInfo = useMemo(() => stages.map((s) => ({ code: s.code, name: s.name, position: s.position })), [stages]);

  function requestMove(card: OpportunityItem, target: BoardStage) {
    if (card.stage.id === target.id) return;
    if (needsDialog(target.kind)) {
      setPending({ card, target });
      return;
    }
    move.mutate(
      { id: card.id, version: card.version, body: { stage_id: target.id } },
      {
        onSuccess: () => message.success(t("opportunity.moved", { name: card.name, stage: localLabel(target.name, lang) })),
        onError: (e) => {
          if (isStageCriteriaError(e)) setPending({ card, target, missing: e.missing });
          else report(e, { onStale: () => void qc.invalidateQueries({ queryKey: opportunityKeys.all }) });
        },
      },
    );
  }

  return (
    <Space direction="vertical" style={{ width: "100%" }} size="middle">
      <Card
        title={
          <Space>
            {t("opportunity.board")}
            <ViewSwitch view="board" lineId={lineId} />
          </Space>
        }
        extra={
          <Space wrap>
            <CreateButtons />
          </Space>
        }
      >
        <Space wrap>
          <LineSelect
            lines={lines.data ?? []}
            value={lineId}
            onChange={(v) => setFilters({ ...filters, business_line_id: v })}
            data-testid="board-line"
            style={{ minWidth: 240 }}
          />
          {seesOthers(me?.permissions) && (
            <UserSelect
              value={filters.owner_id ?? null}
              onChange={(v) => setFilters({ ...filters, owner_id: v ?? undefined })}
              placeholder={t("opportunity.owner")}
              data-testid="board-owner"
            />
          )}
          <Checkbox checked={Boolean(filters.mine)} onChange={(e) => setFilters({ ...filters, mine: e.target.checked })} data-testid="board-mine">
            {t("opportunity.mine")}
          </Checkbox>
          <Input.Search
            allowClear
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            onSearch={(v) => setFilters({ ...filters, q: v.trim() || undefined })}
            placeholder={t("opportunity.searchPlaceholder")}
            style={{ width: 260 }}
            data-testid="board-search"
          />
        </Space>
      </Card>
      {board.isLoading ? (
        <Spin style={{ display: "block", margin: "60px auto" }} />
      ) : board.isError ? (
        <Result status="error" title={board.error.message} />
      ) : stages.length === 0 ? (
        <Empty />
      ) : (
        <div data-testid="opportunity-board" data-line={board.data?.business_line.id} style={{ display: "flex", gap: 12, overflowX: "auto", paddingBottom: 8 }}>
          {stages.map((s) => (
            <Column
              key={s.id}
              stage={s}
              stages={stages}
              lineId={lineId ?? ""}
              canMove={canMove}
              dragging={dragging}
              onMove={requestMove}
              setDragging={setDragging}
            />
          ))}
        </div>
      )}
      <StageMoveDialog
        open={pending !== null}
        opportunity={pending ? { id: pending.card.id, name: pending.card.name, version: pending.card.version, amount: pending.card.amount } : null}
        target={pending ? { id: pending.target.id, code: pending.target.code, name: pending.target.name, kind: pending.target.kind } : null}
        missing={pending?.missing}
        stages={stageInfo}
        onClose={() => setPending(null)}
        onMoved={() => pending && message.success(t("opportunity.moved", { name: pending.card.name, stage: localLabel(pending.target.name, lang) }))}
      />
    </Space>
  );
}
