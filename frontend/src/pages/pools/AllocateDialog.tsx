/** 分配: a manager hands pool customers to chosen reps, N at random or the selected rows. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, InputNumber, Modal, Radio, Select, Space, Typography } from "antd";
import { useMemo, useState } from "react";
import { api, unwrap } from "../../api/client";
import { isApiError } from "../../api/problem";
import { fetchSalesReps, fetchTeams, keys } from "../../api/queries";
import type { AllocateIn, AllocateOut } from "../../api/types";
import { useAuth } from "../../auth/context";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import { allocatableReps, allocationLines, allocationSummary, allocationTotal, teamsOf } from "./poolHelpers";
import { fetchTeamReps, poolKeys } from "./poolQueries";

type Mode = "count" | "selected";

export function AllocateDialog({ poolId, selected, onClose, onAllocated }: { poolId: string; selected: string[]; onClose: () => void; onAllocated: () => void }) {
  const t = useT();
  const { me } = useAuth();
  const report = useApiError();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [userIds, setUserIds] = useState<string[]>([]);
  const [mode, setMode] = useState<Mode>(selected.length ? "selected" : "count");
  const [count, setCount] = useState<number | null>(null);
  const [result, setResult] = useState<AllocateOut | null>(null);
  const [error, setError] = useState<string | null>(null);

  const scope = me?.permissions?.pool?.allocate;
  const teams = useQuery({ queryKey: keys.teams(null), queryFn: () => fetchTeams() });
  // a team manager's reps are those of their teams (asked team by team); others' from all reps
  const teamIds = useMemo(
    () => (me && teams.data && scope === "team" ? [...teamsOf(me.user.id, me.user.team_id, teams.data)].sort() : []),
    [me, teams.data, scope],
  );
  const users = useQuery({
    queryKey: keys.users({ role: "sales_rep", allocate: scope ?? null, teams: teamIds }),
    queryFn: () => (scope === "team" ? fetchTeamReps(teamIds) : fetchSalesReps()),
    enabled: scope !== "team" || teams.isSuccess,
  });
  const reps = useMemo(
    () => (me ? allocatableReps(users.data ?? [], teams.data ?? [], { id: me.user.id, team_id: me.user.team_id, zone_ids: me.user.zone_ids }, scope) : []),
    [users.data, teams.data, me, scope],
  );
  const names = useMemo(() => new Map((users.data ?? []).map((u) => [u.id, u.display_name])), [users.data]);

  const allocate = useMutation({
    mutationFn: () => {
      const body: AllocateIn = mode === "selected" ? { user_ids: userIds, customer_ids: selected } : { user_ids: userIds, count: count ?? 0 };
      return unwrap(api.POST("/api/v1/pools/{pool_id}/allocate", { params: { path: { pool_id: poolId } }, body }));
    },
    onSuccess: (data) => {
      setError(null);
      setResult(data);
      message.success(t("pool.allocated", { total: allocationTotal(allocationLines(data, names)) }));
      void qc.invalidateQueries({ queryKey: poolKeys.all });
      void qc.invalidateQueries({ queryKey: ["customers"] });
      onAllocated();
    },
    onError: (e) => {
      report(e);
      setError(isApiError(e) ? e.problem.detail || e.message : e instanceof Error ? e.message : t("common.error"));
    },
  });

  const ready = userIds.length > 0 && (mode === "selected" ? selected.length > 0 : (count ?? 0) >= 1);
  const lines = result ? allocationLines(result, names) : [];

  return (
    <Modal
      open
      title={t("pool.allocateTitle")}
      onCancel={onClose}
      destroyOnHidden
      footer={
        result ? (
          <Button type="primary" onClick={onClose} data-testid="allocate-close">
            {t("pool.done")}
          </Button>
        ) : (
          <Space>
            <Button onClick={onClose}>{t("common.cancel")}</Button>
            <Button type="primary" disabled={!ready} loading={allocate.isPending} onClick={() => allocate.mutate()} data-testid="allocate-submit">
              {t("pool.allocate")}
            </Button>
          </Space>
        )
      }
    >
      <div data-testid="allocate-dialog">
        {result ? (
          <div data-testid="allocate-result" data-summary={allocationSummary(lines)}>
            <Typography.Paragraph>
              {t("pool.allocateResult", { total: allocationTotal(lines) })}{" "}
              <Typography.Text strong data-testid="allocate-summary">
                {allocationSummary(lines)}
              </Typography.Text>
            </Typography.Paragraph>
            <ul style={{ paddingInlineStart: 20, margin: 0 }}>
              {lines.map((l) => (
                <li key={l.userId} data-testid="allocate-result-item" data-user-id={l.userId} data-count={l.count}>
                  {t("pool.allocateEach", { name: l.name, count: l.count })}
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <Space direction="vertical" style={{ width: "100%" }} size="middle">
            <Typography.Text type="secondary">{t("pool.allocateHint")}</Typography.Text>
            <div>
              <Typography.Paragraph style={{ marginBottom: 4 }}>{t("pool.allocateReps")}</Typography.Paragraph>
              <Select
                mode="multiple"
                style={{ width: "100%" }}
                value={userIds}
                onChange={setUserIds}
                loading={users.isLoading || teams.isLoading}
                optionFilterProp="label"
                notFoundContent={users.isLoading ? undefined : t("pool.noReps")}
                data-testid="allocate-reps"
                options={reps.map((u) => ({ value: u.id, label: `${u.display_name} (${u.username})` }))}
              />
            </div>
            <Radio.Group value={mode} onChange={(e) => setMode(e.target.value as Mode)} data-testid="allocate-mode">
              <Space direction="vertical">
                <Radio value="count" data-testid="allocate-mode-count">
                  <Space>
                    {t("pool.allocateRandom")}
                    <InputNumber
                      min={1}
                      max={5000}
                      precision={0}
                      value={count}
                      onChange={(v) => {
                        setCount(v);
                        setMode("count");
                      }}
                      data-testid="allocate-count"
                    />
                  </Space>
                </Radio>
                <Radio value="selected" disabled={selected.length === 0} data-testid="allocate-mode-selected">
                  {t("pool.allocateSelected", { count: selected.length })}
                </Radio>
              </Space>
            </Radio.Group>
            {error && <Alert type="error" showIcon message={error} data-testid="allocate-error" />}
          </Space>
        )}
      </div>
    </Modal>
  );
}
