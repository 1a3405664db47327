/**
 * Leads › bulk import (批量导入): upload a CSV/XLSX file, map its columns to lead fields, then
 * follow the import's progress; below, the caller's recent imports. `/leads/import` starts a new
 * one, `/leads/import/:id` shows one (its mapping step until started, then its progress).
 */
import { DownloadOutlined, InboxOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  Button,
  Card,
  Col,
  Empty,
  Form,
  Input,
  Progress,
  Result,
  Row,
  Select,
  Space,
  Spin,
  Statistic,
  Steps,
  Table,
  Tag,
  Typography,
  Upload,
  type TableColumnsType,
} from "antd";
import { useEffect, useMemo, useRef, useState, type HTMLAttributes } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { api, unwrap } from "../../api/client";
import { ApiError, isApiError } from "../../api/problem";
import { fetchChannels, keys } from "../../api/queries";
import type { ImportField, ImportStart, LeadImport, LeadImportStatus } from "../../api/types";
import type { paths } from "../../api/schema";
import { useCan } from "../../auth/context";
import { saveDownload } from "../../components/download";
import { fmtDateTime } from "../../components/format";
import { useApiError } from "../../components/useApiError";
import { useT, type Translate } from "../../i18n/context";
import { dictionaries, type MessageKey } from "../../i18n/messages";
import { retryUnlessClientError } from "../customers/customerQueries";
import {
  IMPORT_ACCEPT,
  checkMapping,
  idempotencyKeyFor,
  importStep,
  isActiveImport,
  isFinishedImport,
  mappingForStart,
  progressPercent,
  sampleValues,
  splitMappingErrors,
  uploadErrorText,
} from "./importHelpers";

type UploadBody = paths["/api/v1/imports"]["post"]["requestBody"]["content"]["multipart/form-data"];
type Format = "xlsx" | "csv";

const importKeys = {
  list: ["imports", "list"] as const,
  fields: ["imports", "fields"] as const,
  detail: (id: string) => ["imports", "detail", id] as const,
};

/** Upload statuses a refused file answers with: shown on the upload step rather than as a toast. */
const FILE_REFUSALS = new Set([400, 409, 413, 415, 422]);
const SKIP = "__skip__";

const STATUS_COLORS: Record<LeadImportStatus, string> = {
  uploaded: "default",
  queued: "blue",
  running: "processing",
  done: "success",
  failed: "error",
};

/** POST /imports: the file as multipart `file`, one Idempotency-Key per chosen file. */
async function uploadImport(file: File): Promise<LeadImport> {
  const form = new FormData();
  form.append("file", file, file.name);
  return unwrap(
    api.POST("/api/v1/imports", {
      body: form as unknown as UploadBody,
      headers: { "Idempotency-Key": idempotencyKeyFor(file) },
    }),
  );
}

function fetchImport(id: string): Promise<LeadImport> {
  return unwrap(api.GET("/api/v1/imports/{import_id}", { params: { path: { import_id: id } } }));
}

/** A lead field's name in the UI language (the server's Chinese label when there is no text for it). */
function fieldLabel(t: Translate, field: string, fallback?: string): string {
  const key = `import.field.${field}`;
  return key in dictionaries["zh-CN"] ? t(key as MessageKey) : (fallback ?? field);
}

export function ImportStatusTag({ status, testId = "import-status" }: { status: LeadImportStatus; testId?: string }) {
  const t = useT();
  return (
    <Tag color={STATUS_COLORS[status] ?? "default"} data-testid={testId} data-status={status}>
      {t(`import.status.${status}`)}
    </Tag>
  );
}

function TemplateLinks() {
  const t = useT();
  const report = useApiError();
  const [busy, setBusy] = useState<Format | null>(null);
  async function download(format: Format) {
    setBusy(format);
    try {
      await saveDownload(api.GET("/api/v1/imports/template", { params: { query: { format } }, parseAs: "blob" }), `lead-import-template.${format}`);
    } catch (e) {
      report(e);
    } finally {
      setBusy(null);
    }
  }
  return (
    <Space wrap>
      <Typography.Text type="secondary">{t("import.template")}</Typography.Text>
      <Button type="link" icon={<DownloadOutlined />} loading={busy === "xlsx"} onClick={() => void download("xlsx")} data-testid="import-template-xlsx">
        Excel (.xlsx)
      </Button>
      <Button type="link" icon={<DownloadOutlined />} loading={busy === "csv"} onClick={() => void download("csv")} data-testid="import-template-csv">
        CSV
      </Button>
    </Space>
  );
}

