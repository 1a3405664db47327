"""Export of the filtered lead list (XLSX or CSV), within the caller's scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from repositories import leads as repo
from services.context import Actor
from services.spreadsheet import ExportFormat, spreadsheet

MAX_ROWS = 200_000
COLUMNS: list[tuple[str, str]] = [
    ("company_name", "公司 Company"),
    ("contact_name", "联系人 Contact"),
    ("title", "职位 Title"),
    ("mobile", "手机 Mobile"),
    ("email", "邮箱 Email"),
    ("province_code", "省 Province"),
    ("city_code", "市 City"),
    ("industry", "行业 Industry"),
    ("company_size", "规模 Size"),
    ("product", "意向产品 Product"),
    ("channel", "渠道 Channel"),
    ("campaign", "活动 Campaign"),
    ("status", "状态 Status"),
    ("invalid_reason", "无效原因 Invalid reason"),
    ("grade", "等级 Grade"),
    ("score", "分数 Score"),
    ("owner", "负责人 Owner"),
    ("duplicate_of_id", "重复于 Duplicate of"),
    ("customer_id", "客户 Customer"),
    ("created_at", "创建时间 Created"),
    ("id", "ID"),
]


async def export_leads(
    sessions: async_sessionmaker[AsyncSession], actor: Actor, filters: dict[str, Any], fmt: ExportFormat
) -> StreamingResponse:
    """Streams after the request's transaction has ended: rows come from a session of their own."""
    org = actor.access.org

    async def lines() -> AsyncIterator[list[Any]]:
        async with sessions() as session:
            channels = {c.id: c.name for c in await repo.channels(session)}
            async for lead in repo.stream(session, actor.scope, MAX_ROWS, **filters):
                owner = org.users.get(lead.owner_id) if lead.owner_id else None
                extra = {
                    "channel": channels.get(lead.channel_id) if lead.channel_id else None,
                    "owner": owner.display_name if owner else None,
                }
                yield [extra[k] if k in extra else getattr(lead, k) for k, _ in COLUMNS]

    return spreadsheet("leads", "线索 Leads", [label for _, label in COLUMNS], lines(), fmt)
