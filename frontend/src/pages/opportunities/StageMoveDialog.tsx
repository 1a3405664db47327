/**
 * Moves an opportunity to a stage (POST /opportunities/{id}/stage). Won asks for the deal
 * (amount, signing date, contract number), lost for the reason (lost-reasons), the competitor
 * who won (found by name, or new) and a note. When the stage's exit criteria are unmet the
 * 422 lists exactly what is missing, grouped by stage, with a link to the opportunity to fix it.
 * Used by the kanban and the detail page.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, AutoComplete, Button, DatePicker, Form, Input, Modal, Select, Space, Typography } from "antd";
import dayjs from "dayjs";
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { useApiError } from "../../components/useApiError";
import { localLabel, useLang, useT } from "../../i18n/context";
import {
  amountRules,
  dateField,
  groupMissing,
  isStageCriteriaError,
  moveBody,
  type Missing,
  type MoveValues,
  type OpportunityDetail,
} from "./opportunityHelpers";
import { opportunityKeys, searchCompetitors, useLostReasons, useMoveStage } from "./opportunityQueries";

export interface StageMoveTarget {
  id: string;
  code: string;
  name: string;
  kind: string;
}

export interface StageMoveOpportunity {
  id: string;
  name: string;
  version?: number | null;
  amount?: string | null;
}

export interface StageMoveDialogProps {
  open: boolean;
  opportunity: StageMoveOpportunity | null;
  target: StageMoveTarget | null;
  /** The line's stages (code, name, position): names and orders the missing criteria. */
  stages: { code: string; name: string; position?: number }[];
  /** What a move already sent answered as missing (the dialog opens on them). */
  missing?: Missing[];
  /** Show the link to the opportunity next to the missing criteria (default true). */
  showOpenLink?: boolean;
  onClose: () => void;
  onMoved?: (opp: OpportunityDetail) => void;
}

function useDebounced<T>(value: T, ms = 300): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const h = setTimeout(() => setV(value), ms);
    return () => clearTimeout(h);
  }, [value, ms]);
  return v;
}

/** The unmet exit criteria, grouped by stage. */
export function MissingCriteria({
  missing,
  stages,
  opportunityId,
  showOpenLink = true,
}: {
  missing: Missing[];
  stages: StageMoveDialogProps["stages"];
  opportunityId?: string;
  showOpenLink?: boolean;
}) {
  const t = useT();
  const { lang } = useLang();
  const groups = groupMissing(missing, stages);
  return (
    <Alert
      type="error"
      showIcon
      style={{ marginBottom: 16 }}
      data-testid="stage-missing"
      message={t("opportunity.move.missingTitle")}
      description={
        <Space direction="vertical" style={{ width: "100%" }}>
          {groups.map((g) => (
            <div key={g.code} data-testid="stage-missing-group" data-stage={g.code}>
              <Typography.Text strong>{t("opportunity.move.missingStage", { stage: localLabel(g.name, lang) })}</Typography.Text>
              <ul style={{ margin: "4px 0 0", paddingInlineStart: 20 }}>
                {g.items.map((m) => (
                  <li key={`${m.kind}:${m.item}`} data-testid="stage-missing-item" data-kind={m.kind} data-item={m.item}>
                    {m.message}
                  </li>
                ))}
              </ul>
            </div>
          ))}
          {showOpenLink && opportunityId && (
            <Link to={`/opportunities/${opportunityId}`} data-testid="stage-missing-open">
              {t("opportunity.move.fix")}
            </Link>
          )}
        </Space>
      }
    />
  );
}

