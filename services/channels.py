"""Outbound message channels for notifications: log (the default), e-mail (SMTP), SMS (an HTTP
gateway) and WeCom (企业微信 application messages). Pluggable: a channel is a class with
`address(recipient)` (where to send, or None when the user has no such address: the delivery
is skipped) and `send(...)`; `CHANNELS` maps the codes stored in `message_channels`.

Settings live in `message_channels.config` (admin API); secret fields are write-only.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, ClassVar, Protocol

import aiohttp

log = logging.getLogger("crm.notifications")

SECRET_FIELDS = frozenset({"password", "api_key", "corp_secret"})


class ChannelError(Exception):
    """A send failed; the delivery is retried (unless `permanent`)."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: str
    display_name: str
    email: str | None
    mobile: str | None
    wecom_user_id: str | None


@dataclass(frozen=True, slots=True)
class Message:
    kind: str
    title: str
    body: str | None
    link: str | None  # the SPA path of what it is about, when there is one

    def text(self) -> str:
        return "\n".join(part for part in (self.title, self.body, self.link) if part)


class Channel(Protocol):
    code: ClassVar[str]
    fields: ClassVar[dict[str, str]]  # config field → description (for the settings page)

    def address(self, recipient: Recipient) -> str | None: ...

    async def send(
        self, to: str, message: Message, config: dict[str, Any], http: aiohttp.ClientSession
    ) -> None: ...


class LogChannel:
    """Writes each notification to the worker's log: the default, and a record in development."""

    code: ClassVar[str] = "log"
    fields: ClassVar[dict[str, str]] = {}

    def address(self, recipient: Recipient) -> str | None:
        return recipient.user_id

    async def send(
        self, to: str, message: Message, config: dict[str, Any], http: aiohttp.ClientSession
    ) -> None:
        log.info("notification to user %s [%s]: %s", to, message.kind, message.text().replace("\n", " | "))


class EmailChannel:
    code: ClassVar[str] = "email"
    fields: ClassVar[dict[str, str]] = {
        "host": "SMTP server",
        "port": "SMTP port (465: SSL, 587: STARTTLS, 25: plain)",
        "username": "SMTP user (optional)",
        "password": "SMTP password (write-only)",
        "sender": "From address, e.g. CRM <crm@example.com>",
        "security": "ssl | starttls | none",
    }

    def address(self, recipient: Recipient) -> str | None:
        return recipient.email

    async def send(
        self, to: str, message: Message, config: dict[str, Any], http: aiohttp.ClientSession
    ) -> None:
        if not config.get("host") or not config.get("sender"):
            raise ChannelError("e-mail channel: host and sender are not configured", permanent=True)
        mail = EmailMessage()
        mail["From"] = config["sender"]
        mail["To"] = to
        mail["Subject"] = message.title
        mail.set_content(message.text())
        try:
            await asyncio.to_thread(_smtp_send, config, mail)
        except (OSError, smtplib.SMTPException) as exc:
            permanent = isinstance(exc, smtplib.SMTPRecipientsRefused)
            raise ChannelError(f"SMTP: {exc}", permanent=permanent) from exc


def _smtp_send(config: dict[str, Any], mail: EmailMessage) -> None:
    host, security = str(config["host"]), str(config.get("security") or "starttls")
    port = int(config.get("port") or (465 if security == "ssl" else 587 if security == "starttls" else 25))
    smtp: smtplib.SMTP
    if security == "ssl":
        smtp = smtplib.SMTP_SSL(host, port, timeout=15, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=15)
    with smtp:
        if security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if config.get("username"):
            smtp.login(str(config["username"]), str(config.get("password") or ""))
        smtp.send_message(mail)


