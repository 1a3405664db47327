/**
 * The decision chain drawn as an org chart (ECharts `tree`, top-down): each contact coloured by
 * attitude and labelled with name and role; people who report through someone outside the chain
 * hang under a dashed line. Loaded lazily: it carries ECharts.
 */
import { TreeChart } from "echarts/charts";
import { use as registerECharts } from "echarts/core";
import { Empty, Space, Typography } from "antd";
import { useMemo } from "react";
import { EChart } from "../../components/EChart";
import { translateDynamic, useT } from "../../i18n/context";
import { ATTITUDE_COLORS, ATTITUDES, UNKNOWN_COLOR, chainTree, type ChainChart } from "./detailHelpers";

registerECharts([TreeChart]);

export default function DecisionChainChart({ chart, customerName }: { chart: ChainChart; customerName: string }) {
  const t = useT();
  const { option, depth } = useMemo(() => {
    const tree = chainTree(chart, customerName, (n) => {
      const role = n.role ? translateDynamic(t, "opportunityDetail.role", n.role) : t("opportunityDetail.chain.noRole");
      return `${n.name}\n${role}`;
    });
    const depthOf = (node: typeof tree): number => 1 + Math.max(0, ...node.children.map(depthOf));
    const option = {
      tooltip: {
        trigger: "item",
        formatter: (p: { data: { name: string; title?: string | null; attitude?: string | null; influence?: string | null } }) => {
          const d = p.data;
          const parts = [d.name.replace("\n", " · ")];
          if (d.title) parts.push(d.title);
          if (d.attitude) parts.push(`${t("opportunityDetail.chain.attitude")}: ${translateDynamic(t, "opportunityDetail.attitude", d.attitude)}`);
          if (d.influence) parts.push(`${t("opportunityDetail.chain.influence")}: ${translateDynamic(t, "opportunityDetail.influence", d.influence)}`);
          return parts.join("<br/>");
        },
      },
      series: [
        {
          type: "tree",
          data: [tree],
          orient: "TB",
          top: 40,
          bottom: 60,
          left: 20,
          right: 20,
          symbol: "circle",
          symbolSize: 14,
          expandAndCollapse: false,
          initialTreeDepth: -1,
          edgeShape: "polyline",
          label: { position: "top", verticalAlign: "bottom", fontSize: 12, lineHeight: 16 },
          leaves: { label: { position: "bottom", verticalAlign: "top" } },
          lineStyle: { color: "#bfbfbf", width: 1.5 },
          animationDuration: 300,
        },
      ],
    };
    return { option, depth: depthOf(tree) };
  }, [chart, customerName, t]);

  if (chart.nodes.length === 0) return <Empty description={t("opportunityDetail.chain.empty")} />;
  return (
    <div data-testid="chain-chart-wrap" data-nodes={chart.nodes.length}>
      <Space size="middle" wrap style={{ marginBottom: 4 }}>
        {ATTITUDES.map((a) => (
          <Space key={a} size={4}>
            <span style={{ display: "inline-block", width: 10, height: 10, borderRadius: 5, background: ATTITUDE_COLORS[a] }} />
            <Typography.Text type="secondary">{translateDynamic(t, "opportunityDetail.attitude", a)}</Typography.Text>
          </Space>
        ))}
        <Space size={4}>
          <span style={{ display: "inline-block", width: 10, height: 10, borderRadius: 5, background: UNKNOWN_COLOR }} />
          <Typography.Text type="secondary">{t("opportunityDetail.chain.unknownAttitude")}</Typography.Text>
        </Space>
      </Space>
      <EChart option={option} height={Math.max(260, 120 + 110 * Math.min(6, depth))} data-testid="chain-chart" />
    </div>
  );
}
