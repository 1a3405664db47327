import { useQueryClient } from "@tanstack/react-query";
import { Card, Result, Space, Spin, Tabs } from "antd";
import { useState, type ReactNode } from "react";
import { useParams, useSearchParams } from "react-router";
import { isApiError } from "../../api/problem";
import { useT } from "../../i18n/context";
import type { MessageKey } from "../../i18n/messages";
import { NotFoundPage } from "../NotFoundPage";
import { CompetitorsTab } from "./detailCompetitors";
import type { CriterionTarget } from "./detailCriteria";
import { DecisionChainTab } from "./detailDecisionChain";
import { DocumentsTab } from "./detailDocuments";
import { OpportunityHeader } from "./detailHeader";
import { opportunityKeys, useOpportunity } from "./opportunityQueries";
import { RequirementsTab } from "./detailRequirements";
import { SamplesTab } from "./detailSamples";
import { StagePathCard } from "./detailStagePath";
import { TeamTab } from "./detailTeam";
import { ActivityTab } from "./detailTimeline";

const TABS = ["activity", "team", "decision-chain", "competitors", "requirements", "documents", "samples"] as const;
type TabKey = (typeof TABS)[number];

const TAB_LABEL: Record<TabKey, MessageKey> = {
  activity: "opportunityDetail.tab.activity",
  team: "opportunityDetail.tab.team",
  "decision-chain": "opportunityDetail.tab.decisionChain",
  competitors: "opportunityDetail.tab.competitors",
  requirements: "opportunityDetail.tab.requirements",
  documents: "opportunityDetail.tab.documents",
  samples: "opportunityDetail.tab.samples",
};

/**
 * 商机详情: the header (money, people, special / conflict / won / lost, edit / reassign / mark
 * special), the stage path with the current stage's exit-criteria checklist, and the tabs where
 * the deal is worked: activity, team, decision chain, competitors, requirements, documents,
 * samples. The tab is in the URL (?tab=) so a link can open it.
 */
export function OpportunityDetailPage() {
  const { id = "" } = useParams();
  const t = useT();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [editOpen, setEditOpen] = useState(false);
  const q = useOpportunity(id);
  const tabParam = params.get("tab");
  const tab: TabKey = TABS.includes(tabParam as TabKey) ? (tabParam as TabKey) : "activity";
  const setTab = (key: string) =>
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        next.set("tab", key);
        return next;
      },
      { replace: true },
    );
  const reload = () => void qc.invalidateQueries({ queryKey: opportunityKeys.detail(id), exact: true });

  if (q.isPending) {
    return (
      <div style={{ textAlign: "center", padding: 64 }}>
        <Spin size="large" />
      </div>
    );
  }
  if (q.isError) {
    if (isApiError(q.error) && (q.error.status === 404 || q.error.status === 422)) return <NotFoundPage />;
    return <Result status="error" title={t("common.error")} subTitle={q.error.message} />;
  }
  const opp = q.data;
  const canEdit = opp.permissions.update;
  const onGo = (target: CriterionTarget) => (target === "edit" ? setEditOpen(true) : setTab(target));

  const panes: Record<TabKey, () => ReactNode> = {
    activity: () => <ActivityTab opportunityId={opp.id} canEdit={canEdit} />,
    team: () => <TeamTab opportunityId={opp.id} canEdit={canEdit} />,
    "decision-chain": () => <DecisionChainTab opportunityId={opp.id} customerId={opp.customer.id} customerName={opp.customer.name} canEdit={canEdit} />,
    competitors: () => <CompetitorsTab opportunityId={opp.id} canEdit={canEdit} />,
    requirements: () => <RequirementsTab opportunityId={opp.id} canEdit={canEdit} />,
    documents: () => <DocumentsTab opportunityId={opp.id} canEdit={canEdit} />,
    samples: () => <SamplesTab opportunityId={opp.id} canEdit={canEdit} closed={opp.status !== "open"} />,
  };

  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }} data-testid="opportunity-detail">
      <OpportunityHeader opp={opp} onReload={reload} editOpen={editOpen} setEditOpen={setEditOpen} />
      <StagePathCard opp={opp} onGo={onGo} />
      <Card size="small">
        <Tabs
          activeKey={tab}
          onChange={setTab}
          items={TABS.map((key) => ({
            key,
            label: <span data-testid={`opp-tab-${key}`}>{t(TAB_LABEL[key])}</span>,
            children: key === tab ? panes[key]() : null,
          }))}
        />
      </Card>
    </Space>
  );
}