function UploadStep() {
  const t = useT();
  const report = useApiError();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const upload = useMutation({
    mutationFn: uploadImport,
    onMutate: () => setRefusal(null),
    onSuccess: (imp) => {
      qc.setQueryData(importKeys.detail(imp.id), imp);
      void qc.invalidateQueries({ queryKey: importKeys.list });
      navigate(`/leads/import/${imp.id}`, { state: { sameFileAs: imp.same_file_as ?? null } });
    },
    onError: (e) => {
      if (isApiError(e) && FILE_REFUSALS.has(e.status)) setRefusal(uploadErrorText(e.problem));
      else report(e);
    },
  });

  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Upload.Dragger
        accept={IMPORT_ACCEPT}
        multiple={false}
        showUploadList={false}
        disabled={upload.isPending}
        beforeUpload={(f) => {
          setFile(f);
          upload.mutate(f);
          return false;
        }}
        data-testid="import-upload"
      >
        <p className="ant-upload-drag-icon">
          <InboxOutlined />
        </p>
        <p className="ant-upload-text">{t("import.drop")}</p>
        <p className="ant-upload-hint">{t("import.dropHint")}</p>
      </Upload.Dragger>
      {file && (
        <Space wrap>
          <Typography.Text data-testid="import-file-name">{file.name}</Typography.Text>
          {upload.isPending ? (
            <Spin size="small" />
          ) : (
            upload.isError && (
              // the same selection again: the same Idempotency-Key, so at most one import
              <Button size="small" onClick={() => upload.mutate(file)} data-testid="import-retry">
                {t("import.retry")}
              </Button>
            )
          )}
        </Space>
      )}
      {refusal && (
        <Alert type="error" showIcon message={t("import.refused")} description={refusal} data-testid="import-upload-error" />
      )}
      <TemplateLinks />
    </Space>
  );
}

interface DefaultsValues {
  channel_id?: string;
  product?: string;
  campaign?: string;
}

interface MappingRow {
  index: number;
  header: string;
  samples: string[];
}

