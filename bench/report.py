"""The printed table and bench/results.json."""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench.generate import plain_url

RESULTS = Path(__file__).resolve().parent / "results.json"


async def machine_info(url: str) -> dict[str, Any]:
    conn = await asyncpg.connect(plain_url(url))
    try:
        pg_version = await conn.fetchval("SHOW server_version")
        settings = {
            name: await conn.fetchval(f"SHOW {name}")
            for name in (
                "shared_buffers",
                "work_mem",
                "effective_cache_size",
                "random_page_cost",
                "max_connections",
            )
        }
        db_size = await conn.fetchval("SELECT pg_size_pretty(pg_database_size(current_database()))")
    finally:
        await conn.close()
    try:
        load = os.getloadavg()
    except OSError:
        load = (0.0, 0.0, 0.0)
    mem_total = None
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        mem_total = round(pages * page_size / 1024**3, 1)
    except (ValueError, OSError):
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gb": mem_total,
        "load_average_at_start": [round(x, 2) for x in load],
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "postgresql": pg_version,
        "postgresql_settings": settings,
        "database_size": db_size,
    }


def _f(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def table(results: list[dict[str, Any]]) -> str:
    head = ("name", "ops/s", "p50 ms", "p95 ms", "target", "pass", "bare ops/s", "ratio", "≥0.5")
    lines = []
    for r in results:
        if r.get("error"):
            lines.append((r["name"], "-", "-", "-", "-", "ERROR", "-", "-", "-"))
            continue
        target = r.get("target_p95_ms")
        rate_target = r.get("target_ops_s")
        if rate_target:
            target_text = f"≥{rate_target:g}/s"
        else:
            target_text = f"p95≤{target:g}" if target else "-"
        has_ratio = "ratio" in r
        lines.append(
            (
                r["name"],
                _f(r.get("ops_s"), 0),
                _f(r.get("p50_ms"), 2),
                _f(r.get("p95_ms"), 2),
                target_text,
                ("ok" if r.get("pass") else "FAIL") if (target or rate_target) else "-",
                _f(r.get("bare", {}).get("ops_s"), 0),
                _f(r.get("ratio"), 2),
                ("ok" if r.get("ratio_pass") else "FAIL") if has_ratio else "-",
            )
        )
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines, strict=False)]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    out = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*map(str, line)) for line in lines]
    return "\n".join(out)


def write(payload: dict[str, Any], path: Path = RESULTS) -> Path:
    payload = {"timestamp": datetime.now(UTC).isoformat(timespec="seconds"), **payload}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return path
