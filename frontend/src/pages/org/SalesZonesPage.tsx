import { PlusOutlined } from "@ant-design/icons";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { Button, Card, Form, Input, InputNumber, Modal, Popconfirm, Space, Table } from "antd";
import { useState, type HTMLAttributes } from "react";
import { api, ifMatch, unwrap } from "../../api/client";
import { keys } from "../../api/queries";
import type { SalesZone, SalesZoneIn, SalesZoneUpdate } from "../../api/types";
import { useCan } from "../../auth/context";
import { MultiRegionCascader } from "../../components/RegionCascader";
import { useCityNames, useProvinceNames } from "../../components/regions";
import { UserSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";

interface Values {
  name: string;
  code: string;
  regions?: string[][];
  leader_id?: string | null;
  weekly_quota?: number | null;
}

/** Cities are stored as [province, city] paths; a zone keeps only their codes. */
function cityPaths(z: SalesZone): string[][] {
  return (z.city_codes ?? []).map((c) => [`${c.slice(0, 2)}0000`, c]);
}

function RegionsText({ zone }: { zone: SalesZone }) {
  const provinces = useProvinceNames(zone.province_codes ?? []);
  const cities = useCityNames(zone.city_codes ?? []);
  const all = [...provinces, ...cities];
  const shown = all.slice(0, 6).join("、");
  return <span title={all.join("、")}>{all.length > 6 ? `${shown} …（${all.length}）` : shown}</span>;
}

export function SalesZonesPage() {
  const t = useT();
  const can = useCan();
  const report = useApiError();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [editing, setEditing] = useState<SalesZone | "new" | null>(null);
  const [q, setQ] = useState("");
  const list = useInfiniteQuery({
    queryKey: [...keys.zones, "page", q],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/sales-zones", {
          params: { query: { limit: 50, ...(q ? { q } : {}), ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const invalidate = () => queryClient.invalidateQueries({ queryKey: keys.zones });

  const save = useMutation({
    mutationFn: (v: Values) => {
      const paths = v.regions ?? [];
      const body: SalesZoneIn & SalesZoneUpdate = {
        name: v.name.trim(),
        code: v.code.trim(),
        province_codes: paths.filter((p) => p.length === 1).map((p) => p[0]!),
        city_codes: paths.filter((p) => p.length >= 2).map((p) => p[1]!),
        leader_id: v.leader_id ?? null,
      };
      // the quota is never null: left empty it keeps its value (new zones get the API default)
      if (v.weekly_quota !== null && v.weekly_quota !== undefined) body.weekly_quota = v.weekly_quota;
      if (editing && editing !== "new") {
        return unwrap(
          api.PATCH("/api/v1/sales-zones/{zone_id}", {
            params: { path: { zone_id: editing.id } },
            body,
            headers: { "If-Match": ifMatch(editing) },
          }),
        );
      }
      return unwrap(api.POST("/api/v1/sales-zones", { body }));
    },
    onSuccess: () => {
      void invalidate();
      setEditing(null);
    },
    onError: (e) =>
      report(e, {
        form,
        aliases: { province_codes: ["regions"], city_codes: ["regions"] },
        onStale: () => void invalidate().then(() => setEditing(null)),
      }),
  });
  const remove = useMutation({
    mutationFn: (z: SalesZone) => unwrap(api.DELETE("/api/v1/sales-zones/{zone_id}", { params: { path: { zone_id: z.id } } })),
    onSuccess: () => void invalidate(),
    onError: (e) => report(e),
  });

  const current = editing && editing !== "new" ? editing : null;

  return (
    <Card
      title={t("menu.zones")}
      extra={
        <Space>
          <Input.Search allowClear placeholder={t("zone.searchPlaceholder")} onSearch={(v) => setQ(v.trim())} style={{ width: 220 }} />
          {can("sales_zone", "create") && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing("new")} data-testid="zone-create">
              {t("zone.new")}
            </Button>
          )}
        </Space>
      }
    >
      <Table<SalesZone>
        rowKey="id"
        data-testid="zone-table"
        loading={list.isLoading}
        dataSource={rows}
        pagination={false}
        onRow={(z) => ({ "data-testid": `zone-row-${z.id}`, "data-name": z.name }) as HTMLAttributes<HTMLElement>}
        columns={[
          { key: "name", dataIndex: "name", title: t("common.name") },
          { key: "code", dataIndex: "code", title: t("common.code") },
          { key: "regions", title: t("zone.regions"), render: (_, z) => <RegionsText zone={z} /> },
          { key: "leader", title: t("zone.leader"), render: (_, z) => z.leader?.display_name ?? "" },
          { key: "quota", dataIndex: "weekly_quota", title: t("zone.weeklyQuota") },
          {
            key: "actions",
            title: t("common.actions"),
            render: (_, z) => (
              <Space size="small">
                {can("sales_zone", "update") && (
                  <Button type="link" size="small" onClick={() => setEditing(z)}>
                    {t("common.edit")}
                  </Button>
                )}
                {can("sales_zone", "delete") && (
                  <Popconfirm title={t("common.confirmDelete")} onConfirm={() => remove.mutate(z)}>
                    <Button type="link" size="small" danger>
                      {t("common.delete")}
                    </Button>
                  </Popconfirm>
                )}
              </Space>
            ),
          },
        ]}
      />
      {list.hasNextPage && (
        <div style={{ textAlign: "center", marginTop: 16 }}>
          <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
            {t("common.loadMore")}
          </Button>
        </div>
      )}
      <Modal
        open={editing !== null}
        title={current ? t("zone.edit") : t("zone.new")}
        onCancel={() => setEditing(null)}
        onOk={() => form.submit()}
        confirmLoading={save.isPending}
        okText={t("common.save")}
        cancelText={t("common.cancel")}
        destroyOnHidden
        width={640}
        okButtonProps={{ "data-testid": "zone-save" } as Record<string, string>}
      >
        <Form<Values>
          form={form}
          layout="vertical"
          preserve={false}
          clearOnDestroy
          initialValues={
            current
              ? {
                  name: current.name,
                  code: current.code,
                  regions: [...(current.province_codes ?? []).map((p) => [p]), ...cityPaths(current)],
                  leader_id: current.leader?.id ?? null,
                  weekly_quota: current.weekly_quota ?? null,
                }
              : { weekly_quota: 500 }
          }
          onFinish={(v) => save.mutate(v)}
        >
          <Form.Item name="name" label={t("common.name")} rules={[{ required: true, whitespace: true }]}>
            <Input data-testid="zone-name" />
          </Form.Item>
          <Form.Item name="code" label={t("common.code")} rules={[{ required: true, whitespace: true }]}>
            <Input data-testid="zone-code" />
          </Form.Item>
          <Form.Item name="regions" label={t("zone.regions")}>
            <MultiRegionCascader />
          </Form.Item>
          <Form.Item name="leader_id" label={t("zone.leader")}>
            <UserSelect initial={current?.leader ?? null} data-testid="zone-leader" />
          </Form.Item>
          <Form.Item name="weekly_quota" label={t("zone.weeklyQuota")}>
            <InputNumber min={0} max={1000000} data-testid="zone-quota" />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
