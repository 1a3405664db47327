"""The catalogue of business events the outbox carries (webhook subscriptions pick from it).

Each event's `data` holds ids and the few fields a receiver needs to act without calling
back; the envelope adds `id` (de-duplicate on it), `type` and `occurred_at`.
"""

from __future__ import annotations

EVENT_TYPES: dict[str, str] = {
    "customer.claimed": "客户被领取 / a rep claimed a customer from the pool",
    "customer.released": "客户被释放到公海 / an owner released a customer to the pool",
    "customer.recycled": "客户被回收到公海 / a customer went back to the pool by a recycle rule",
    "customer.allocated": "公海客户被分配 / a manager allocated pool customers to a rep",
    "customer.transferred": "客户被转移 / a manager moved a rep's customers to another rep",
    "customer.recycle_reminder": "客户即将回收 / a customer goes back to the pool within the notice days",
    "customer.level_change_requested": "客户等级变更申请 / a level change was requested",
    "customer.level_change_decided": "客户等级变更审批结果 / a level change was approved or rejected",
    "approval.submitted": "审批提交 / an approval request was submitted",
    "approval.pending": "待审批 / a step waits for its approvers (approver_ids)",
    "approval.approved": "审批通过 / a request was finally approved and its change applied",
    "approval.rejected": "审批驳回 / a request was rejected",
    "approval.withdrawn": "审批撤回 / the applicant withdrew a request",
    "lead.created": "新线索 / a lead came in (API, form or import)",
    "lead.assigned": "线索分配 / a lead was assigned to an owner",
    "lead.converted": "线索转化 / a lead was converted to a customer",
    "business_line.changed": "业务线或阶段变更 / an admin created, edited or deleted a business line or its stages",
    "opportunity.member_added": "商机团队新成员 / a colleague was added to an opportunity team",
    "opportunity.created": "新商机 / an opportunity was created (manually, from a lead or a registration)",
    "opportunity.updated": "商机修改 / an opportunity's fields changed",
    "opportunity.stage_changed": "商机阶段推进 / an opportunity moved to another open stage",
    "opportunity.won": "赢单 / an opportunity was won (deal amount, signing date)",
    "opportunity.lost": "输单 / an opportunity was lost (reason, the competitor who won)",
    "opportunity.reassigned": "商机转派 / an opportunity changed owner",
    "opportunity.registered": "商机报备 / a registration was routed, queued or flagged as a conflict",
    "opportunity.conflict_resolved": "报备冲突处理 / a manager decided a registration conflict",
    "opportunity.special_decided": "特殊商机审批结果 / a special opportunity was approved or not",
    "sample.decided": "送样审批结果 / a sample or POC request was approved or not",
    "opportunity.document_added": "商机方案文档上传 / a document or a new version of one was uploaded to an opportunity",
    "webhook.ping": "测试推送 / a test delivery sent from the webhook settings",
}

# what a subscription may ask for ("*": everything); a ping goes only to the endpoint tested
SUBSCRIBABLE: tuple[str, ...] = tuple(t for t in EVENT_TYPES if t != "webhook.ping")

# webhook payloads: POST, JSON body {"id", "type", "occurred_at", "data"}; headers below
SIGNATURE_HEADER = "X-CRM-Signature"  # "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f'{t}.{body}')>"
EVENT_ID_HEADER = "X-CRM-Event-Id"
EVENT_TYPE_HEADER = "X-CRM-Event-Type"
DELIVERY_ID_HEADER = "X-CRM-Delivery-Id"
TIMESTAMP_HEADER = "X-CRM-Timestamp"
