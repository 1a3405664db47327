import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, Card, Col, Empty, Popconfirm, Row, Space, Tag, Timeline, Typography } from "antd";
import { useMemo, useState } from "react";
import { api, unwrap } from "../../api/client";
import type { FollowUp } from "../../api/types";
import { useAuth } from "../../auth/context";
import { useApiError } from "../../components/useApiError";
import { fmtDate, fmtDateTime } from "../../components/format";
import { translateDynamic, useT } from "../../i18n/context";
import { contactsKey } from "./constants";
import { EditFollowUpModal, FollowUpForm } from "./FollowUpForm";

const KIND_COLOR: Record<string, string> = { call: "blue", visit: "green", message: "cyan", meeting: "purple", email: "gold" };

export function FollowUpTimeline({ customerId }: { customerId: string }) {
  const t = useT();
  const { can, me } = useAuth();
  const report = useApiError();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<FollowUp | null>(null);
  const contacts = useQuery({
    queryKey: contactsKey(customerId),
    queryFn: () => unwrap(api.GET("/api/v1/customers/{customer_id}/contacts", { params: { path: { customer_id: customerId } } })),
    enabled: can("contact", "read"),
  });
  const contactName = useMemo(() => new Map((contacts.data?.items ?? []).map((c) => [c.id, c.name])), [contacts.data]);
  // With only the "own" scope, a follow-up can be changed by its author alone (managers: any in scope).
  const mayChange = (f: FollowUp, action: "update" | "delete") => {
    const scope = me?.permissions?.follow_up?.[action];
    return Boolean(scope) && (scope !== "own" || f.author?.id === me?.user.id);
  };
  const remove = useMutation({
    mutationFn: (f: FollowUp) => unwrap(api.DELETE("/api/v1/follow-ups/{follow_up_id}", { params: { path: { follow_up_id: f.id } } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["follow-ups", customerId] });
      void queryClient.invalidateQueries({ queryKey: ["customers"] });
      void queryClient.invalidateQueries({ queryKey: ["audit", "customer", customerId] });
    },
    onError: (e) => report(e),
  });
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
    <Row gutter={[16, 16]}>
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
                    <div style={{ display: "flex", justifyContent: "space-between", gap: 8, flexWrap: "wrap" }}>
                      <span>
                        <Tag color={KIND_COLOR[f.kind]}>{translateDynamic(t, "followUp.kind", f.kind)}</Tag>
                        <Typography.Text type="secondary">
                          {fmtDateTime(f.happened_at)} · {t("followUp.by", { name: f.author?.display_name ?? "" })}
                          {f.contact_id && contactName.get(f.contact_id) ? ` · ${t("followUp.with", { name: contactName.get(f.contact_id) ?? "" })}` : ""}
                        </Typography.Text>
                      </span>
                      <Space size={0}>
                        {mayChange(f, "update") && (
                          <Button type="link" size="small" onClick={() => setEditing(f)} data-testid="followup-edit">
                            {t("common.edit")}
                          </Button>
                        )}
                        {mayChange(f, "delete") && (
                          <Popconfirm title={t("common.confirmDelete")} onConfirm={() => remove.mutate(f)}>
                            <Button type="link" size="small" danger data-testid="followup-delete">
                              {t("common.delete")}
                            </Button>
                          </Popconfirm>
                        )}
                      </Space>
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
      <EditFollowUpModal followUp={editing} onClose={() => setEditing(null)} />
    </Row>
  );
}
