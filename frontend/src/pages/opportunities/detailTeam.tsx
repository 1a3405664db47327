import { MailOutlined, PhoneOutlined, UserAddOutlined } from "@ant-design/icons";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from "antd";
import { useState, type HTMLAttributes } from "react";
import { api, unwrap } from "../../api/client";
import { useAuth } from "../../auth/context";
import { fmtDateTime } from "../../components/format";
import { UserSelect } from "../../components/selects";
import { useApiError } from "../../components/useApiError";
import { translateDynamic, useT } from "../../i18n/context";
import { MEMBER_ROLES, detailKeys, type Member, type MemberRole, type PersonCard } from "./detailHelpers";
import { refreshOpportunity, useMembers } from "./detailQueries";

function Contact({ p }: { p: PersonCard }) {
  return (
    <Space direction="vertical" size={0}>
      {p.phone ? (
        <a href={`tel:${p.phone}`} data-testid="member-phone">
          <PhoneOutlined /> {p.phone}
        </a>
      ) : (
        <Typography.Text type="secondary">—</Typography.Text>
      )}
      {p.email && (
        <a href={`mailto:${p.email}`} data-testid="member-email">
          <MailOutlined /> {p.email}
        </a>
      )}
    </Space>
  );
}

interface Row extends PersonCard {
  key: string;
  isOwner: boolean;
  member?: Member;
}

/**
 * The cross-department team: the owner and the members with their role, phone and e-mail
 * (teammates see each other's contact details); add with a user picker and a role, change a
 * role, remove (a member may leave by themselves).
 */
