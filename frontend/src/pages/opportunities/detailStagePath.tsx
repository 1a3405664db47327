import { CheckOutlined, CloseOutlined } from "@ant-design/icons";
import { App, Button, Card, Divider, Space, Steps, Tag, Tooltip, Typography } from "antd";
import { useState } from "react";
import { localLabel, useLang, useT } from "../../i18n/context";
import { CriteriaChecklist, type CriterionTarget } from "./detailCriteria";
import { currentStage, endStage, fmtRate, openStages, type Opportunity, type StagePath } from "./detailHelpers";
import { StageMoveDialog } from "./StageMoveDialog";

/**
 * The sales path: the line's open stages with their win rates, the current one highlighted; a
 * click on another stage moves there (forward checks the exit criteria, back does not; a 422
 * lists what is missing), and the won / lost buttons close the deal. Under it, the current
 * stage's criteria checklist.
 */
export function StagePathCard({ opp, onGo }: { opp: Opportunity; onGo?: (target: CriterionTarget) => void }) {
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const [target, setTarget] = useState<StagePath | null>(null);
  const steps = openStages(opp.path);
  const current = currentStage(opp.path);
  const won = endStage(opp.path, "won");
  const lost = endStage(opp.path, "lost");
  const canMove = opp.permissions.move;
  const currentIndex = steps.findIndex((s) => s.is_current);
  const closed = opp.status !== "open";

  const pick = (s: StagePath | undefined) => {
    if (!s || s.is_current || !canMove) return;
    setTarget(s);
  };

  return (
    <Card size="small" data-testid="stage-path" data-current={current?.code ?? ""}>
      <div style={{ display: "flex", gap: 16, alignItems: "center", flexWrap: "wrap" }}>
        <div style={{ flex: 1, minWidth: 320 }}>
          <Steps
            type="navigation"
            size="small"
            current={currentIndex >= 0 ? currentIndex : steps.length}
            onChange={canMove ? (i) => pick(steps[i]) : undefined}
            items={steps.map((s) => ({
              status: s.is_current ? "process" : s.reached ? "finish" : "wait",
              title: (
                <Tooltip title={canMove && !s.is_current ? t("opportunityDetail.path.clickToMove") : undefined}>
                  <span
                    data-testid={`stage-step-${s.code}`}
                    data-current={s.is_current ? "true" : "false"}
                    data-reached={s.reached ? "true" : "false"}
                    style={{ fontWeight: s.is_current ? 600 : undefined }}
                  >
                    {localLabel(s.name, lang)}
                  </span>
                </Tooltip>
              ),
              description: <span data-testid={`stage-rate-${s.code}`}>{fmtRate(s.win_rate)}</span>,
            }))}
          />
        </div>
        <Space>
          {closed && (
            <Tag color={opp.status === "won" ? "success" : "error"} data-testid="stage-closed" style={{ fontSize: 14, padding: "2px 10px" }}>
              {localLabel(current?.name ?? "", lang) || t(`opportunityDetail.status.${opp.status}`)}
            </Tag>
          )}
          {canMove && won && !won.is_current && (
            <Button type="primary" icon={<CheckOutlined />} onClick={() => pick(won)} data-testid={`stage-step-${won.code}`} style={{ background: "#52c41a" }}>
              {t("opportunityDetail.path.won")}
            </Button>
          )}
          {canMove && lost && !lost.is_current && (
            <Button danger icon={<CloseOutlined />} onClick={() => pick(lost)} data-testid={`stage-step-${lost.code}`}>
              {t("opportunityDetail.path.lost")}
            </Button>
          )}
        </Space>
      </div>
      {closed && canMove && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t("opportunityDetail.path.reopenHint")}
        </Typography.Text>
      )}
      {current && current.kind === "open" && (
        <>
          <Divider style={{ margin: "12px 0" }} />
          <CriteriaChecklist opportunityId={opp.id} stage={current} canTick={opp.permissions.update} onGo={onGo} />
        </>
      )}
      <StageMoveDialog
        open={Boolean(target)}
        opportunity={opp}
        target={target}
        stages={opp.path}
        showOpenLink={false}
        onClose={() => setTarget(null)}
        onMoved={(o) => message.success(t("opportunityDetail.move.done", { stage: localLabel(o.stage.name, lang) }))}
      />
    </Card>
  );
}
