/**
 * 销售目标: a month's target per zone, team and rep. Managers set them for their team and its
 * reps, directors for their zones, teams and reps, executives and admins for every zone and team
 * (and anyone they add); all edits are saved together (PUT /sales-targets/batch, all or
 * nothing) and a refusal is shown on its row. Without sales_target:manage the page only shows
 * the targets the user may see (a rep: their own).
 */
import { DeleteOutlined, UserAddOutlined } from "@ant-design/icons";
import { useQuery } from "@tanstack/react-query";
import { Alert, App, Button, Card, DatePicker, Empty, Input, Popconfirm, Result, Select, Space, Table, Tag, Typography, type TableColumnsType } from "antd";
import dayjs from "dayjs";
import { useEffect, useMemo, useState, type HTMLAttributes } from "react";
import { useSearchParams } from "react-router";
import { isApiError } from "../../api/problem";
import { fetchTeams, fetchZones, keys, searchUsers } from "../../api/queries";
import { useAuth } from "../../auth/context";
import { chinaDay, fmtChinaDateTime, useNow } from "../../components/chinaTime";
import { useApiError } from "../../components/useApiError";
import { localLabel, useLang, useT } from "../../i18n/context";
import { fmtAmount, orderedLines } from "../opportunities/opportunityHelpers";
import { useBusinessLines } from "../opportunities/opportunityQueries";
import {
  batchBody,
  batchErrors,
  isEdited,
  isMonth,
  manageReach,
  manageScope,
  targetRows,
  targetsOfLine,
  validTarget,
  type TargetRow,
} from "./pipelineHelpers";
import { useDeleteTarget, useSaveTargets, useTargets, useTargetUsers } from "./pipelineQueries";

const SCOPE_COLORS = { zone: "purple", team: "blue", user: "default" } as const;

export function SalesTargetsPage() {
  const t = useT();
  const { lang } = useLang();
  const [searchParams, setSearchParams] = useSearchParams();
  const thisMonth = chinaDay(useNow()).slice(0, 7);
  const rawMonth = searchParams.get("month");
  const month = isMonth(rawMonth) ? rawMonth : thisMonth;
  const lineId = searchParams.get("business_line_id") || undefined;
  const lines = useBusinessLines();

  const update = (patch: { month?: string; business_line_id?: string | undefined }) => {
    const next = new URLSearchParams(searchParams);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setSearchParams(next, { replace: true });
  };

  return (
    <Card
      title={t("pipeline.targets.title")}
      data-testid="sales-targets-page"
      extra={
        <Space wrap>
          <DatePicker
            picker="month"
            value={dayjs(`${month}-01`)}
            format="YYYY-MM"
            allowClear={false}
            onChange={(d) => d && update({ month: d.format("YYYY-MM") })}
            data-testid="sales-targets-month"
          />
          <Select
            value={lineId ?? ""}
            onChange={(v: string) => update({ business_line_id: v || undefined })}
            style={{ minWidth: 200 }}
            data-testid="sales-targets-line"
            options={[
              { value: "", label: t("pipeline.targets.allLines") },
              ...orderedLines(lines.data ?? []).map((l) => ({ value: l.id, label: localLabel(l.name, lang) })),
            ]}
          />
        </Space>
      }
    >
      {/* a new month or line starts with a clean grid */}
      <TargetGrid key={`${month}|${lineId ?? ""}`} month={month} lineId={lineId} />
    </Card>
  );
}

