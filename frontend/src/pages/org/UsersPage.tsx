import { PlusOutlined } from "@ant-design/icons";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, Card, Drawer, Form, Input, Modal, Select, Space, Switch, Table, Tag, Timeline, Typography } from "antd";
import { useMemo, useState, type HTMLAttributes } from "react";
import { api, cleanQuery, ifMatch, unwrap } from "../../api/client";
import { fetchDepartments, fetchTeams, keys } from "../../api/queries";
import type { User, UserCreate, UserUpdate } from "../../api/types";
import { useCan } from "../../auth/context";
import { cleanBody, fmtDateTime } from "../../components/format";
import { DepartmentTreeSelect, MultiZoneSelect, RoleSelect, TeamSelect, ZoneSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { translateDynamic, useT } from "../../i18n/context";
import { useMayHandOver } from "../customers/transfer";
import { TransferCustomersDialog } from "../customers/TransferCustomersDialog";

interface UserValues {
  username: string;
  display_name: string;
  password?: string;
  mobile?: string;
  email?: string;
  roles: string[];
  team_id?: string | null;
  department_id?: string | null;
  zone_ids?: string[];
  is_active?: boolean;
  on_leave?: boolean;
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join("\n") === [...b].sort().join("\n");

interface Filters {
  q?: string;
  team_id?: string | null;
  zone_id?: string | null;
  role?: string | null;
  is_active?: "true" | "false" | null;
}

function UserModal({ user, open, onClose }: { user: User | null; open: boolean; onClose: () => void }) {
  const t = useT();
  const mayGrant = useCan()("role", "manage");
  const report = useApiError();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<UserValues>();
  const invalidate = () => queryClient.invalidateQueries({ queryKey: ["users"] });
  const save = useMutation({
    mutationFn: (v: UserValues) => {
      if (user) {
        const body: UserUpdate = cleanBody(
          {
            display_name: v.display_name,
            mobile: v.mobile,
            email: v.email,
            department_id: v.department_id ?? null,
            zone_ids: v.zone_ids ?? [],
            is_active: v.is_active,
            on_leave: v.on_leave,
          },
          "update",
        );
        // granting roles needs role:manage: send them only when they change
        if (!sameSet(v.roles ?? [], user.roles ?? [])) body.roles = v.roles ?? [];
        if (v.password) body.password = v.password;
        return unwrap(
          api.PATCH("/api/v1/users/{user_id}", {
            params: { path: { user_id: user.id } },
            body,
            headers: { "If-Match": ifMatch(user) },
          }),
        );
      }
      const body = cleanBody(
        {
          username: v.username,
          display_name: v.display_name,
          password: v.password ?? "",
          mobile: v.mobile,
          email: v.email,
          roles: v.roles ?? [],
          team_id: v.team_id,
          department_id: v.department_id,
          zone_ids: v.zone_ids,
        },
        "create",
      ) as UserCreate;
      return unwrap(api.POST("/api/v1/users", { body }));
    },
    onSuccess: () => {
      void invalidate();
      void queryClient.invalidateQueries({ queryKey: ["teams"] });
      onClose();
    },
    onError: (e) => report(e, { form, onStale: () => void invalidate().then(onClose) }),
  });

  return (
    <Modal
      open={open}
      title={user ? t("user.edit") : t("user.new")}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={save.isPending}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      destroyOnHidden
      width={600}
      okButtonProps={{ "data-testid": "user-save" } as Record<string, string>}
    >
      <Form<UserValues>
        form={form}
        layout="vertical"
        preserve={false}
        clearOnDestroy
        initialValues={
          user
            ? {
                username: user.username,
                display_name: user.display_name,
                mobile: user.mobile ?? undefined,
                email: user.email ?? undefined,
                roles: user.roles ?? [],
                team_id: user.team_id ?? null,
                department_id: user.department_id ?? null,
                zone_ids: user.zone_ids ?? [],
                is_active: user.is_active,
                on_leave: user.on_leave,
              }
            : { roles: [], zone_ids: [] }
        }
        onFinish={(v) => save.mutate(v)}
      >
        <Form.Item name="username" label={t("user.username")} rules={[{ required: true, whitespace: true }]}>
          <Input disabled={Boolean(user)} autoComplete="off" data-testid="user-username" />
        </Form.Item>
        <Form.Item name="display_name" label={t("user.displayName")} rules={[{ required: true, whitespace: true }]}>
          <Input data-testid="user-display-name" />
        </Form.Item>
        <Form.Item name="password" label={user ? t("user.newPassword") : t("user.password")} rules={user ? [] : [{ required: true }]}>
          <Input.Password autoComplete="new-password" data-testid="user-password" />
        </Form.Item>
        <Space style={{ display: "flex" }} align="start">
          <Form.Item name="mobile" label={t("user.mobile")}>
            <Input data-testid="user-mobile" />
          </Form.Item>
          <Form.Item name="email" label={t("user.email")} rules={[{ type: "email" }]}>
            <Input data-testid="user-email" />
          </Form.Item>
        </Space>
        <Form.Item
          name="roles"
          label={t("user.roles")}
          rules={mayGrant ? [{ required: true, type: "array", min: 1 }] : []}
          extra={mayGrant ? undefined : t("user.rolesNeedManage")}
        >
          <RoleSelect multiple disabled={!mayGrant} data-testid="user-roles" />
        </Form.Item>
        {!user && (
          <Form.Item name="team_id" label={t("user.team")}>
            <TeamSelect data-testid="user-team" />
          </Form.Item>
        )}
        <Form.Item name="department_id" label={t("user.department")}>
          <DepartmentTreeSelect />
        </Form.Item>
        <Form.Item name="zone_ids" label={t("user.zones")}>
          <MultiZoneSelect data-testid="user-zones" />
        </Form.Item>
        {user && (
          <Space size="large">
            <Form.Item name="is_active" label={t("user.isActive")} valuePropName="checked">
              <Switch data-testid="user-active" />
            </Form.Item>
            <Form.Item name="on_leave" label={t("user.onLeave")} valuePropName="checked">
              <Switch data-testid="user-on-leave" />
            </Form.Item>
          </Space>
        )}
      </Form>
    </Modal>
  );
}

function MoveModal({ user, onClose }: { user: User | null; onClose: () => void }) {
  const t = useT();
  const report = useApiError();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ team_id: string; reason: string }>();
  const move = useMutation({
    mutationFn: (v: { team_id: string; reason: string }) =>
      unwrap(
        api.POST("/api/v1/users/{user_id}/move", {
          params: { path: { user_id: user?.id ?? "" } },
          body: { team_id: v.team_id, reason: v.reason.trim() },
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["users"] });
      void queryClient.invalidateQueries({ queryKey: ["teams"] });
      void queryClient.invalidateQueries({ queryKey: ["memberships", user?.id] });
      onClose();
    },
    onError: (e) => report(e, { form }),
  });
  return (
    <Modal
      open={Boolean(user)}
      title={`${t("user.move")} · ${user?.display_name ?? ""}`}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={move.isPending}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      destroyOnHidden
      okButtonProps={{ "data-testid": "user-move-save" } as Record<string, string>}
    >
      <Form form={form} layout="vertical" preserve={false} clearOnDestroy onFinish={(v) => move.mutate(v)}>
        <Form.Item name="team_id" label={t("user.moveTo")} rules={[{ required: true }]}>
          <TeamSelect data-testid="user-move-team" excludeId={user?.team_id ?? undefined} />
        </Form.Item>
        <Form.Item name="reason" label={t("user.moveReason")} rules={[{ required: true, whitespace: true }]}>
          <Input.TextArea rows={2} data-testid="user-move-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function MembershipsDrawer({ user, onClose }: { user: User | null; onClose: () => void }) {
  const t = useT();
  const q = useQuery({
    queryKey: ["memberships", user?.id],
    queryFn: () => unwrap(api.GET("/api/v1/users/{user_id}/memberships", { params: { path: { user_id: user?.id ?? "" } } })),
    enabled: Boolean(user),
  });
  return (
    <Drawer open={Boolean(user)} onClose={onClose} title={`${t("user.memberships")} · ${user?.display_name ?? ""}`} width={420}>
      {q.isLoading ? (
        <Typography.Text type="secondary">{t("common.loading")}</Typography.Text>
      ) : (
        <Timeline
          data-testid="user-memberships"
          items={(q.data?.items ?? []).map((m, i) => ({
            key: i,
            color: m.ended_at ? "gray" : "green",
            children: (
              <div>
                <b>{m.team.name}</b>
                <div>
                  <Typography.Text type="secondary">
                    {fmtDateTime(m.started_at)} → {m.ended_at ? fmtDateTime(m.ended_at) : t("user.current")}
                  </Typography.Text>
                </div>
                {m.reason && <div>{translateDynamic(t, "user.reason", m.reason)}</div>}
              </div>
            ),
          }))}
        />
      )}
    </Drawer>
  );
}

export function UsersPage() {
  const t = useT();
  const can = useCan();
  const [filterForm] = Form.useForm<Filters>();
  const [filters, setFilters] = useState<Filters>({});
  const [editing, setEditing] = useState<User | "new" | null>(null);
  const [moving, setMoving] = useState<User | null>(null);
  const [history, setHistory] = useState<User | null>(null);
  const [handingOver, setHandingOver] = useState<User | null>(null);
  const mayHandOver = useMayHandOver();
  const teams = useQuery({ queryKey: keys.teams(null), queryFn: () => fetchTeams(null), enabled: can("team", "read") });
  const teamName = useMemo(() => new Map((teams.data ?? []).map((tm) => [tm.id, tm.name])), [teams.data]);
  const depts = useQuery({ queryKey: keys.departments, queryFn: fetchDepartments, enabled: can("department", "read") });
  const deptName = useMemo(() => new Map((depts.data ?? []).map((d) => [d.id, d.name])), [depts.data]);

  const query = useMemo(
    () =>
      cleanQuery({
        q: filters.q?.trim(),
        team_id: filters.team_id ?? undefined,
        zone_id: filters.zone_id ?? undefined,
        role: filters.role ?? undefined,
        is_active: filters.is_active === "true" ? true : filters.is_active === "false" ? false : undefined,
      }),
    [filters],
  );
  const list = useInfiniteQuery({
    queryKey: ["users", "list", query],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET("/api/v1/users", { params: { query: { ...query, limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Card
      title={t("menu.users")}
      extra={
        can("user", "create") && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing("new")} data-testid="user-create">
            {t("user.new")}
          </Button>
        )
      }
    >
      <Form<Filters> form={filterForm} layout="inline" onFinish={setFilters} style={{ marginBottom: 16, rowGap: 8 }}>
        <Form.Item name="q">
          <Input allowClear placeholder={t("user.searchPlaceholder")} data-testid="user-search" style={{ width: 240 }} />
        </Form.Item>
        {can("team", "read") && (
          <Form.Item name="team_id">
            <TeamSelect placeholder={t("user.team")} />
          </Form.Item>
        )}
        {can("sales_zone", "read") && (
          <Form.Item name="zone_id">
            <ZoneSelect placeholder={t("user.zones")} />
          </Form.Item>
        )}
        {can("role", "read") && (
          <Form.Item name="role">
            <RoleSelect placeholder={t("user.roles")} />
          </Form.Item>
        )}
        <Form.Item name="is_active">
          <Select
            allowClear
            placeholder={t("common.status")}
            style={{ width: 120 }}
            options={[
              { value: "true", label: t("common.active") },
              { value: "false", label: t("common.inactive") },
            ]}
          />
        </Form.Item>
        <Button type="primary" htmlType="submit" data-testid="user-search-submit">
          {t("common.search")}
        </Button>
      </Form>
      <Table<User>
        rowKey="id"
        data-testid="user-table"
        loading={list.isLoading}
        dataSource={rows}
        pagination={false}
        scroll={{ x: "max-content" }}
        onRow={(u) => ({ "data-testid": `user-row-${u.id}`, "data-username": u.username }) as HTMLAttributes<HTMLElement>}
        columns={[
          { key: "username", dataIndex: "username", title: t("user.username") },
          { key: "display_name", dataIndex: "display_name", title: t("user.displayName") },
          { key: "mobile", dataIndex: "mobile", title: t("user.mobile") },
          { key: "roles", title: t("user.roles"), render: (_, u) => (u.roles ?? []).map((r) => <Tag key={r}>{r}</Tag>) },
          { key: "team", title: t("user.team"), render: (_, u) => (u.team_id ? teamName.get(u.team_id) ?? "" : "") },
          {
            key: "department",
            title: t("user.department"),
            render: (_, u) => (u.department_id ? deptName.get(u.department_id) ?? "" : ""),
          },
          {
            key: "active",
            title: t("common.status"),
            render: (_, u) => (
              <>
                {u.is_active ? <Tag color="green">{t("common.active")}</Tag> : <Tag>{t("common.inactive")}</Tag>}
                {u.on_leave && <Tag color="orange">{t("user.onLeave")}</Tag>}
              </>
            ),
          },
          {
            key: "actions",
            title: t("common.actions"),
            render: (_, u) => (
              <Space size="small">
                {can("user", "update") && (
                  <Button type="link" size="small" onClick={() => setEditing(u)} data-testid="user-edit">
                    {t("common.edit")}
                  </Button>
                )}
                {can("user", "update") && (
                  <Button type="link" size="small" onClick={() => setMoving(u)} data-testid="user-move">
                    {t("user.move")}
                  </Button>
                )}
                <Button type="link" size="small" onClick={() => setHistory(u)} data-testid="user-history">
                  {t("user.memberships")}
                </Button>
                {mayHandOver && (
                  <Button type="link" size="small" onClick={() => setHandingOver(u)} data-testid="user-handover">
                    {t("user.handOver")}
                  </Button>
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
      <UserModal user={editing && editing !== "new" ? editing : null} open={editing !== null} onClose={() => setEditing(null)} />
      <MoveModal user={moving} onClose={() => setMoving(null)} />
      <MembershipsDrawer user={history} onClose={() => setHistory(null)} />
      <TransferCustomersDialog open={handingOver !== null} onClose={() => setHandingOver(null)} from={handingOver} scope="all" />
    </Card>
  );
}