function MoveForm({ opportunity, target, stages, missing: initialMissing, showOpenLink, onClose, onMoved }: StageMoveDialogProps & { opportunity: StageMoveOpportunity; target: StageMoveTarget }) {
  const t = useT();
  const { lang } = useLang();
  const report = useApiError();
  const qc = useQueryClient();
  const [form] = Form.useForm<MoveValues>();
  const [missing, setMissing] = useState<Missing[]>(initialMissing ?? []);
  const [competitorQ, setCompetitorQ] = useState("");
  const dq = useDebounced(competitorQ.trim());
  const move = useMoveStage();
  const isLost = target.kind === "lost";
  const isWon = target.kind === "won";
  const reasons = useLostReasons(isLost);
  const competitors = useQuery({ queryKey: opportunityKeys.competitors(dq), queryFn: () => searchCompetitors(dq), enabled: isLost, staleTime: 30_000 });

  const submit = (values: MoveValues) => {
    move.mutate(
      { id: opportunity.id, version: opportunity.version, body: moveBody(target, values, competitors.data ?? []) },
      {
        onSuccess: (opp) => {
          onMoved?.(opp);
          onClose();
        },
        onError: (e) => {
          if (isStageCriteriaError(e)) setMissing(e.missing);
          else
            report(e, {
              form,
              aliases: { "lost.competitor_name": ["lost", "competitor"], "lost.competitor_id": ["lost", "competitor"] },
              onStale: () => void qc.invalidateQueries({ queryKey: opportunityKeys.all }),
            });
        },
      },
    );
  };

  return (
    <Form<MoveValues>
      form={form}
      layout="vertical"
      onFinish={submit}
      initialValues={isWon ? { won: { amount: opportunity.amount && /[1-9]/.test(opportunity.amount) ? opportunity.amount : undefined, signed_on: dayjs().format("YYYY-MM-DD") } } : {}}
      data-testid="stage-move-form"
    >
      <Typography.Paragraph type="secondary">
        {t("opportunity.move.what", { name: opportunity.name, stage: localLabel(target.name, lang) })}
      </Typography.Paragraph>
      {missing.length > 0 && <MissingCriteria missing={missing} stages={stages} opportunityId={opportunity.id} showOpenLink={showOpenLink} />}
      {isWon && (
        <>
          <Form.Item name={["won", "amount"]} label={t("opportunity.move.dealAmount")} rules={amountRules(t, true)}>
            <Input inputMode="decimal" data-testid="stage-move-amount" />
          </Form.Item>
          <Form.Item name={["won", "signed_on"]} label={t("opportunity.move.signedOn")} rules={[{ required: true }]} {...dateField}>
            <DatePicker style={{ width: "100%" }} data-testid="stage-move-signed-on" />
          </Form.Item>
          <Form.Item name={["won", "contract_number"]} label={t("opportunity.move.contractNumber")} rules={[{ max: 60 }]}>
            <Input data-testid="stage-move-contract" />
          </Form.Item>
        </>
      )}
      {isLost && (
        <>
          <Form.Item name={["lost", "reason"]} label={t("opportunity.move.reason")} rules={[{ required: true, message: t("opportunity.move.reasonRequired") }]}>
            <Select
              data-testid="stage-move-reason"
              loading={reasons.isLoading}
              options={(reasons.data ?? []).map((r) => ({ value: r.code, label: localLabel(r.name, lang) }))}
            />
          </Form.Item>
          <Form.Item name={["lost", "competitor"]} label={t("opportunity.move.competitor")} rules={[{ max: 200 }]}>
            <AutoComplete
              data-testid="stage-move-competitor"
              placeholder={t("opportunity.move.competitorSearch")}
              onSearch={setCompetitorQ}
              options={(competitors.data ?? []).map((c) => ({ value: c.name, label: c.name }))}
              allowClear
            />
          </Form.Item>
          <Form.Item name={["lost", "note"]} label={t("opportunity.move.note")} rules={[{ max: 1000 }]}>
            <Input.TextArea rows={2} data-testid="stage-move-note" />
          </Form.Item>
        </>
      )}
      {!isLost && (
        <Form.Item name="note" label={t("opportunity.move.note")} rules={[{ max: 1000 }]}>
          <Input.TextArea rows={2} data-testid="stage-move-note" />
        </Form.Item>
      )}
      <Space style={{ display: "flex", justifyContent: "flex-end" }}>
        <Button onClick={onClose} data-testid="stage-move-cancel">
          {t("common.cancel")}
        </Button>
        <Button type="primary" htmlType="submit" loading={move.isPending} data-testid="stage-move-confirm">
          {missing.length ? t("opportunity.move.retry") : t("opportunity.move.confirm")}
        </Button>
      </Space>
    </Form>
  );
}

export function StageMoveDialog(props: StageMoveDialogProps) {
  const t = useT();
  const { lang } = useLang();
  const { open, opportunity, target, onClose } = props;
  return (
    <Modal
      open={open && Boolean(opportunity && target)}
      title={target ? t("opportunity.move.title", { stage: localLabel(target.name, lang) }) : ""}
      onCancel={onClose}
      footer={null}
      destroyOnHidden
      width={560}
      data-testid="stage-move-dialog"
    >
      {opportunity && target && <MoveForm key={`${opportunity.id}:${target.id}`} {...props} opportunity={opportunity} target={target} />}
    </Modal>
  );
}