function TargetGrid({ month, lineId }: { month: string; lineId: string | undefined }) {
  const t = useT();
  const { message } = App.useApp();
  const report = useApiError();
  const { me, can } = useAuth();
  const scope = can("sales_target", "manage") ? manageScope(me?.permissions) : undefined;
  const editable = scope !== undefined;

  const targets = useTargets(month);
  const zones = useQuery({ queryKey: keys.zones, queryFn: () => fetchZones(), enabled: editable && scope !== "team" });
  const teams = useQuery({ queryKey: keys.teams(null), queryFn: () => fetchTeams(), enabled: editable });
  const reach = useMemo(
    () => manageReach(scope, { id: me?.user.id ?? "", team_id: me?.user.team_id, zone_ids: me?.user.zone_ids }, teams.data ?? [], zones.data ?? []),
    [scope, me, teams.data, zones.data],
  );
  const users = useTargetUsers(reach.userTeams, reach.userZones, editable);
  const [added, setAdded] = useState<{ id: string; display_name: string }[]>([]);

  const rows = useMemo(
    () =>
      targetRows({
        zones: zones.data ?? [],
        teams: teams.data ?? [],
        users: users.data ?? [],
        reach,
        extraUsers: added,
        targets: targetsOfLine(targets.data ?? [], lineId),
      }),
    [zones.data, teams.data, users.data, reach, added, targets.data, lineId],
  );

  const [edits, setEdits] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useSaveTargets();
  const remove = useDeleteTarget();
  const edited = rows.filter((r) => isEdited(r, edits[r.key])).length;

  const onSave = () => {
    const { body, keys: sent, invalid } = batchBody(rows, edits, month, lineId);
    if (invalid.length) {
      setErrors(Object.fromEntries(invalid.map((k) => [k, t("pipeline.targets.invalid")])));
      return;
    }
    if (!body.items.length) return;
    setErrors({});
    save.mutate(body, {
      onSuccess: (res) => {
        setEdits({});
        void message.success(t("pipeline.targets.saved", { n: res.items.length }));
      },
      onError: (err) => {
        if (isApiError(err) && err.problem.errors?.length) {
          const { byRow, unmatched } = batchErrors(err.problem, sent);
          setErrors(byRow);
          if (unmatched.length || !Object.keys(byRow).length) report(err);
          else void message.error(t("pipeline.targets.notSaved"));
          return;
        }
        if (isApiError(err) && err.status === 404) {
          // a person, team or zone outside the caller's reach: the problem names the item
          const named = /^items\.(\d+)\./.exec(err.problem.field ?? "");
          const i = named ? Number(named[1]) : body.items.findIndex((item) => err.problem.detail?.includes(item.scope_id));
          if (i >= 0) setErrors({ [sent[i]!]: t("pipeline.targets.outOfScope") });
        }
        report(err);
      },
    });
  };

  const onDelete = (row: TargetRow) => {
    if (!row.target) return;
    remove.mutate(row.target.id, {
      onSuccess: () => {
        setEdits(({ [row.key]: _, ...rest }) => rest);
        void message.success(t("common.deleted"));
      },
      onError: (err) => report(err),
    });
  };

  if (targets.isError) {
    return <Result status="error" title={t("common.error")} subTitle={targets.error.message} data-testid="sales-targets-error" />;
  }

  const columns: TableColumnsType<TargetRow> = [
    {
      key: "scope",
      title: t("pipeline.targets.col.scope"),
      width: 90,
      render: (_, r) => <Tag color={SCOPE_COLORS[r.scope_type]}>{t(`pipeline.targets.scope.${r.scope_type}`)}</Tag>,
    },
    { key: "name", title: t("pipeline.targets.col.name"), render: (_, r) => <span style={{ paddingLeft: r.depth * 16 }}>{r.name}</span> },
    {
      key: "current",
      title: t("pipeline.targets.col.current"),
      align: "right",
      render: (_, r) => (
        <span data-testid="sales-target-current" data-value={r.target?.amount ?? ""}>
          {r.target ? fmtAmount(r.target.amount, r.target.currency) : <Typography.Text type="secondary">{t("pipeline.targets.unset")}</Typography.Text>}
        </span>
      ),
    },
    {
      key: "set_by",
      title: t("pipeline.targets.col.setBy"),
      render: (_, r) =>
        r.target ? (
          <Typography.Text type="secondary">
            {r.target.set_by?.display_name ?? "—"} · {fmtChinaDateTime(r.target.updated_at)}
          </Typography.Text>
        ) : null,
    },
  ];
  if (editable) {
    columns.push(
      {
        key: "amount",
        title: t("pipeline.targets.col.amount"),
        width: 240,
        render: (_, r) => {
          const value = edits[r.key] ?? r.target?.amount ?? "";
          const error = errors[r.key];
          return (
            <div>
              <Input
                value={value}
                inputMode="decimal"
                prefix={r.target?.currency ?? "CNY"}
                placeholder="0.00"
                status={error ? "error" : undefined}
                onChange={(e) => {
                  const v = e.target.value;
                  setEdits((prev) => ({ ...prev, [r.key]: v }));
                  if (errors[r.key]) setErrors(({ [r.key]: _, ...rest }) => rest);
                }}
                onBlur={() => {
                  const v = edits[r.key];
                  if (v !== undefined && v.trim() !== "" && !validTarget(v)) setErrors((prev) => ({ ...prev, [r.key]: t("pipeline.targets.invalid") }));
                }}
                aria-label={`${r.name} ${t("pipeline.targets.col.amount")}`}
                data-testid="sales-target-input"
              />
              {error && (
                <Typography.Text type="danger" data-testid="sales-target-error">
                  {error}
                </Typography.Text>
              )}
            </div>
          );
        },
      },
      {
        key: "actions",
        width: 56,
        render: (_, r) =>
          r.target ? (
            <Popconfirm title={t("pipeline.targets.confirmDelete")} onConfirm={() => onDelete(r)}>
              <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={t("common.delete")} data-testid="sales-target-delete" />
            </Popconfirm>
          ) : null,
      },
    );
  }

  const loading = targets.isPending || (editable && (teams.isPending || (scope !== "team" && zones.isPending) || users.isLoading));

  return (
    <Space direction="vertical" style={{ width: "100%" }} size="middle">
      {!editable && <Alert type="info" showIcon message={t("pipeline.targets.readOnly")} data-testid="sales-targets-readonly" />}
      {editable && (
        <Space wrap>
          <Button type="primary" onClick={onSave} loading={save.isPending} disabled={!edited} data-testid="sales-targets-save">
            {edited ? t("pipeline.targets.saveN", { n: edited }) : t("common.save")}
          </Button>
          <Button
            onClick={() => {
              setEdits({});
              setErrors({});
            }}
            disabled={!edited && !Object.keys(errors).length}
            data-testid="sales-targets-discard"
          >
            {t("pipeline.targets.discard")}
          </Button>
          <PersonPicker
            placeholder={t("pipeline.targets.addPerson")}
            onPick={(u) => setAdded((prev) => (prev.some((p) => p.id === u.id) ? prev : [...prev, u]))}
          />
        </Space>
      )}
      {!loading && !rows.length ? (
        <Empty description={t("pipeline.targets.empty")} data-testid="sales-targets-empty" />
      ) : (
        <Table<TargetRow>
          rowKey="key"
          size="middle"
          columns={columns}
          dataSource={rows}
          loading={loading}
          pagination={false}
          scroll={{ x: "max-content" }}
          data-testid="sales-targets-grid"
          onRow={(r) => ({ "data-testid": "sales-target-row", "data-key": r.key }) as HTMLAttributes<HTMLElement>}
        />
      )}
    </Space>
  );
}

/** Adds a person's row (executives and admins see no reps by default): search by name. */
function PersonPicker({ placeholder, onPick }: { placeholder: string; onPick: (u: { id: string; display_name: string }) => void }) {
  const [q, setQ] = useState("");
  const [dq, setDq] = useState("");
  useEffect(() => {
    const h = setTimeout(() => setDq(q), 300);
    return () => clearTimeout(h);
  }, [q]);
  const { data, isFetching } = useQuery({ queryKey: keys.users({ q: dq, select: true }), queryFn: () => searchUsers(dq) });
  return (
    <Select<string | null>
      showSearch
      filterOption={false}
      onSearch={setQ}
      loading={isFetching}
      value={null}
      placeholder={placeholder}
      suffixIcon={<UserAddOutlined />}
      options={(data ?? []).map((u) => ({ value: u.id, label: `${u.display_name} (${u.username})` }))}
      onChange={(id) => {
        const u = data?.find((x) => x.id === id);
        if (u) onPick({ id: u.id, display_name: u.display_name });
      }}
      style={{ minWidth: 220 }}
      data-testid="sales-targets-add-user"
    />
  );
}
