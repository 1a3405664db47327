import { PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, Card, Form, Input, Modal, Popconfirm, Space, Table } from "antd";
import { useMemo, useState, type HTMLAttributes } from "react";
import { api, ifMatch, unwrap } from "../../api/client";
import { buildTree, fetchTeams, fetchZones, keys, type TreeNode } from "../../api/queries";
import type { Team, TeamIn, TeamUpdate } from "../../api/types";
import { useCan } from "../../auth/context";
import { TeamSelect, UserSelect, ZoneSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";

interface Values {
  name: string;
  zone_id?: string | null;
  parent_id?: string | null;
  manager_id?: string | null;
}

type TeamRow = Team & { children?: TeamRow[] };

function toRows(nodes: TreeNode<Team>[]): TeamRow[] {
  return nodes.map((n) => ({ ...n.item, children: n.children.length ? toRows(n.children) : undefined }));
}

export function TeamsPage() {
  const t = useT();
  const can = useCan();
  const report = useApiError();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [zoneFilter, setZoneFilter] = useState<string | null>(null);
  const [editing, setEditing] = useState<Team | "new" | null>(null);
  const list = useQuery({ queryKey: keys.teams(zoneFilter), queryFn: () => fetchTeams(zoneFilter) });
  const zones = useQuery({ queryKey: keys.zones, queryFn: () => fetchZones(), enabled: can("sales_zone", "read") });
  const zoneName = useMemo(() => new Map((zones.data ?? []).map((z) => [z.id, z.name])), [zones.data]);
  const teamName = useMemo(() => new Map((list.data ?? []).map((tm) => [tm.id, tm.name])), [list.data]);
  const formZone = Form.useWatch("zone_id", form);
  const rows = useMemo(() => toRows(buildTree(list.data ?? [], (tm) => tm.id, (tm) => tm.parent_id)), [list.data]);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: ["teams"] });

  const save = useMutation({
    mutationFn: (v: Values) => {
      if (editing && editing !== "new") {
        const body: TeamUpdate = { name: v.name.trim(), parent_id: v.parent_id ?? null, manager_id: v.manager_id ?? null };
        // the zone can only change for a team without members or sub-teams: send it only when changed
        if (v.zone_id && v.zone_id !== editing.zone_id) body.zone_id = v.zone_id;
        return unwrap(
          api.PATCH("/api/v1/teams/{team_id}", {
            params: { path: { team_id: editing.id } },
            body,
            headers: { "If-Match": ifMatch(editing) },
          }),
        );
      }
      const body: TeamIn = {
        name: v.name.trim(),
        zone_id: v.zone_id ?? "",
        parent_id: v.parent_id ?? null,
        manager_id: v.manager_id ?? null,
      };
      return unwrap(api.POST("/api/v1/teams", { body }));
    },
    onSuccess: () => {
      void invalidate();
      setEditing(null);
    },
    onError: (e) => report(e, { form, onStale: () => void invalidate().then(() => setEditing(null)) }),
  });
  const remove = useMutation({
    mutationFn: (tm: Team) => unwrap(api.DELETE("/api/v1/teams/{team_id}", { params: { path: { team_id: tm.id } } })),
    onSuccess: () => void invalidate(),
    onError: (e) => report(e),
  });
  const current = editing && editing !== "new" ? editing : null;

  return (
    <Card
      title={t("menu.teams")}
      extra={
        <Space>
          {can("sales_zone", "read") && (
            <ZoneSelect value={zoneFilter} onChange={setZoneFilter} placeholder={t("customer.zone")} data-testid="team-zone-filter" />
          )}
          {can("team", "create") && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing("new")} data-testid="team-create">
              {t("team.new")}
            </Button>
          )}
        </Space>
      }
    >
      <Table<TeamRow>
        rowKey="id"
        key={list.dataUpdatedAt}
        data-testid="team-table"
        loading={list.isLoading}
        dataSource={rows}
        pagination={false}
        expandable={{ defaultExpandAllRows: true }}
        onRow={(tm) => ({ "data-testid": `team-row-${tm.id}`, "data-name": tm.name }) as HTMLAttributes<HTMLElement>}
        columns={[
          { key: "name", dataIndex: "name", title: t("common.name") },
          { key: "zone", title: t("customer.zone"), render: (_, tm) => (tm.zone_id ? zoneName.get(tm.zone_id) ?? "" : "") },
          { key: "parent", title: t("team.parent"), render: (_, tm) => (tm.parent_id ? teamName.get(tm.parent_id) ?? "" : "") },
          { key: "manager", title: t("team.manager"), render: (_, tm) => tm.manager?.display_name ?? "" },
          { key: "members", dataIndex: "member_count", title: t("team.memberCount") },
          {
            key: "actions",
            title: t("common.actions"),
            render: (_, tm) => (
              <Space size="small">
                {can("team", "update") && (
                  <Button type="link" size="small" onClick={() => setEditing(tm)} data-testid="team-edit">
                    {t("common.edit")}
                  </Button>
                )}
                {can("team", "delete") && (
                  <Popconfirm title={t("common.confirmDelete")} onConfirm={() => remove.mutate(tm)}>
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
      <Modal
        open={editing !== null}
        title={current ? t("team.edit") : t("team.new")}
        onCancel={() => setEditing(null)}
        onOk={() => form.submit()}
        confirmLoading={save.isPending}
        okText={t("common.save")}
        cancelText={t("common.cancel")}
        destroyOnHidden
        okButtonProps={{ "data-testid": "team-save" } as Record<string, string>}
      >
        <Form<Values>
          form={form}
          layout="vertical"
          preserve={false}
          clearOnDestroy
          initialValues={
            current
              ? { name: current.name, zone_id: current.zone_id ?? null, parent_id: current.parent_id ?? null, manager_id: current.manager?.id ?? null }
              : { zone_id: zoneFilter }
          }
          onFinish={(v) => save.mutate(v)}
        >
          <Form.Item name="name" label={t("common.name")} rules={[{ required: true, whitespace: true }]}>
            <Input data-testid="team-name" />
          </Form.Item>
          <Form.Item name="zone_id" label={t("customer.zone")} rules={[{ required: true }]}>
            <ZoneSelect data-testid="team-zone" />
          </Form.Item>
          <Form.Item name="parent_id" label={t("team.parent")}>
            <TeamSelect zoneId={formZone ?? null} excludeId={current?.id} />
          </Form.Item>
          <Form.Item name="manager_id" label={t("team.manager")}>
            <UserSelect initial={current?.manager ?? null} data-testid="team-manager" />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
