import { PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, Form, Input, InputNumber, Modal, Select, Space, Tag } from "antd";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { fetchTagCategories, keys } from "../../api/queries";
import type { CustomerTag } from "../../api/types";
import { useCan } from "../../auth/context";
import { useApiError } from "../../components/useApiError";
import { useT } from "../../i18n/context";
import { TagSelect } from "./TagSelect";

const COLORS = ["magenta", "red", "volcano", "orange", "gold", "lime", "green", "cyan", "blue", "geekblue", "purple"];

function NewTagModal({ open, onClose }: { open: boolean; onClose: () => void }) {
  const t = useT();
  const [form] = Form.useForm<{ category_id: string; name: string; color?: string; weight?: number }>();
  const [newCategory, setNewCategory] = useState("");
  const report = useApiError();
  const queryClient = useQueryClient();
  const cats = useQuery({ queryKey: keys.tagCategories, queryFn: fetchTagCategories, enabled: open });
  const addCategory = useMutation({
    mutationFn: (name: string) => unwrap(api.POST("/api/v1/tag-categories", { body: { name } })),
    onSuccess: (cat) => {
      setNewCategory("");
      void queryClient.invalidateQueries({ queryKey: keys.tagCategories });
      form.setFieldValue("category_id", cat.id);
    },
    onError: (e) => report(e),
  });
  const create = useMutation({
    mutationFn: (v: { category_id: string; name: string; color?: string; weight?: number }) =>
      unwrap(api.POST("/api/v1/tags", { body: { ...v, name: v.name.trim() } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["tags"] });
      onClose();
    },
    onError: (e) => report(e, { form }),
  });
  return (
    <Modal
      open={open}
      title={t("tag.newTag")}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={create.isPending}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      destroyOnHidden
      okButtonProps={{ "data-testid": "tag-save" } as Record<string, string>}
    >
      <Form form={form} layout="vertical" preserve={false} clearOnDestroy onFinish={(v) => create.mutate(v)}>
        <Form.Item name="category_id" label={t("tag.category")} rules={[{ required: true }]}>
          <Select
            showSearch
            optionFilterProp="label"
            loading={cats.isLoading}
            options={(cats.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
            notFoundContent={t("tag.noCategory")}
            data-testid="tag-category"
          />
        </Form.Item>
        <Form.Item label={t("tag.newCategory")} extra={t("tag.newCategoryHint")}>
          <Space.Compact style={{ width: "100%" }}>
            <Input
              value={newCategory}
              maxLength={50}
              onChange={(e) => setNewCategory(e.target.value)}
              onPressEnter={(e) => {
                e.preventDefault();
                if (newCategory.trim()) addCategory.mutate(newCategory.trim());
              }}
              data-testid="tag-new-category"
            />
            <Button
              icon={<PlusOutlined />}
              loading={addCategory.isPending}
              disabled={!newCategory.trim()}
              onClick={() => addCategory.mutate(newCategory.trim())}
              data-testid="tag-new-category-add"
            >
              {t("common.create")}
            </Button>
          </Space.Compact>
        </Form.Item>
        <Form.Item name="name" label={t("tag.name")} rules={[{ required: true, whitespace: true }]}>
          <Input maxLength={50} data-testid="tag-name" />
        </Form.Item>
        <Space align="start" size="large">
          <Form.Item name="color" label={t("tag.color")}>
            <Select
              allowClear
              style={{ width: 160 }}
              options={COLORS.map((c) => ({ value: c, label: <Tag color={c}>{c}</Tag> }))}
            />
          </Form.Item>
          <Form.Item name="weight" label={t("tag.weight")} initialValue={1} extra={t("tag.weightHint")}>
            <InputNumber min={0} max={100} precision={0} />
          </Form.Item>
        </Space>
      </Form>
    </Modal>
  );
}

/** A customer's tags: remove with the tag's close icon, add (or count again) from the select. */
export function TagsEditor({ customerId, tags }: { customerId: string; tags: CustomerTag[] }) {
  const t = useT();
  const can = useCan();
  const report = useApiError();
  const queryClient = useQueryClient();
  const [picked, setPicked] = useState<string | null>(null);
  const [newOpen, setNewOpen] = useState(false);
  const editable = can("customer", "update");
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ["customers"] });
    void queryClient.invalidateQueries({ queryKey: ["audit", "customer", customerId] });
  };
  const add = useMutation({
    mutationFn: (tagId: string) =>
      unwrap(api.POST("/api/v1/customers/{customer_id}/tags", { params: { path: { customer_id: customerId } }, body: { tag_id: tagId } })),
    onSuccess: () => {
      setPicked(null);
      refresh();
    },
    onError: (e) => report(e),
  });
  const remove = useMutation({
    mutationFn: (tagId: string) =>
      unwrap(
        api.DELETE("/api/v1/customers/{customer_id}/tags/{tag_id}", { params: { path: { customer_id: customerId, tag_id: tagId } } }),
      ),
    onSuccess: refresh,
    onError: (e) => report(e),
  });

  return (
    <Space wrap data-testid="customer-tags">
      {tags.map((tag) => (
        <Tag
          key={tag.id}
          color={tag.color ?? undefined}
          closable={editable}
          onClose={(e) => {
            e.preventDefault();
            remove.mutate(tag.id);
          }}
          data-testid="customer-tag"
        >
          {tag.name}
          {tag.count > 1 ? ` ×${tag.count}` : ""}
        </Tag>
      ))}
      {editable && can("tag", "read") && (
        <Space.Compact>
          <TagSelect value={picked} onChange={setPicked} placeholder={t("tag.add")} data-testid="tag-picker" />
          <Button
            icon={<PlusOutlined />}
            disabled={!picked}
            loading={add.isPending}
            onClick={() => picked && add.mutate(picked)}
            data-testid="tag-add"
          />
        </Space.Compact>
      )}
      {can("tag", "create") && (
        <Button type="dashed" size="small" onClick={() => setNewOpen(true)}>
          {t("tag.newTag")}
        </Button>
      )}
      <NewTagModal open={newOpen} onClose={() => setNewOpen(false)} />
    </Space>
  );
}
