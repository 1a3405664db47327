import { PlusOutlined, StarFilled } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, Card, Col, Empty, Form, Input, Modal, Popconfirm, Row, Select, Space, Switch, Table, Tag, Tree } from "antd";
import { useMemo, useState, type HTMLAttributes, type ReactNode } from "react";
import { api, ifMatch, unwrap } from "../../api/client";
import { buildTree, type TreeNode } from "../../api/queries";
import type { Attitude, Contact, ContactIn, ContactUpdate, DecisionRole, Gender } from "../../api/types";
import { useCan } from "../../auth/context";
import { cleanBody } from "../../components/format";
import { useApiError } from "../../components/useApiError";
import { translateDynamic, useT } from "../../i18n/context";
import { ATTITUDES, contactsKey, DECISION_ROLES, GENDERS } from "./constants";

const ATTITUDE_COLOR: Record<string, string> = { supporter: "green", neutral: "default", opponent: "red" };


interface ContactValues {
  name: string;
  title?: string;
  department?: string;
  mobile?: string;
  phone?: string;
  email?: string;
  wechat?: string;
  gender?: Gender | null;
  reports_to_id?: string | null;
  decision_role?: DecisionRole | null;
  attitude?: Attitude | null;
  is_key_person?: boolean;
  notes?: string;
}

function toValues(c: Contact): ContactValues {
  return {
    name: c.name,
    title: c.title ?? undefined,
    department: c.department ?? undefined,
    mobile: c.mobile ?? undefined,
    phone: c.phone ?? undefined,
    email: c.email ?? undefined,
    wechat: c.wechat ?? undefined,
    gender: (c.gender as Gender | null) ?? null,
    reports_to_id: c.reports_to_id ?? null,
    decision_role: (c.decision_role as DecisionRole | null) ?? null,
    attitude: (c.attitude as Attitude | null) ?? null,
    is_key_person: c.is_key_person,
    notes: c.notes ?? undefined,
  };
}