class SmsChannel:
    """An HTTP SMS gateway: POST {mobile, sign, content} as JSON with a bearer key; any 2xx is
    success. Most Chinese providers sit behind such a relay (or adapt it in a subclass)."""

    code: ClassVar[str] = "sms"
    fields: ClassVar[dict[str, str]] = {
        "url": "gateway URL",
        "api_key": "bearer key (write-only)",
        "sign_name": "短信签名, e.g. 【某某科技】",
    }

    def address(self, recipient: Recipient) -> str | None:
        return recipient.mobile

    async def send(
        self, to: str, message: Message, config: dict[str, Any], http: aiohttp.ClientSession
    ) -> None:
        if not config.get("url"):
            raise ChannelError("SMS channel: the gateway URL is not configured", permanent=True)
        content = message.title if not message.body else f"{message.title}：{message.body}"
        headers = {"Authorization": f"Bearer {config['api_key']}"} if config.get("api_key") else {}
        try:
            async with http.post(
                str(config["url"]),
                json={"mobile": to, "sign": config.get("sign_name") or "", "content": content[:300]},
                headers=headers,
            ) as response:
                status, text = response.status, (await response.content.read(200)).decode("utf-8", "replace")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ChannelError(f"SMS gateway: {type(exc).__name__}: {exc}") from exc
        if not 200 <= status < 300:
            raise ChannelError(f"SMS gateway answered {status}: {text}")


class WeComChannel:
    """企业微信 application message (message/send, msgtype text) to the user's WeCom userid.
    The access token (gettoken) is cached until shortly before it expires, and fetched again
    when WeCom says it is invalid."""

    code: ClassVar[str] = "wecom"
    fields: ClassVar[dict[str, str]] = {
        "corp_id": "企业ID (corpid)",
        "corp_secret": "应用 Secret (write-only)",
        "agent_id": "应用 AgentId",
        "api_base": "API base URL (default https://qyapi.weixin.qq.com)",
    }
    _tokens: ClassVar[dict[tuple[str, str], tuple[str, float]]] = {}
    _EXPIRED: ClassVar[frozenset[int]] = frozenset({40014, 42001})

    def address(self, recipient: Recipient) -> str | None:
        return recipient.wecom_user_id

    async def send(
        self, to: str, message: Message, config: dict[str, Any], http: aiohttp.ClientSession
    ) -> None:
        for key in ("corp_id", "corp_secret", "agent_id"):
            if not config.get(key):
                raise ChannelError(f"WeCom channel: {key} is not configured", permanent=True)
        base = str(config.get("api_base") or "https://qyapi.weixin.qq.com").rstrip("/")
        for fresh in (False, True):
            token = await self._token(http, base, str(config["corp_id"]), str(config["corp_secret"]), fresh)
            body = {
                "touser": to,
                "msgtype": "text",
                "agentid": int(config["agent_id"]),
                "text": {"content": message.text()},
            }
            answer = await self._call(http, "POST", f"{base}/cgi-bin/message/send?access_token={token}", body)
            code = int(answer.get("errcode", 0))
            if code == 0:
                return
            if code not in self._EXPIRED or fresh:
                raise ChannelError(f"WeCom errcode {code}: {answer.get('errmsg', '')}")

    async def _token(
        self, http: aiohttp.ClientSession, base: str, corp: str, secret: str, fresh: bool
    ) -> str:
        cached = self._tokens.get((base, corp))
        if cached and not fresh and cached[1] > time.monotonic():
            return cached[0]
        answer = await self._call(
            http, "GET", f"{base}/cgi-bin/gettoken?corpid={corp}&corpsecret={secret}", None
        )
        if int(answer.get("errcode", 0)) != 0 or "access_token" not in answer:
            raise ChannelError(f"WeCom gettoken errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")
        ttl = int(answer.get("expires_in", 7200)) - 300
        self._tokens[(base, corp)] = (str(answer["access_token"]), time.monotonic() + ttl)
        return str(answer["access_token"])

    async def _call(self, http: aiohttp.ClientSession, method: str, url: str, body: Any) -> dict[str, Any]:
        try:
            async with http.request(method, url, json=body, raise_for_status=True) as response:
                answer: dict[str, Any] = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ChannelError(f"WeCom API: {type(exc).__name__}: {exc}") from exc
        return answer


CHANNELS: dict[str, Channel] = {
    c.code: c for c in (LogChannel(), EmailChannel(), SmsChannel(), WeComChannel())
}


def masked(config: dict[str, Any]) -> dict[str, Any]:
    """A channel's settings as the API shows them: secrets replaced by whether they are set."""
    return {k: ("********" if k in SECRET_FIELDS and v else v) for k, v in config.items()}


def merged(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """New settings: a secret sent back as "********" (what the page showed) keeps its value."""
    out = dict(current)
    for key, value in changes.items():
        if key in SECRET_FIELDS and value == "********":
            continue
        if value is None or value == "":
            out.pop(key, None)
        else:
            out[key] = value
    return out
