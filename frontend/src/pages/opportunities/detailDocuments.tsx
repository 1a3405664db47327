import { DownloadOutlined, UploadOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Empty, Form, Input, List, Modal, Select, Space, Tag, Typography, Upload } from "antd";
import type { UploadFile } from "antd";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { saveDownload } from "../../components/download";
import { fmtDateTime } from "../../components/format";
import { useApiError } from "../../components/useApiError";
import { translateDynamic, useT } from "../../i18n/context";
import {
  DOCUMENT_KINDS,
  detailKeys,
  fmtBytes,
  type DocumentItem,
  type DocumentKind,
  type DocumentUploadBody,
  type DocumentVersion,
  type VersionUploadBody,
} from "./detailHelpers";
import { refreshOpportunity } from "./detailQueries";

interface NewValues {
  kind: DocumentKind;
  title: string;
  note?: string;
}

function VersionLine({ v, opportunityId, onError }: { v: DocumentVersion; opportunityId: string; onError: (e: unknown) => void }) {
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    try {
      await saveDownload(
        api.GET("/api/v1/opportunities/{opportunity_id}/documents/versions/{version_id}/content", {
          params: { path: { opportunity_id: opportunityId, version_id: v.id } },
          parseAs: "blob",
        }),
        v.file_name,
      );
    } catch (e) {
      onError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Space wrap size={4} data-testid="doc-version" data-version={v.version_number}>
      <Tag>v{v.version_number}</Tag>
      <Button type="link" size="small" icon={<DownloadOutlined />} loading={busy} onClick={() => void download()} data-testid="doc-download" data-href={v.download_url}>
        {v.file_name}
      </Button>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {fmtBytes(v.size_bytes)} · {v.uploaded_by?.display_name ?? ""} · {fmtDateTime(v.uploaded_at)}
        {v.note ? ` · ${v.note}` : ""}
      </Typography.Text>
    </Space>
  );
}

/**
 * Solution documents (方案) with versions: each document with its kind, title and latest
 * version, the older versions under it, a download for each; upload a new document (kind,
 * title, file) or a new version of one.
 */
