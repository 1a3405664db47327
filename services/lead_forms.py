"""Web forms and landing pages (官网表单): public lead capture per form key.

A form names its channel and the origins allowed to post from a browser (CORS). Posts are
rate-limited per IP and form; a filled honeypot field is accepted and silently dropped (bots
learn nothing). Every answer is the same 202, so a form reveals nothing about de-duplication,
grading or who got the lead.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import FieldError, NotFound, PermissionDenied, TooManyAttempts, check_version
from domain.scope import DataScope, ScopeLevel
from repositories import leads as leads_repo
from repositories.models import LeadForm
from services.authz import AccessControl, Principal
from services.context import Actor
from services.leads import LeadService
from services.rate_limit import RateLimiter

FORM_POSTS_PER_MINUTE = 20  # per IP and form


def form_principal(form: LeadForm) -> Principal:
    """Leads from a public form have no user behind them."""
    return Principal(uuid.UUID(int=0), form.name, f"form:{form.key}", kind="public_form")


class LeadFormService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, data: dict[str, Any]) -> LeadForm:
        await self._check_channel(data.get("channel_id"))
        form = LeadForm(**data, key=secrets.token_urlsafe(12))
        self.session.add(form)
        await self.session.flush()
        return form

    async def update(self, form_id: uuid.UUID, data: dict[str, Any], expected: int | None) -> LeadForm:
        form = await leads_repo.get_form(self.session, form_id)
        if form is None:
            raise NotFound("lead form", form_id)
        check_version(form.version, expected)
        if "channel_id" in data:
            await self._check_channel(data["channel_id"])
        for key, value in data.items():
            setattr(form, key, value)
        await self.session.flush()
        return form

    async def _check_channel(self, channel_id: uuid.UUID | None) -> None:
        if channel_id is None or await leads_repo.get_channel(self.session, channel_id) is None:
            raise FieldError("channel_id", "no such channel")

    async def active_form(self, key: str) -> LeadForm:
        form = await leads_repo.form_by_key(self.session, key)
        if form is None or not form.is_active:
            raise NotFound("form", key)
        return form

    @staticmethod
    def check_origin(form: LeadForm, origin: str | None) -> None:
        """Browsers send Origin; a post from a page the form does not list is refused.
        Server-to-server posts (no Origin) are allowed."""
        if origin is not None and origin not in form.allowed_origins:
            raise PermissionDenied("this form does not accept posts from that origin")

    async def submit(
        self, form: LeadForm, data: dict[str, Any], ip: str, limiter: RateLimiter, access: AccessControl
    ) -> None:
        retry_after = await limiter.hit(FORM_POSTS_PER_MINUTE, "form", form.key, ip)
        if retry_after is not None:
            raise TooManyAttempts(retry_after)
        if data.pop("website", None):  # the honeypot: humans never see that field
            return
        data.setdefault("product", form.product)
        data["channel_id"] = form.channel_id
        actor = Actor(form_principal(form), DataScope(ScopeLevel.NONE, None), access)
        await LeadService(self.session, actor).capture(data)