export function TeamTab({ opportunityId, canEdit }: { opportunityId: string; canEdit: boolean }) {
  const t = useT();
  const { me } = useAuth();
  const { message } = App.useApp();
  const report = useApiError();
  const qc = useQueryClient();
  const [adding, setAdding] = useState(false);
  const [form] = Form.useForm<{ user_id: string; role: MemberRole; note?: string }>();
  const team = useMembers(opportunityId);
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: detailKeys.members(opportunityId) });
    refreshOpportunity(qc, opportunityId);
  };
  const base = { params: { path: { opportunity_id: opportunityId } } };
  const add = useMutation({
    mutationFn: (v: { user_id: string; role: MemberRole; note?: string }) =>
      unwrap(api.POST("/api/v1/opportunities/{opportunity_id}/members", { ...base, body: { user_id: v.user_id, role: v.role, note: v.note?.trim() || null } })),
    onSuccess: refresh,
  });
  const patch = useMutation({
    mutationFn: (v: { user_id: string; role: MemberRole }) =>
      unwrap(
        api.PATCH("/api/v1/opportunities/{opportunity_id}/members/{user_id}", {
          params: { path: { opportunity_id: opportunityId, user_id: v.user_id } },
          body: { role: v.role },
        }),
      ),
    onSuccess: refresh,
    onError: (e) => report(e),
  });
  const remove = useMutation({
    mutationFn: (userId: string) =>
      unwrap(api.DELETE("/api/v1/opportunities/{opportunity_id}/members/{user_id}", { params: { path: { opportunity_id: opportunityId, user_id: userId } } })),
    onSuccess: () => {
      message.success(t("common.deleted"));
      refresh();
    },
    onError: (e) => report(e),
  });

  const rows: Row[] = [
    ...(team.data?.owner ? [{ ...team.data.owner, key: `owner:${team.data.owner.user_id}`, isOwner: true }] : []),
    ...(team.data?.items ?? []).map((m) => ({ ...m, key: m.user_id, isOwner: false, member: m })),
  ];

  return (
    <Card
      size="small"
      title={t("opportunityDetail.team.title", { n: rows.length })}
      extra={
        canEdit && (
          <Button icon={<UserAddOutlined />} onClick={() => setAdding(true)} data-testid="team-add">
            {t("opportunityDetail.team.add")}
          </Button>
        )
      }
    >
      <Typography.Paragraph type="secondary" style={{ marginTop: 0 }}>
        {t("opportunityDetail.team.hint")}
      </Typography.Paragraph>
      <Table<Row>
        size="small"
        rowKey="key"
        loading={team.isLoading}
        dataSource={rows}
        pagination={false}
        data-testid="team-table"
        onRow={(r) => ({ "data-testid": "team-member", "data-user": r.user_id }) as HTMLAttributes<HTMLElement>}
        columns={[
          {
            title: t("opportunityDetail.team.name"),
            key: "name",
            render: (_, r) => (
              <Space>
                <span>{r.display_name}</span>
                {!r.is_active && <Tag>{t("opportunityDetail.team.inactive")}</Tag>}
              </Space>
            ),
          },
          {
            title: t("opportunityDetail.team.role"),
            key: "role",
            render: (_, r) =>
              r.isOwner ? (
                <Tag color="blue">{t("opportunityDetail.team.owner")}</Tag>
              ) : canEdit ? (
                <Select<MemberRole>
                  size="small"
                  value={r.member!.role}
                  style={{ minWidth: 110 }}
                  options={MEMBER_ROLES.map((x) => ({ value: x, label: t(`opportunityDetail.memberRole.${x}`) }))}
                  onChange={(role) => patch.mutate({ user_id: r.user_id, role })}
                  data-testid="member-role"
                />
              ) : (
                <Tag>{translateDynamic(t, "opportunityDetail.memberRole", r.member!.role)}</Tag>
              ),
          },
          { title: t("opportunityDetail.team.org"), key: "org", render: (_, r) => [r.team_name, r.department_name].filter(Boolean).join(" · ") || "—" },
          { title: t("opportunityDetail.team.contact"), key: "contact", render: (_, r) => <Contact p={r} /> },
          {
            title: t("opportunityDetail.team.added"),
            key: "added",
            render: (_, r) =>
              r.member ? (
                <Typography.Text type="secondary">
                  {fmtDateTime(r.member.added_at)}
                  {r.member.added_by ? ` · ${r.member.added_by.display_name}` : ""}
                  {r.member.note ? ` · ${r.member.note}` : ""}
                </Typography.Text>
              ) : null,
          },
          {
            title: t("common.actions"),
            key: "actions",
            render: (_, r) =>
              !r.isOwner && (canEdit || r.user_id === me?.user.id) ? (
                <Popconfirm
                  title={r.user_id === me?.user.id ? t("opportunityDetail.team.leaveConfirm") : t("opportunityDetail.team.removeConfirm", { name: r.display_name })}
                  onConfirm={() => remove.mutate(r.user_id)}
                >
                  <Button type="link" danger size="small" data-testid="member-remove">
                    {r.user_id === me?.user.id ? t("opportunityDetail.team.leave") : t("opportunityDetail.team.remove")}
                  </Button>
                </Popconfirm>
              ) : null,
          },
        ]}
      />
      <Modal
        open={adding}
        title={t("opportunityDetail.team.add")}
        onCancel={() => setAdding(false)}
        onOk={() => form.submit()}
        okText={t("common.ok")}
        cancelText={t("common.cancel")}
        confirmLoading={add.isPending}
        okButtonProps={{ "data-testid": "team-add-ok" } as Record<string, string>}
        destroyOnHidden
      >
        <Form
          form={form}
          layout="vertical"
          preserve={false}
          initialValues={{ role: "presales" }}
          onFinish={(v) =>
            add.mutate(v, {
              onSuccess: () => {
                message.success(t("opportunityDetail.team.addedDone"));
                setAdding(false);
              },
              onError: (e) => report(e, { form }),
            })
          }
        >
          <Form.Item name="user_id" label={t("opportunityDetail.team.user")} rules={[{ required: true }]}>
            <UserSelect data-testid="team-add-user" />
          </Form.Item>
          <Form.Item name="role" label={t("opportunityDetail.team.role")} rules={[{ required: true }]}>
            <Select options={MEMBER_ROLES.map((x) => ({ value: x, label: t(`opportunityDetail.memberRole.${x}`) }))} data-testid="team-add-role" />
          </Form.Item>
          <Form.Item name="note" label={t("opportunityDetail.team.note")}>
            <Input maxLength={200} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
