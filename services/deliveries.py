"""The outbox drain (worker): fan events out to webhook subscriptions and notifications out to
message channels, then send what is due — concurrently, a bounded number per endpoint, so a
slow or failing endpoint never holds up the others — and write the outcomes back in batches.

State lives in PostgreSQL only: a lost Redis job or a killed worker loses nothing (the cron
sweep drains again; an unfinished send's lease runs out and it is retried). Each webhook
request carries the event id, so a receiver de-duplicates the rare repeat after a crash.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import events
from domain.webhooks import payload, retry_delay, sign
from repositories import deliveries as repo
from repositories import webhooks as webhooks_repo
from repositories.db import unit_of_work
from repositories.deliveries import MessageOutcome, WebhookOutcome
from services.channels import CHANNELS, ChannelError, Message, Recipient

log = logging.getLogger("worker.outbox")

USER_AGENT = "L2C-CRM-Webhooks/1.0"
TIMEOUT = aiohttp.ClientTimeout(total=10.0, connect=5.0)
LEASE_SECONDS = 120.0  # longer than any send can take (timeout 10 s + a slow batch write)
KICK_BUCKET_SECONDS = 0.5


@dataclass
class DrainStats:
    events: int = 0
    notifications: int = 0
    webhooks: Counter[str] = field(default_factory=Counter)  # outcome status → count
    messages: Counter[str] = field(default_factory=Counter)

    def summary(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "notifications": self.notifications,
            "webhooks": dict(self.webhooks),
            "messages": dict(self.messages),
        }


def http_client(max_connections: int = 256) -> aiohttp.ClientSession:
    """The worker's outbound HTTP client (aiohttp: about 20x the requests per CPU second of
    httpx here, which is what lets one worker send 1,000+ webhooks a second). Create it inside
    the running event loop."""
    return aiohttp.ClientSession(
        timeout=TIMEOUT,
        connector=aiohttp.TCPConnector(limit=max_connections, limit_per_host=0, ttl_dns_cache=300),
        headers={"User-Agent": USER_AGENT},
        auto_decompress=True,
    )


async def send_webhook(http: aiohttp.ClientSession, row: Any, now: datetime) -> WebhookOutcome:
    """POST one event to one endpoint; the outcome (delivered, retry later, or failed)."""
    body = payload(str(row.event_id), row.type, row.occurred_at.isoformat(), row.data)
    stamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        events.SIGNATURE_HEADER: sign(row.secret, stamp, body),
        events.TIMESTAMP_HEADER: str(stamp),
        events.EVENT_ID_HEADER: str(row.event_id),
        events.EVENT_TYPE_HEADER: row.type,
        events.DELIVERY_ID_HEADER: str(row.id),
    }
    started = time.perf_counter()
    code: int | None = None
    error: str | None = None
    text: str | None = None
    try:
        async with http.post(row.url, data=body, headers=headers, allow_redirects=False) as response:
            code = response.status
            text = (await response.content.read(1000)).decode("utf-8", "replace") or None
        if not 200 <= code < 300:
            error = f"HTTP {code}"
    except (aiohttp.ClientError, TimeoutError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    duration = int((time.perf_counter() - started) * 1000)
    at = datetime.now(UTC)
    if error is None:
        return WebhookOutcome(
            row.id, row.attempts, row.manual, at, "delivered", code, None, duration, text, None
        )
    wait = retry_delay(row.attempts)
    status, next_at = ("failed", None) if wait is None else ("pending", at + wait)
    return WebhookOutcome(row.id, row.attempts, row.manual, at, status, code, error, duration, text, next_at)


async def send_message(http: aiohttp.ClientSession, row: Any, config: dict[str, Any]) -> MessageOutcome:
    channel = CHANNELS[row.channel]
    recipient = Recipient(str(row.user_id), row.display_name, row.email, row.mobile, row.wecom_user_id)
    at = datetime.now(UTC)
    to = channel.address(recipient)
    if not to:
        return MessageOutcome(row.id, "skipped", f"the user has no {row.channel} address", at, None)
    link = f"/{row.entity}s/{row.entity_id}" if row.entity in {"customer", "lead"} and row.entity_id else None
    try:
        await channel.send(to, Message(row.kind, row.title, row.body, link), config, http)
    except ChannelError as exc:
        wait = None if exc.permanent else retry_delay(row.attempts)
        status, next_at = ("failed", None) if wait is None else ("pending", at + wait)
        return MessageOutcome(row.id, status, str(exc)[:500], at, next_at)
    return MessageOutcome(row.id, "delivered", None, at, None)


class OutboxDrain:
    """One drain pass: runs until nothing is due (or the time budget is spent)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        http: aiohttp.ClientSession,
        *,
        concurrency: int = 128,
        per_endpoint: int = 32,
        batch: int = 500,
    ) -> None:
        self.sessions = sessions
        self.http = http
        self.concurrency = concurrency
        self.per_endpoint = per_endpoint
        self.batch = batch
        self.stats = DrainStats()
        self._webhooks: list[WebhookOutcome] = []
        self._messages: list[MessageOutcome] = []
        self._in_flight: dict[asyncio.Task[Any], str] = {}  # task → endpoint (subscription or channel)
        self._per: Counter[str] = Counter()

    async def run(self, budget: float = 50.0) -> DrainStats:
        deadline = time.monotonic() + budget
        last_flush = time.monotonic()
        fan_out_due = 0.0  # when to look for new events again (at once while there are some)
        idle_rounds = 0
        try:
            while time.monotonic() < deadline:
                fanned = 0
                if time.monotonic() >= fan_out_due:
                    fanned = await self._fan_out()
                    fan_out_due = 0.0 if fanned else time.monotonic() + 0.25
                started = 0
                # lease in batches: when a quarter of the slots is free, or nothing is running
                if not self._in_flight or self.concurrency - len(self._in_flight) >= self.concurrency // 4:
                    started = await self._start_due()
                if not fanned and not started and not self._in_flight:
                    idle_rounds += 1
                    if idle_rounds >= 2:  # twice: a fan-out right before may have made work
                        break
                    fan_out_due = 0.0
                    continue
                idle_rounds = 0
                if self._in_flight:
                    done, _ = await asyncio.wait(
                        list(self._in_flight), timeout=0.05, return_when=asyncio.FIRST_COMPLETED
                    )
                    self._collect(done)
                if len(self._webhooks) + len(self._messages) >= 500 or time.monotonic() - last_flush > 0.5:
                    await self._flush()
                    last_flush = time.monotonic()
            if self._in_flight:  # the budget is spent: finish what was started
                done, _ = await asyncio.wait(list(self._in_flight))
                self._collect(done)
        finally:
            await self._flush()
        return self.stats

    async def _fan_out(self) -> int:
        async with unit_of_work(self.sessions) as session:
            events_n, notes_n = await repo.fan_out(session, self.batch)
        self.stats.events += events_n
        self.stats.notifications += notes_n
        return events_n + notes_n

    async def _start_due(self) -> int:
        free = self.concurrency - len(self._in_flight)
        if free <= 0:
            return 0
        busy_subs = [
            uuid.UUID(k[2:]) for k, n in self._per.items() if k.startswith("w:") and n >= self.per_endpoint
        ]
        busy_channels = [k[2:] for k, n in self._per.items() if k.startswith("m:") and n >= self.per_endpoint]
        async with unit_of_work(self.sessions) as session:
            hooks = await repo.lease_webhooks(
                session, min(free, self.batch), self.per_endpoint, busy_subs, LEASE_SECONDS
            )
            free -= len(hooks)
            notes = (
                await repo.lease_messages(session, min(free, self.batch), busy_channels, LEASE_SECONDS)
                if free > 0
                else []
            )
            configs = {c.code: c.config for c in await webhooks_repo.channels(session)} if notes else {}
        now = datetime.now(UTC)
        for row in hooks:
            self._spawn(send_webhook(self.http, row, now), f"w:{row.subscription_id}")
        for row in notes:
            self._spawn(send_message(self.http, row, configs.get(row.channel, {})), f"m:{row.channel}")
        return len(hooks) + len(notes)

    def _spawn(self, coro: Any, endpoint: str) -> None:
        task = asyncio.ensure_future(coro)
        self._in_flight[task] = endpoint
        self._per[endpoint] += 1

    def _collect(self, done: set[asyncio.Task[Any]]) -> None:
        for task in done:
            endpoint = self._in_flight.pop(task)
            self._per[endpoint] -= 1
            if self._per[endpoint] <= 0:
                del self._per[endpoint]
            if task.exception() is not None:  # a bug, not an endpoint's failure: the lease retries
                log.error("outbox send crashed", exc_info=task.exception())
                continue
            outcome = task.result()
            if isinstance(outcome, WebhookOutcome):
                self._webhooks.append(outcome)
                self.stats.webhooks[outcome.status] += 1
            else:
                self._messages.append(outcome)
                self.stats.messages[outcome.status] += 1

    async def _flush(self) -> None:
        if not self._webhooks and not self._messages:
            return
        hooks, self._webhooks = self._webhooks, []
        notes, self._messages = self._messages, []
        async with unit_of_work(self.sessions) as session:
            await repo.finish_webhooks(session, hooks)
            await repo.finish_messages(session, notes)


def next_bucket_wait(enqueued: float, now: float, bucket_seconds: float) -> float:
    """Seconds from `now` until the kick bucket of a job enqueued at `enqueued` ends (0 when it
    has ended): see worker.tasks.drain_outbox."""
    end = (enqueued // bucket_seconds + 1) * bucket_seconds
    return max(0.0, end - now)


def kick_job_id(now: float, bucket_seconds: float) -> str:
    return f"drain-outbox:{int(now // bucket_seconds)}"


async def kick_outbox(jobs: Any, bucket_seconds: float = KICK_BUCKET_SECONDS) -> None:
    """Queue a drain (an arq `ArqRedis`): kicks within one bucket share a job."""
    await jobs.enqueue_job("drain_outbox", _job_id=kick_job_id(time.time(), bucket_seconds))