function MappingStep({ imp, sameFileAs }: { imp: LeadImport; sameFileAs: string | null }) {
  const t = useT();
  const can = useCan();
  const report = useApiError();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [form] = Form.useForm<DefaultsValues>();
  const [mapping, setMapping] = useState<Record<string, string | null>>(() =>
    Object.fromEntries(imp.headers.map((h) => [h, imp.mapping[h] ?? null])),
  );
  const [serverErrors, setServerErrors] = useState<string[]>([]);
  const fields = useQuery({
    queryKey: importKeys.fields,
    queryFn: () => unwrap(api.GET("/api/v1/imports/fields")),
    staleTime: Infinity,
  });
  const channels = useQuery({ queryKey: keys.channels, queryFn: fetchChannels, enabled: can("channel", "read"), staleTime: 60_000 });
  const fieldList: ImportField[] = useMemo(() => fields.data ?? [], [fields.data]);
  const labelOf = useMemo(() => new Map(fieldList.map((f) => [f.field, fieldLabel(t, f.field, f.label)])), [fieldList, t]);
  const check = checkMapping(mapping, fieldList);
  const duplicated = new Set(check.duplicated);

  const start = useMutation({
    mutationFn: (v: DefaultsValues) => {
      const body: ImportStart = { mapping: mappingForStart(imp.headers, mapping) };
      if (v.channel_id) body.channel_id = v.channel_id;
      if (v.product?.trim()) body.product = v.product.trim();
      if (v.campaign?.trim()) body.campaign = v.campaign.trim();
      return unwrap(api.POST("/api/v1/imports/{import_id}/start", { params: { path: { import_id: imp.id } }, body }));
    },
    onMutate: () => setServerErrors([]),
    onSuccess: (data) => {
      qc.setQueryData(importKeys.detail(imp.id), data);
      void qc.invalidateQueries({ queryKey: importKeys.list });
    },
    onError: (e) => {
      if (!isApiError(e)) return report(e);
      const { mapping: about, rest } = splitMappingErrors(e.problem);
      setServerErrors(about);
      if (rest) report(new ApiError(rest), { form });
      // started meanwhile (409): show where it is
      if (e.status === 409) void qc.invalidateQueries({ queryKey: importKeys.detail(imp.id) });
    },
  });

  const options = [
    { value: SKIP, label: t("import.skip") },
    ...fieldList.map((f) => ({ value: f.field, label: `${labelOf.get(f.field) ?? f.label}${f.required ? " *" : ""}` })),
  ];
  const rows: MappingRow[] = imp.headers.map((header, index) => ({ index, header, samples: sampleValues(imp.sample, index) }));
  const problems = [
    ...check.missing.map((f) => t("import.missingRequired", { field: labelOf.get(f) ?? fieldLabel(t, f) })),
    ...check.duplicated.map((f) => t("import.mappedTwice", { field: labelOf.get(f) ?? fieldLabel(t, f) })),
    ...serverErrors,
  ];

  const columns: TableColumnsType<MappingRow> = [
    { key: "header", title: t("import.column"), render: (_, r) => <Typography.Text strong>{r.header}</Typography.Text> },
    {
      key: "samples",
      title: t("import.samples"),
      render: (_, r) =>
        r.samples.length ? (
          <Space size={4} wrap data-testid="import-samples">
            {r.samples.map((v, i) => (
              <Tag key={i} style={{ maxWidth: 220, overflow: "hidden", textOverflow: "ellipsis" }} title={v}>
                {v}
              </Tag>
            ))}
          </Space>
        ) : (
          <Typography.Text type="secondary">—</Typography.Text>
        ),
    },
    {
      key: "field",
      title: t("import.target"),
      width: 240,
      render: (_, r) => {
        const value = mapping[r.header] ?? null;
        return (
          <Select
            style={{ width: 220 }}
            value={value ?? SKIP}
            loading={fields.isLoading}
            status={value && duplicated.has(value) ? "error" : undefined}
            options={options}
            showSearch
            optionFilterProp="label"
            onChange={(v: string) => setMapping((m) => ({ ...m, [r.header]: v === SKIP ? null : v }))}
            data-testid={`import-map-${r.index}`}
          />
        );
      },
    },
  ];

  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      {sameFileAs && (
        <Alert
          type="warning"
          showIcon
          data-testid="import-same-file"
          message={t("import.sameFile")}
          description={
            <Link to={`/leads/import/${sameFileAs}`} data-testid="import-same-file-link">
              {t("import.openEarlier")}
            </Link>
          }
        />
      )}
      <Typography.Text type="secondary" data-testid="import-file-info">
        {t("import.fileInfo", { name: imp.file_name, rows: imp.total, columns: imp.headers.length })}
        {imp.encoding ? ` · ${imp.encoding}` : ""}
      </Typography.Text>
      <Table<MappingRow>
        rowKey="index"
        size="small"
        columns={columns}
        dataSource={rows}
        pagination={false}
        data-testid="import-mapping"
        scroll={{ x: "max-content" }}
        onRow={(r) => ({ "data-testid": `import-map-row-${r.index}`, "data-header": r.header }) as HTMLAttributes<HTMLElement>}
      />
      {problems.length > 0 && (
        <Alert
          type="error"
          showIcon
          data-testid="import-mapping-errors"
          message={t("import.mappingProblems")}
          description={
            <ul style={{ margin: 0, paddingInlineStart: 20 }}>
              {problems.map((p, i) => (
                <li key={i}>{p}</li>
              ))}
            </ul>
          }
        />
      )}
      <Card size="small" title={t("import.defaults")}>
        <Typography.Paragraph type="secondary">{t("import.defaultsHint")}</Typography.Paragraph>
        <Form<DefaultsValues> form={form} layout="vertical" onFinish={(v) => start.mutate(v)}>
          <Row gutter={16}>
            {can("channel", "read") && (
              <Col xs={24} md={8}>
                <Form.Item name="channel_id" label={t("lead.channel")}>
                  <Select
                    allowClear
                    showSearch
                    optionFilterProp="label"
                    loading={channels.isLoading}
                    data-testid="import-default-channel"
                    options={(channels.data ?? []).filter((c) => c.is_active).map((c) => ({ value: c.id, label: c.name }))}
                  />
                </Form.Item>
              </Col>
            )}
            <Col xs={24} md={8}>
              <Form.Item name="product" label={t("lead.product")} rules={[{ max: 100 }]}>
                <Input maxLength={100} data-testid="import-default-product" />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="campaign" label={t("lead.campaign")} rules={[{ max: 100 }]}>
                <Input maxLength={100} data-testid="import-default-campaign" />
              </Form.Item>
            </Col>
          </Row>
          <Space>
            <Button type="primary" htmlType="submit" loading={start.isPending} disabled={!check.ok || fields.isLoading} data-testid="import-start">
              {t("import.start")}
            </Button>
            <Button onClick={() => navigate("/leads/import")} data-testid="import-restart">
              {t("import.chooseAnother")}
            </Button>
          </Space>
        </Form>
      </Card>
    </Space>
  );
}

