import { useInfiniteQuery } from "@tanstack/react-query";
import { Button, Card, Col, Empty, Row, Tag, Timeline, Typography } from "antd";
import { api, unwrap } from "../../api/client";
import { useCan } from "../../auth/context";
import { fmtDate, fmtDateTime } from "../../components/format";
import { translateDynamic, useT } from "../../i18n/context";
import { FollowUpForm } from "./FollowUpForm";

const KIND_COLOR: Record<string, string> = { call: "blue", visit: "green", message: "cyan", meeting: "purple", email: "gold" };

export function FollowUpTimeline({ customerId }: { customerId: string }) {
  const t = useT();
  const can = useCan();
  const list = useInfiniteQuery({
    queryKey: ["follow-ups", customerId],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/customers/{customer_id}/follow-ups", {
          params: { path: { customer_id: customerId }, query: { limit: 20, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Row gutter={16}>
      {can("follow_up", "create") && (
        <Col xs={24} xl={9}>
          <Card size="small" title={t("followUp.new")}>
            <FollowUpForm customerId={customerId} />
          </Card>
        </Col>
      )}
      <Col xs={24} xl={can("follow_up", "create") ? 15 : 24}>
        <Card size="small" title={t("followUp.entity")} loading={list.isLoading} data-testid="followup-timeline">
          {items.length === 0 ? (
            <Empty description={t("followUp.empty")} />
          ) : (
            <Timeline
              items={items.map((f) => ({
                key: f.id,
                color: KIND_COLOR[f.kind] ?? "gray",
                children: (
                  <div data-testid="followup-item">
                    <div>
                      <Tag color={KIND_COLOR[f.kind]}>{translateDynamic(t, "followUp.kind", f.kind)}</Tag>
                      <Typography.Text type="secondary">
                        {fmtDateTime(f.happened_at)} · {t("followUp.by", { name: f.author?.display_name ?? "" })}
                      </Typography.Text>
                    </div>
                    <Typography.Paragraph style={{ whiteSpace: "pre-wrap", margin: "4px 0" }}>{f.content}</Typography.Paragraph>
                    {(f.next_step || f.next_follow_up_on) && (
                      <Typography.Text type="secondary">
                        {f.next_step ? `${t("followUp.nextStep")}: ${f.next_step}` : ""}
                        {f.next_follow_up_on ? `  ${t("followUp.nextFollowUpOn")}: ${fmtDate(f.next_follow_up_on)}` : ""}
                      </Typography.Text>
                    )}
                  </div>
                ),
              }))}
            />
          )}
          {list.hasNextPage && (
            <div style={{ textAlign: "center" }}>
              <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
                {t("common.loadMore")}
              </Button>
            </div>
          )}
        </Card>
      </Col>
    </Row>
  );
}