function ContactModal({
  customerId,
  contact,
  contacts,
  open,
  onClose,
}: {
  customerId: string;
  contact: Contact | null;
  contacts: Contact[];
  open: boolean;
  onClose: () => void;
}) {
  const t = useT();
  const [form] = Form.useForm<ContactValues>();
  const report = useApiError();
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: (v: ContactValues) => {
      if (contact) {
        return unwrap(
          api.PATCH("/api/v1/contacts/{contact_id}", {
            params: { path: { contact_id: contact.id } },
            body: cleanBody(v, "update") as ContactUpdate,
            headers: { "If-Match": ifMatch(contact) },
          }),
        );
      }
      return unwrap(
        api.POST("/api/v1/customers/{customer_id}/contacts", {
          params: { path: { customer_id: customerId } },
          body: cleanBody(v, "create") as ContactIn,
        }),
      );
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: contactsKey(customerId) });
      void queryClient.invalidateQueries({ queryKey: ["customers", "detail", customerId] });
      onClose();
    },
    onError: (e) =>
      report(e, { form, onStale: () => void queryClient.invalidateQueries({ queryKey: contactsKey(customerId) }).then(onClose) }),
  });

  // Someone cannot report to themselves or to anyone below them.
  const excluded = useMemo(() => {
    if (!contact) return new Set<string>();
    const out = new Set<string>([contact.id]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const c of contacts) {
        if (c.reports_to_id && out.has(c.reports_to_id) && !out.has(c.id)) {
          out.add(c.id);
          grew = true;
        }
      }
    }
    return out;
  }, [contact, contacts]);

  return (
    <Modal
      open={open}
      title={contact ? t("contact.edit") : t("contact.new")}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={save.isPending}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      destroyOnHidden
      okButtonProps={{ "data-testid": "contact-save" } as Record<string, string>}
    >
      <Form<ContactValues>
        form={form}
        layout="vertical"
        preserve={false}
        clearOnDestroy
        initialValues={contact ? toValues(contact) : { is_key_person: false }}
        onFinish={(v) => save.mutate(v)}
      >
        <Form.Item name="name" label={t("contact.name")} rules={[{ required: true, whitespace: true }]}>
          <Input data-testid="contact-name" />
        </Form.Item>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="title" label={t("contact.title")}>
              <Input data-testid="contact-title" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="mobile" label={t("contact.mobile")}>
              <Input data-testid="contact-mobile" />
            </Form.Item>
          </Col>
        </Row>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="department" label={t("contact.department")}>
              <Input maxLength={100} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="phone" label={t("contact.phone")}>
              <Input maxLength={32} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="email" label={t("contact.email")} rules={[{ type: "email" }]}>
              <Input data-testid="contact-email" />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="wechat" label={t("contact.wechat")}>
              <Input maxLength={64} />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="gender" label={t("contact.gender")}>
              <Select allowClear options={GENDERS.map((g) => ({ value: g, label: t(`customer.gender.${g}`) }))} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="reports_to_id" label={t("contact.reportsTo")}>
          <Select
            allowClear
            options={contacts.filter((c) => !excluded.has(c.id)).map((c) => ({ value: c.id, label: c.name }))}
          />
        </Form.Item>
        <Row gutter={12}>
          <Col span={10}>
            <Form.Item name="decision_role" label={t("contact.decisionRole")}>
              <Select allowClear options={DECISION_ROLES.map((r) => ({ value: r, label: t(`contact.decisionRole.${r}`) }))} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="attitude" label={t("contact.attitude")}>
              <Select allowClear options={ATTITUDES.map((r) => ({ value: r, label: t(`contact.attitude.${r}`) }))} />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="is_key_person" label={t("contact.isKeyPerson")} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="notes" label={t("contact.notes")}>
          <Input.TextArea rows={2} maxLength={5000} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

interface OrgNode {
  key: string;
  title: ReactNode;
  children: OrgNode[];
}

function toOrgNodes(nodes: TreeNode<Contact>[], t: ReturnType<typeof useT>): OrgNode[] {
  return nodes.map((n) => ({
    key: n.item.id,
    title: (
      <span data-testid="org-chart-node">
        {n.item.is_key_person && <StarFilled style={{ color: "#faad14", marginRight: 4 }} />}
        <b>{n.item.name}</b>
        {n.item.title ? ` · ${n.item.title}` : ""}
        {n.item.decision_role && <Tag style={{ marginLeft: 8 }}>{translateDynamic(t, "contact.decisionRole", n.item.decision_role)}</Tag>}
        {n.item.attitude && (
          <Tag color={ATTITUDE_COLOR[n.item.attitude]}>{translateDynamic(t, "contact.attitude", n.item.attitude)}</Tag>
        )}
      </span>
    ),
    children: toOrgNodes(n.children, t),
  }));
}

export function ContactsSection({ customerId }: { customerId: string }) {
  const t = useT();
  const can = useCan();
  const report = useApiError();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Contact | null>(null);
  const [open, setOpen] = useState(false);
  const list = useQuery({
    queryKey: contactsKey(customerId),
    queryFn: () => unwrap(api.GET("/api/v1/customers/{customer_id}/contacts", { params: { path: { customer_id: customerId } } })),
  });
  const contacts = useMemo(() => list.data?.items ?? [], [list.data]);
  const byId = useMemo(() => new Map(contacts.map((c) => [c.id, c])), [contacts]);
  const orgTree = useMemo(
    () =>
      toOrgNodes(
        buildTree(contacts, (c) => c.id, (c) => c.reports_to_id),
        t,
      ),
    [contacts, t],
  );

  // remount (and so expand all again) whenever who-reports-to-whom changes
  const treeShape = useMemo(() => contacts.map((c) => `${c.id}>${c.reports_to_id ?? ""}`).join(","), [contacts]);

  const remove = useMutation({
    mutationFn: (c: Contact) =>
      unwrap(api.DELETE("/api/v1/contacts/{contact_id}", { params: { path: { contact_id: c.id } }, headers: { "If-Match": ifMatch(c) } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: contactsKey(customerId) });
      void queryClient.invalidateQueries({ queryKey: ["customers", "detail", customerId] });
    },
    onError: (e) => report(e, { onStale: () => void queryClient.invalidateQueries({ queryKey: contactsKey(customerId) }) }),
  });

  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={15}>
        <Card
          size="small"
          title={t("contact.table")}
          extra={
            can("contact", "create") && (
              <Button
                icon={<PlusOutlined />}
                size="small"
                data-testid="contact-create"
                onClick={() => {
                  setEditing(null);
                  setOpen(true);
                }}
              >
                {t("contact.new")}
              </Button>
            )
          }
        >
          <Table<Contact>
            rowKey="id"
            size="small"
            data-testid="contacts-table"
            loading={list.isLoading}
            dataSource={contacts}
            pagination={false}
            scroll={{ x: "max-content" }}
            onRow={(c) => ({ "data-testid": `contact-row-${c.id}` }) as HTMLAttributes<HTMLElement>}
            columns={[
              {
                key: "name",
                title: t("contact.name"),
                render: (_, c) => (
                  <>
                    {c.is_key_person && <StarFilled style={{ color: "#faad14", marginRight: 4 }} />}
                    {c.name}
                  </>
                ),
              },
              { key: "title", dataIndex: "title", title: t("contact.title") },
              { key: "mobile", dataIndex: "mobile", title: t("contact.mobile") },
              { key: "email", dataIndex: "email", title: t("contact.email") },
              {
                key: "reports_to",
                title: t("contact.reportsTo"),
                render: (_, c) => (c.reports_to_id ? byId.get(c.reports_to_id)?.name ?? "" : ""),
              },
              {
                key: "decision_role",
                title: t("contact.decisionRole"),
                render: (_, c) => translateDynamic(t, "contact.decisionRole", c.decision_role),
              },
              {
                key: "attitude",
                title: t("contact.attitude"),
                render: (_, c) =>
                  c.attitude ? <Tag color={ATTITUDE_COLOR[c.attitude]}>{translateDynamic(t, "contact.attitude", c.attitude)}</Tag> : null,
              },
              {
                key: "actions",
                title: t("common.actions"),
                render: (_, c) => (
                  <Space size="small">
                    {can("contact", "update") && (
                      <Button
                        type="link"
                        size="small"
                        onClick={() => {
                          setEditing(c);
                          setOpen(true);
                        }}
                      >
                        {t("common.edit")}
                      </Button>
                    )}
                    {can("contact", "delete") && (
                      <Popconfirm title={t("common.confirmDelete")} onConfirm={() => remove.mutate(c)}>
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
        </Card>
      </Col>
      <Col xs={24} xl={9}>
        <Card size="small" title={t("contact.orgChart")} data-testid="org-chart">
          {orgTree.length ? (
            <Tree treeData={orgTree} defaultExpandAll selectable={false} showLine key={treeShape} />
          ) : (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />
          )}
        </Card>
      </Col>
      <ContactModal customerId={customerId} contact={editing} contacts={contacts} open={open} onClose={() => setOpen(false)} />
    </Row>
  );
}
