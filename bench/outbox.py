"""Outbox delivery throughput (target: ≥ 1,000 events/s delivered to a local receiver).

- A receiver (uvicorn, its own process, answering 200 to every POST) stands in for an
  integrator's endpoint; one webhook subscription takes every event type.
- EVENTS `customer.claimed` events are written to the outbox in one statement (as a burst of
  business transactions would leave them), then the worker's drain (`OutboxDrain`, the same
  code the arq task runs, with the worker's default concurrency) fans them out, signs and POSTs
  each, and records every outcome and attempt. Measured: first fan-out to last outcome
  written; events/s = events delivered / seconds. The receiver's own count must match.
- Afterwards the subscription (its deliveries and attempts cascade) and the events are deleted.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench import generate as gen

TARGET_EVENTS_S = 1000.0
EVENTS = 20_000
MARK = "bench:outbox"

RECEIVER = """
COUNT = [0]
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    COUNT[0] += 1
    body = str(COUNT[0]).encode() if scope["path"] == "/count" else b"ok"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _start_receiver(port: int) -> asyncio.subprocess.Process:
    module_dir = Path("/tmp/crm-bench-outbox")
    module_dir.mkdir(exist_ok=True)  # noqa: ASYNC240 (once, before the run)
    (module_dir / "bench_receiver.py").write_text(RECEIVER, encoding="utf-8")  # noqa: ASYNC240
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "uvicorn",
        "bench_receiver:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        cwd=module_dir,
    )
    for _ in range(200):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return proc
        except OSError:
            await asyncio.sleep(0.05)
    proc.kill()
    raise RuntimeError("the receiver did not start")


async def run_outbox_bench(db_url: str, events: int = EVENTS, log: Any = print) -> list[dict[str, Any]]:
    import aiohttp
    from sqlalchemy import delete, text

    from config import Settings
    from repositories.db import make_engine, make_sessionmaker, unit_of_work
    from repositories.models import OutboxEvent, WebhookSubscription
    from services.deliveries import OutboxDrain, http_client

    await asyncio.to_thread(gen.migrate, db_url)
    settings = Settings(database_url=db_url)
    engine = make_engine(settings)
    sessions = make_sessionmaker(engine)
    port = _free_port()
    receiver = await _start_receiver(port)
    subscription_id = uuid.uuid4()
    try:
        async with unit_of_work(sessions) as session:
            # nothing else pending may be counted: leftovers of an interrupted run go first
            await session.execute(delete(OutboxEvent).where(OutboxEvent.entity_id == MARK))
            await session.execute(
                text("UPDATE outbox_events SET dispatched_at = now() WHERE dispatched_at IS NULL")
            )
            session.add(
                WebhookSubscription(
                    id=subscription_id,
                    name=f"{MARK} {subscription_id}",
                    url=f"http://127.0.0.1:{port}/hook",
                    secret="whsec_bench",
                    event_types=["*"],
                )
            )
            await session.execute(
                text(
                    """
INSERT INTO outbox_events (id, type, entity, entity_id, data)
SELECT gen_random_uuid(), 'customer.claimed', 'customer', :mark,
       jsonb_build_object('customer_id', gen_random_uuid(), 'name', '上海某某科技有限公司 ' || g,
                          'owner_id', gen_random_uuid(), 'pool_id', gen_random_uuid())
FROM generate_series(1, :n) g
"""
                ),
                {"mark": MARK, "n": events},
            )
        async with http_client(settings.outbox_concurrency) as http:
            drain = OutboxDrain(
                sessions,
                http,
                concurrency=settings.outbox_concurrency,
                per_endpoint=settings.outbox_concurrency,
            )
            started = time.perf_counter()
            stats = await drain.run(budget=600.0)
            seconds = time.perf_counter() - started
        async with aiohttp.ClientSession() as client, client.get(f"http://127.0.0.1:{port}/count") as answer:
            received = int(await answer.text()) - 1
    finally:
        receiver.terminate()
        await receiver.wait()
        async with unit_of_work(sessions) as session:
            await session.execute(
                delete(WebhookSubscription).where(WebhookSubscription.id == subscription_id)
            )
            await session.execute(delete(OutboxEvent).where(OutboxEvent.entity_id == MARK))
        await engine.dispose()
    delivered = stats.webhooks.get("delivered", 0)
    rate = delivered / seconds if seconds else 0.0
    result = {
        "name": "outbox.webhooks",
        "group": "outbox",
        "kind": "throughput",
        "description": (
            f"{events:,} outbox events fanned out, signed, POSTed to a local receiver and recorded "
            f"(concurrency {settings.outbox_concurrency}, one worker process)"
        ),
        "seconds": round(seconds, 2),
        "events": events,
        "delivered": delivered,
        "received": received,
        "ops_s": rate,
        "target_ops_s": TARGET_EVENTS_S,
        "pass": rate >= TARGET_EVENTS_S and delivered == events == received,
    }
    log(
        f"  outbox.webhooks      {rate:8.0f} events/s  ({delivered:,} delivered of {events:,} in {seconds:.1f} s, "
        f"receiver counted {received:,}; target ≥ {TARGET_EVENTS_S:.0f}/s)"
    )
    return [result]