function ProgressStep({ imp }: { imp: LeadImport }) {
  const t = useT();
  const report = useApiError();
  const navigate = useNavigate();
  const [busy, setBusy] = useState<Format | null>(null);
  const pct = progressPercent(imp);
  const finished = isFinishedImport(imp.status);

  async function downloadErrors(format: Format) {
    setBusy(format);
    try {
      await saveDownload(
        api.GET("/api/v1/imports/{import_id}/errors", { params: { path: { import_id: imp.id }, query: { format } }, parseAs: "blob" }),
        `lead-import-errors.${format}`,
      );
    } catch (e) {
      report(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Space wrap>
        <Typography.Text strong>{imp.file_name}</Typography.Text>
        <ImportStatusTag status={imp.status} />
        {isActiveImport(imp.status) && <Spin size="small" />}
      </Space>
      <Progress
        percent={pct}
        status={imp.status === "failed" ? "exception" : imp.status === "done" ? "success" : "active"}
        data-testid="import-progress"
        data-percent={pct}
      />
      <Typography.Text type="secondary" data-testid="import-processed">
        {t("import.processedOf", { processed: imp.processed, total: imp.total })}
      </Typography.Text>
      <Row gutter={16}>
        <Col xs={8}>
          <Statistic title={t("import.created")} value={imp.created} formatter={(v) => <span data-testid="import-created">{v}</span>} valueStyle={{ color: "#3f8600" }} />
        </Col>
        <Col xs={8}>
          <Statistic title={t("import.duplicates")} value={imp.duplicates} formatter={(v) => <span data-testid="import-duplicates">{v}</span>} valueStyle={{ color: "#d48806" }} />
        </Col>
        <Col xs={8}>
          <Statistic title={t("import.failed")} value={imp.failed} formatter={(v) => <span data-testid="import-failed">{v}</span>} valueStyle={imp.failed ? { color: "#cf1322" } : undefined} />
        </Col>
      </Row>
      {imp.status === "failed" && (
        <Alert type="error" showIcon message={t("import.failedWhole")} description={imp.error ?? ""} data-testid="import-error" />
      )}
      {finished && (
        <Space wrap>
          {imp.failed > 0 && (
            <>
              <Button icon={<DownloadOutlined />} loading={busy === "xlsx"} onClick={() => void downloadErrors("xlsx")} data-testid="import-errors-xlsx">
                {t("import.errorReport")} (Excel)
              </Button>
              <Button icon={<DownloadOutlined />} loading={busy === "csv"} onClick={() => void downloadErrors("csv")} data-testid="import-errors-csv">
                {t("import.errorReport")} (CSV)
              </Button>
            </>
          )}
          <Link to="/leads" data-testid="import-leads-link">
            {t("import.toLeads")}
          </Link>
          <Button type="primary" onClick={() => navigate("/leads/import")} data-testid="import-new">
            {t("import.another")}
          </Button>
        </Space>
      )}
    </Space>
  );
}

function ImportView({ id, sameFileAs }: { id: string; sameFileAs: string | null }) {
  const t = useT();
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: importKeys.detail(id),
    queryFn: () => fetchImport(id),
    retry: retryUnlessClientError,
    refetchInterval: (query) => (isActiveImport(query.state.data?.status) ? 1000 : false),
  });
  const status = q.data?.status;
  const previous = useRef(status);
  useEffect(() => {
    // the import has just ended: new leads in the list, new counters in the history
    if (previous.current && previous.current !== status && isFinishedImport(status)) {
      void qc.invalidateQueries({ queryKey: ["leads"] });
      void qc.invalidateQueries({ queryKey: importKeys.list });
    }
    previous.current = status;
  }, [status, qc]);

  if (q.isLoading) return <Spin style={{ display: "block", margin: "40px auto" }} />;
  if (q.isError || !q.data) {
    const notFound = isApiError(q.error) && q.error.status === 404;
    return <Result status={notFound ? "404" : "error"} title={notFound ? t("import.notFound") : q.error?.message} data-testid="import-load-error" />;
  }
  return importStep(q.data.status) === 1 ? <MappingStep key={id} imp={q.data} sameFileAs={sameFileAs} /> : <ProgressStep key={id} imp={q.data} />;
}

