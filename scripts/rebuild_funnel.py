"""Recompute the funnel's running totals (opportunity_funnel_deltas) from the opportunities.

The triggers on `opportunities` keep them exact; a data-only restore with triggers disabled
(`pg_restore --disable-triggers`) or rows written with `session_replication_role = replica`
bypass them. Writers to opportunities wait while it runs (seconds at 500,000 opportunities).

    python -m scripts.rebuild_funnel
"""

from __future__ import annotations

import asyncio

from config import Settings
from repositories import pipeline_funnel
from repositories.db import make_engine, make_sessionmaker, unit_of_work


async def rebuild(settings: Settings) -> int:
    engine = make_engine(settings)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            return await pipeline_funnel.rebuild(session)
    finally:
        await engine.dispose()


def main() -> int:
    rows = asyncio.run(rebuild(Settings()))
    print(f"funnel totals rebuilt: {rows} groups")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
