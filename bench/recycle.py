"""Nightly customer recycling over the whole data set (target: 1,000,000 customers ≤ 10 s).
The run is the service's own, in a transaction that is rolled back afterwards, so the data set
stays as generated and the benchmark can be repeated."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench import generate as gen

TARGET_SECONDS = 10.0


async def run_recycle_bench(db_url: str, log: Any = print) -> list[dict[str, Any]]:
    from sqlalchemy import func, select

    from config import Settings
    from repositories.db import make_engine, make_sessionmaker
    from repositories.models import Customer
    from services.customer_recycling import CustomerRecyclingService

    await asyncio.to_thread(gen.migrate, db_url)
    engine = make_engine(Settings(database_url=db_url))
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session:
            total = int(await session.scalar(select(func.count()).select_from(Customer)) or 0)
            owned = int(await session.scalar(select(func.count()).where(Customer.owner_id.is_not(None))) or 0)
            started = time.perf_counter()
            run = await CustomerRecyclingService(session).run()
            await session.flush()
            seconds = time.perf_counter() - started
            await session.rollback()  # keep the data set as generated
    finally:
        await engine.dispose()
    result = {
        "name": "recycle.customers",
        "group": "recycle",
        "kind": "batch",
        "description": f"nightly recycling over {total:,} customers ({owned:,} owned): one set-based statement",
        "seconds": round(seconds, 2),
        "recycled": run.count,
        "reminded": run.reminded,
        "customers": total,
        "ops_s": total / seconds if seconds else 0.0,
        "target_ops_s": total / TARGET_SECONDS if total else None,
        "pass": seconds <= TARGET_SECONDS,
    }
    log(
        f"  recycle.customers    {seconds:6.2f} s over {total:,} customers ({owned:,} owned): "
        f"{run.count:,} recycled, {run.reminded:,} reminders  (target ≤ {TARGET_SECONDS:.0f} s at 1,000,000)"
    )
    return [result]