function RecentImports() {
  const t = useT();
  const list = useQuery({
    queryKey: importKeys.list,
    queryFn: () => unwrap(api.GET("/api/v1/imports", { params: { query: { limit: 20 } } })),
    refetchInterval: (query) => (query.state.data?.items.some((i) => isActiveImport(i.status)) ? 3000 : false),
  });
  const columns: TableColumnsType<LeadImport> = [
    {
      key: "file",
      title: t("import.file"),
      render: (_, r) => (
        <Link to={`/leads/import/${r.id}`} data-testid="import-history-link">
          {r.file_name}
        </Link>
      ),
    },
    { key: "status", title: t("common.status"), render: (_, r) => <ImportStatusTag status={r.status} testId="import-history-status" /> },
    { key: "total", title: t("import.total"), render: (_, r) => r.total },
    { key: "created", title: t("import.created"), render: (_, r) => r.created },
    { key: "duplicates", title: t("import.duplicates"), render: (_, r) => r.duplicates },
    { key: "failed", title: t("import.failed"), render: (_, r) => r.failed },
    { key: "created_at", title: t("common.createdAt"), render: (_, r) => fmtDateTime(r.created_at) },
  ];
  return (
    <Card title={t("import.recent")} size="small">
      <Table<LeadImport>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={list.data?.items ?? []}
        loading={list.isLoading}
        pagination={false}
        scroll={{ x: "max-content" }}
        data-testid="import-history"
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("import.none")} /> }}
        onRow={(r) => ({ "data-testid": `import-row-${r.id}`, "data-status": r.status }) as HTMLAttributes<HTMLElement>}
      />
    </Card>
  );
}

export function LeadImportPage() {
  const t = useT();
  const { id } = useParams();
  const location = useLocation();
  // the steps follow the import's status: this observer only reads what ImportView fetches
  const detail = useQuery({ queryKey: importKeys.detail(id ?? ""), queryFn: () => fetchImport(id ?? ""), enabled: false });
  const status = id ? detail.data?.status : undefined;
  const sameFileAs = (location.state as { sameFileAs?: string | null } | null)?.sameFileAs ?? null;
  const current = id ? importStep(status ?? "uploaded") : 0;

  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Card
        title={
          <Space>
            <Link to="/leads">{t("menu.leads")}</Link>/<span>{t("import.title")}</span>
          </Space>
        }
      >
        <Steps
          current={current}
          status={status === "failed" ? "error" : status === "done" ? "finish" : "process"}
          style={{ marginBottom: 24 }}
          data-testid="import-steps"
          items={[{ title: t("import.step.upload") }, { title: t("import.step.map") }, { title: t("import.step.progress") }]}
        />
        {id ? <ImportView id={id} sameFileAs={sameFileAs} /> : <UploadStep />}
      </Card>
      <RecentImports />
    </Space>
  );
}