export function DocumentsTab({ opportunityId, canEdit }: { opportunityId: string; canEdit: boolean }) {
  const t = useT();
  const { message } = App.useApp();
  const report = useApiError();
  const qc = useQueryClient();
  const [form] = Form.useForm<NewValues>();
  const [creating, setCreating] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState(false);
  const [expanded, setExpanded] = useState<Record<string, boolean>>({});
  const base = { params: { path: { opportunity_id: opportunityId } } };
  const docs = useQuery({
    queryKey: detailKeys.documents(opportunityId),
    queryFn: async () => (await unwrap(api.GET("/api/v1/opportunities/{opportunity_id}/documents", base))).items,
  });
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: detailKeys.documents(opportunityId) });
    refreshOpportunity(qc, opportunityId); // a document may meet an exit criterion
  };
  const upload = useMutation({
    mutationFn: (v: NewValues & { file: File }) => {
      const body = new FormData();
      body.append("file", v.file, v.file.name);
      body.append("kind", v.kind);
      body.append("title", v.title.trim());
      if (v.note?.trim()) body.append("note", v.note.trim());
      return unwrap(api.POST("/api/v1/opportunities/{opportunity_id}/documents", { ...base, body: body as unknown as DocumentUploadBody }));
    },
    onSuccess: refresh,
  });
  const uploadVersion = (doc: DocumentItem, f: File) => {
    const body = new FormData();
    body.append("file", f, f.name);
    return unwrap(
      api.POST("/api/v1/opportunities/{opportunity_id}/documents/{document_id}/versions", {
        params: { path: { opportunity_id: opportunityId, document_id: doc.document_id } },
        body: body as unknown as VersionUploadBody,
      }),
    );
  };

  const items = docs.data ?? [];
  const fileList: UploadFile[] = file ? [{ uid: "picked", name: file.name, status: "done" }] : [];

  return (
    <Card
      size="small"
      title={t("opportunityDetail.docs.title", { n: items.length })}
      extra={
        canEdit && (
          <Button icon={<UploadOutlined />} onClick={() => setCreating(true)} data-testid="doc-add">
            {t("opportunityDetail.docs.add")}
          </Button>
        )
      }
    >
      {items.length === 0 && !docs.isLoading ? (
        <Empty description={t("opportunityDetail.docs.empty")} />
      ) : (
        <List<DocumentItem>
          loading={docs.isLoading}
          dataSource={items}
          data-testid="doc-list"
          renderItem={(d) => (
            <List.Item
              data-testid="doc-item"
              data-kind={d.kind}
              actions={[
                ...(canEdit
                  ? [
                      <Upload
                        key="version"
                        showUploadList={false}
                        customRequest={({ file: f, onSuccess, onError }) => {
                          uploadVersion(d, f as File)
                            .then((r) => {
                              onSuccess?.(r);
                              message.success(t("opportunityDetail.docs.versionUploaded", { n: r.latest.version_number }));
                              refresh();
                            })
                            .catch((e: unknown) => {
                              onError?.(e as Error);
                              report(e);
                            });
                        }}
                      >
                        <Button size="small" icon={<UploadOutlined />} data-testid="doc-new-version">
                          {t("opportunityDetail.docs.newVersion")}
                        </Button>
                      </Upload>,
                    ]
                  : []),
                ...(d.versions.length > 1
                  ? [
                      <Button key="older" type="link" size="small" onClick={() => setExpanded((x) => ({ ...x, [d.document_id]: !x[d.document_id] }))} data-testid="doc-versions-toggle">
                        {expanded[d.document_id] ? t("opportunityDetail.docs.hideVersions") : t("opportunityDetail.docs.showVersions", { n: d.versions.length - 1 })}
                      </Button>,
                    ]
                  : []),
              ]}
            >
              <List.Item.Meta
                title={
                  <Space>
                    <Tag color="blue">{translateDynamic(t, "opportunityDetail.docKind", d.kind)}</Tag>
                    <span data-testid="doc-title">{d.title}</span>
                  </Space>
                }
                description={
                  <Space direction="vertical" size={0}>
                    <VersionLine v={d.latest} opportunityId={opportunityId} onError={(e) => report(e)} />
                    {expanded[d.document_id] &&
                      d.versions.slice(1).map((v) => <VersionLine key={v.id} v={v} opportunityId={opportunityId} onError={(e) => report(e)} />)}
                  </Space>
                }
              />
            </List.Item>
          )}
        />
      )}

      <Modal
        open={creating}
        title={t("opportunityDetail.docs.add")}
        onCancel={() => {
          setCreating(false);
          setFile(null);
        }}
        onOk={() => form.submit()}
        okText={t("opportunityDetail.docs.upload")}
        cancelText={t("common.cancel")}
        confirmLoading={upload.isPending}
        okButtonProps={{ "data-testid": "doc-add-ok" } as Record<string, string>}
        destroyOnHidden
      >
        <Form
          form={form}
          layout="vertical"
          preserve={false}
          initialValues={{ kind: "solution" }}
          onFinish={(v) => {
            if (!file) {
              setFileError(true);
              return;
            }
            upload.mutate(
              { ...v, file },
              {
                onSuccess: () => {
                  message.success(t("opportunityDetail.docs.uploaded"));
                  setCreating(false);
                  setFile(null);
                },
                onError: (e) => report(e, { form }),
              },
            );
          }}
        >
          <Form.Item name="kind" label={t("opportunityDetail.docs.kind")} rules={[{ required: true }]}>
            <Select options={DOCUMENT_KINDS.map((k) => ({ value: k, label: t(`opportunityDetail.docKind.${k}`) }))} data-testid="doc-add-kind" />
          </Form.Item>
          <Form.Item name="title" label={t("opportunityDetail.docs.docTitle")} rules={[{ required: true, whitespace: true }]}>
            <Input maxLength={200} data-testid="doc-add-title" />
          </Form.Item>
          <Form.Item name="note" label={t("opportunityDetail.docs.note")}>
            <Input maxLength={500} />
          </Form.Item>
          <Form.Item
            label={t("opportunityDetail.docs.file")}
            required
            validateStatus={fileError && !file ? "error" : undefined}
            help={fileError && !file ? t("opportunityDetail.docs.fileRequired") : t("opportunityDetail.docs.fileHint")}
          >
            <Upload
              maxCount={1}
              fileList={fileList}
              beforeUpload={(f) => {
                setFile(f);
                setFileError(false);
                return false;
              }}
              onRemove={() => setFile(null)}
            >
              <Button icon={<UploadOutlined />} data-testid="doc-add-file">
                {t("opportunityDetail.docs.pick")}
              </Button>
            </Upload>
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
