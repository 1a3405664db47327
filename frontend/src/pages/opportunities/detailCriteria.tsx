import { CheckCircleFilled, CloseCircleFilled } from "@ant-design/icons";
import { Button, Checkbox, Progress, Space, Tag, Tooltip, Typography } from "antd";
import { useAuth } from "../../auth/context";
import { fmtDateTime } from "../../components/format";
import { useApiError } from "../../components/useApiError";
import { localLabel, translateDynamic, useLang, useT, type Translate } from "../../i18n/context";
import type { Lang } from "../../i18n/messages";
import { stageCriteria, type Criterion, type StagePath } from "./detailHelpers";
import { useTickChecklist } from "./detailQueries";

/** Where the page can take the user to meet a criterion (a tab, or the edit drawer). */
export type CriterionTarget = "edit" | "decision-chain" | "documents";

function criterionLabel(t: Translate, lang: Lang, kind: string, item: string, message?: string): string {
  switch (kind) {
    case "required_field":
      return t("opportunityDetail.criteria.requiredField", { field: translateDynamic(t, "opportunityDetail.field", item) });
    case "key_role":
      return t("opportunityDetail.criteria.keyRole", { role: translateDynamic(t, "opportunityDetail.role", item) });
    case "document":
      return t("opportunityDetail.criteria.document", { kind: translateDynamic(t, "opportunityDetail.docKind", item) });
    case "checklist":
      return t("opportunityDetail.criteria.checklist", { item: localLabel(item, lang) });
    case "min_contacts":
      return t("opportunityDetail.criteria.minContacts", { n: item });
    default:
      return message || item;
  }
}

const TARGET: Record<string, CriterionTarget> = {
  required_field: "edit",
  key_role: "decision-chain",
  min_contacts: "decision-chain",
  document: "documents",
};

/**
 * The exit criteria of the current stage, each ✓ or ✗ (the server's `unmet`), so the rep sees
 * what blocks the next move; checklist items are ticked here (POST …/checklist).
 */
export function CriteriaChecklist({
  opportunityId,
  stage,
  canTick,
  onGo,
}: {
  opportunityId: string;
  stage: StagePath;
  canTick: boolean;
  onGo?: (target: CriterionTarget) => void;
}) {
  const t = useT();
  const { lang } = useLang();
  const { me } = useAuth();
  const report = useApiError();
  const tick = useTickChecklist(opportunityId);
  const items = stageCriteria(stage);
  const met = items.filter((i) => i.met).length;
  const pendingItem = tick.isPending ? tick.variables?.item : undefined;

  const who = (c: Criterion) => {
    if (!c.at) return "";
    const by = c.by && c.by === me?.user.id ? t("opportunityDetail.criteria.byMe") : "";
    return [by, fmtDateTime(c.at)].filter(Boolean).join(" · ");
  };

  return (
    <div data-testid="criteria-checklist" data-stage={stage.code}>
      <Space style={{ width: "100%", justifyContent: "space-between" }} wrap>
        <Typography.Text strong>{t("opportunityDetail.criteria.title", { stage: localLabel(stage.name, lang) })}</Typography.Text>
        {items.length > 0 && (
          <Space>
            <Progress
              type="circle"
              size={28}
              percent={Math.round((met / items.length) * 100)}
              status={met === items.length ? "success" : "normal"}
              format={() => ""}
            />
            <Typography.Text type={met === items.length ? "success" : "warning"} data-testid="criteria-summary">
              {met === items.length ? t("opportunityDetail.criteria.allMet") : t("opportunityDetail.criteria.progress", { met, total: items.length })}
            </Typography.Text>
          </Space>
        )}
      </Space>
      {items.length === 0 ? (
        <Typography.Paragraph type="secondary" style={{ margin: "8px 0 0" }}>
          {t("opportunityDetail.criteria.none")}
        </Typography.Paragraph>
      ) : (
        <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fill, minmax(280px, 1fr))", gap: 8, marginTop: 8 }}>
          {items.map((c) => {
            const label = criterionLabel(t, lang, c.kind, c.item, c.message);
            const target = TARGET[c.kind];
            return (
              <div
                key={`${c.kind}:${c.item}`}
                data-testid="criteria-item"
                data-met={c.met ? "true" : "false"}
                data-kind={c.kind}
                style={{ display: "flex", alignItems: "center", gap: 8, padding: "4px 8px", borderRadius: 6, background: c.met ? "#f6ffed" : "#fff2f0" }}
              >
                {c.kind === "checklist" ? (
                  <span data-testid="checklist-item" data-done={c.met ? "true" : "false"} style={{ flex: 1 }}>
                    <Checkbox
                      checked={c.met}
                      disabled={!canTick || pendingItem === c.item}
                      onChange={(e) =>
                        tick.mutate({ stage_code: stage.code, item: c.item, done: e.target.checked }, { onError: (err) => report(err) })
                      }
                    >
                      {localLabel(c.item, lang)}
                    </Checkbox>
                    {c.met && c.at && (
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {who(c)}
                      </Typography.Text>
                    )}
                  </span>
                ) : (
                  <>
                    {c.met ? <CheckCircleFilled style={{ color: "#52c41a" }} /> : <CloseCircleFilled style={{ color: "#ff4d4f" }} />}
                    <Tooltip title={c.met ? undefined : c.message}>
                      <span style={{ flex: 1 }}>{label}</span>
                    </Tooltip>
                    {!c.met && target && onGo && (
                      <Button type="link" size="small" onClick={() => onGo(target)} data-testid="criteria-go">
                        {t(`opportunityDetail.criteria.go.${target}`)}
                      </Button>
                    )}
                  </>
                )}
              </div>
            );
          })}
        </div>
      )}
      {items.some((i) => !i.met) && (
        <Tag color="warning" style={{ marginTop: 8 }}>
          {t("opportunityDetail.criteria.blocksNext")}
        </Tag>
      )}
    </div>
  );
}
