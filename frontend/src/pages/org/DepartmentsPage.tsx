import { PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, Card, Form, Input, Modal, Popconfirm, Space, Table, TreeSelect } from "antd";
import { useMemo, useState, type HTMLAttributes } from "react";
import { api, ifMatch, unwrap } from "../../api/client";
import { buildTree, fetchDepartments, keys, type TreeNode } from "../../api/queries";
import type { Department } from "../../api/types";
import { useCan } from "../../auth/context";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";

interface Row {
  key: string;
  dept: Department;
  children?: Row[];
}

function toRows(nodes: TreeNode<Department>[]): Row[] {
  return nodes.map((n) => ({ key: n.item.id, dept: n.item, children: n.children.length ? toRows(n.children) : undefined }));
}

interface TreeOpt {
  value: string;
  title: string;
  disabled?: boolean;
  children: TreeOpt[];
}

function toOptions(nodes: TreeNode<Department>[], disabledId?: string, parentDisabled = false): TreeOpt[] {
  return nodes.map((n) => {
    const disabled = parentDisabled || n.item.id === disabledId;
    return { value: n.item.id, title: n.item.name, disabled, children: toOptions(n.children, disabledId, disabled) };
  });
}

type Editing = { mode: "create"; parentId: string | null } | { mode: "edit"; dept: Department } | null;

export function DepartmentsPage() {
  const t = useT();
  const can = useCan();
  const report = useApiError();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Editing>(null);
  const [form] = Form.useForm<{ name: string; parent_id?: string | null }>();
  const list = useQuery({ queryKey: keys.departments, queryFn: fetchDepartments });
  const tree = useMemo(() => buildTree(list.data ?? [], (d) => d.id, (d) => d.parent_id), [list.data]);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: keys.departments });

  const save = useMutation({
    mutationFn: (v: { name: string; parent_id?: string | null }) => {
      const body = { name: v.name.trim(), parent_id: v.parent_id ?? null };
      if (editing?.mode === "edit") {
        return unwrap(
          api.PATCH("/api/v1/departments/{department_id}", {
            params: { path: { department_id: editing.dept.id } },
            body,
            headers: { "If-Match": ifMatch(editing.dept) },
          }),
        );
      }
      return unwrap(api.POST("/api/v1/departments", { body }));
    },
    onSuccess: () => {
      void invalidate();
      setEditing(null);
    },
    onError: (e) => report(e, { form, onStale: () => void invalidate().then(() => setEditing(null)) }),
  });
  const remove = useMutation({
    mutationFn: (d: Department) => unwrap(api.DELETE("/api/v1/departments/{department_id}", { params: { path: { department_id: d.id } } })),
    onSuccess: () => void invalidate(),
    onError: (e) => report(e),
  });

  return (
    <Card
      title={t("menu.departments")}
      extra={
        can("department", "create") && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({ mode: "create", parentId: null })} data-testid="department-create">
            {t("department.new")}
          </Button>
        )
      }
    >
      <Table<Row>
        key={list.dataUpdatedAt}
        data-testid="department-table"
        loading={list.isLoading}
        dataSource={toRows(tree)}
        pagination={false}
        expandable={{ defaultExpandAllRows: true }}
        onRow={(r) => ({ "data-testid": `department-row-${r.dept.id}` }) as HTMLAttributes<HTMLElement>}
        columns={[
          { key: "name", title: t("common.name"), render: (_, r) => r.dept.name },
          {
            key: "actions",
            title: t("common.actions"),
            width: 260,
            render: (_, r) => (
              <Space size="small">
                {can("department", "create") && (
                  <Button type="link" size="small" onClick={() => setEditing({ mode: "create", parentId: r.dept.id })}>
                    {t("department.addChild")}
                  </Button>
                )}
                {can("department", "update") && (
                  <Button type="link" size="small" onClick={() => setEditing({ mode: "edit", dept: r.dept })}>
                    {t("common.edit")}
                  </Button>
                )}
                {can("department", "delete") && (
                  <Popconfirm title={t("common.confirmDelete")} onConfirm={() => remove.mutate(r.dept)}>
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
        title={editing?.mode === "edit" ? t("common.edit") : t("department.new")}
        onCancel={() => setEditing(null)}
        onOk={() => form.submit()}
        confirmLoading={save.isPending}
        okText={t("common.save")}
        cancelText={t("common.cancel")}
        destroyOnHidden
        okButtonProps={{ "data-testid": "department-save" } as Record<string, string>}
      >
        <Form
          form={form}
          layout="vertical"
          preserve={false}
          clearOnDestroy
          initialValues={
            editing?.mode === "edit"
              ? { name: editing.dept.name, parent_id: editing.dept.parent_id ?? null }
              : { parent_id: editing?.parentId ?? null }
          }
          onFinish={(v) => save.mutate(v)}
        >
          <Form.Item name="name" label={t("common.name")} rules={[{ required: true, whitespace: true }]}>
            <Input data-testid="department-name" />
          </Form.Item>
          <Form.Item name="parent_id" label={t("department.parent")}>
            <TreeSelect
              allowClear
              treeDefaultExpandAll
              treeData={toOptions(tree, editing?.mode === "edit" ? editing.dept.id : undefined)}
            />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
