import { useInfiniteQuery } from "@tanstack/react-query";
import { Button, Table, Typography } from "antd";
import { api, unwrap } from "../../api/client";
import type { AuditEntry } from "../../api/types";
import { fmtDateTime } from "../../components/format";
import { translateDynamic, useT } from "../../i18n/context";

function show(v: unknown): string {
  if (v === null || v === undefined || v === "") return "∅";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

export function AuditTab({ entity, entityId }: { entity: string; entityId: string }) {
  const t = useT();
  const list = useInfiniteQuery({
    queryKey: ["audit", entity, entityId],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/audit-log", {
          params: { query: { entity, entity_id: entityId, limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <Table<AuditEntry>
        rowKey="id"
        size="small"
        data-testid="audit-table"
        loading={list.isLoading}
        dataSource={rows}
        pagination={false}
        columns={[
          { key: "at", title: t("audit.at"), render: (_, r) => fmtDateTime(r.at), width: 160 },
          { key: "actor", title: t("audit.actor"), render: (_, r) => r.actor?.display_name ?? t("audit.system"), width: 140 },
          { key: "action", title: t("audit.action"), render: (_, r) => translateDynamic(t, "audit.action", r.action), width: 100 },
          {
            key: "changes",
            title: t("audit.changes"),
            render: (_, r) => (
              <div>
                {Object.entries(r.changes ?? {}).map(([field, change]) => {
                  const [before, after] = Array.isArray(change) ? change : [undefined, change];
                  return (
                    <div key={field}>
                      <Typography.Text code>{field}</Typography.Text> <Typography.Text delete type="secondary">{show(before)}</Typography.Text>
                      {" → "}
                      <Typography.Text>{show(after)}</Typography.Text>
                    </div>
                  );
                })}
              </div>
            ),
          },
        ]}
      />
      {list.hasNextPage && (
        <div style={{ textAlign: "center", marginTop: 12 }}>
          <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
            {t("common.loadMore")}
          </Button>
        </div>
      )}
    </>
  );
}
