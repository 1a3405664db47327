"""python -m bench [--scale 0.01] [--database-url URL] [--only name,...] [--regenerate]"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench import generate as gen
from bench import report

GROUPS = (
    "lookup",
    "list",
    "search",
    "filter",
    "http",
    "ingest",
    "claim",
    "recycle",
    "import",
    "outbox",
    "approvals",
)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--scale", type=float, default=0.01, help="fraction of PRODUCT.md's reference data set")
    p.add_argument(
        "--database-url",
        help="PostgreSQL server to use (default: DATABASE_URL, else "
        "127.0.0.1:5432, else the embedded pgserver); the database name is --database",
    )
    p.add_argument("--database", default=gen.DEFAULT_DATABASE, help="bench database name (default crm_bench)")
    p.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    p.add_argument(
        "--only",
        help=f"comma-separated benchmark names or groups ({', '.join(GROUPS)}), e.g. lookup.detail,http",
    )
    p.add_argument("--regenerate", action="store_true", help="rebuild the data set even if present")
    p.add_argument("--generate-only", action="store_true", help="build the data set, run no benchmark")
    p.add_argument(
        "--iterations",
        type=int,
        help="measured iterations per read benchmark (default 3000 lookups, 600 lists)",
    )
    p.add_argument("--max-seconds", type=float, default=8.0, help="time cap per read benchmark side")
    p.add_argument("--http-seconds", type=float, default=10.0, help="load duration per HTTP run")
    p.add_argument("--connections", type=int, default=32, help="HTTP keep-alive connections")
    p.add_argument(
        "--profile",
        action="store_true",
        help="py-spy the app during the ingest run (top functions into results.json)",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    p.add_argument(
        "--output", type=Path, default=report.RESULTS, help="results file (default bench/results.json)"
    )
    return p.parse_args(argv)


def _selector(only: str | None) -> Any:
    if not only:
        return lambda name: True
    wanted = {w.strip() for w in only.split(",") if w.strip()}
    return lambda name: name in wanted or name.split(".", 1)[0] in wanted


async def _main(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    selected = _selector(args.only)
    generation = await gen.generate(args.scale, args.database_url, args.database, args.regenerate)
    url = generation.database_url
    print(
        "counts: "
        + ", ".join(
            f"{k} {v:,}"
            for k, v in sorted(generation.counts.items(), key=lambda kv: gen.TABLE_ORDER.index(kv[0]))
        )
        + " (opportunities, contracts: not generated, tables do not exist yet)"
    )
    if generation.estimate_full_scale_seconds:
        print(
            f"generation: {generation.seconds.get('total', 0):.1f}s at scale {generation.scale}; "
            f"estimated at scale 1.0: ~{generation.estimate_full_scale_seconds / 60:.1f} min linear, "
            f"~{generation.estimate_full_scale_seconds * gen.FULL_SCALE_DRAG / 60:.1f} min with index growth"
        )
    if args.generate_only:
        return 0
    machine = await report.machine_info(url)
    results: list[dict[str, Any]] = []

    from bench.reads import run_reads

    print(f"read benchmarks (sequential, repo vs bare asyncpg), scale {args.scale}:")
    subjects, reads = await run_reads(url, args.redis_url, selected, args.iterations, args.max_seconds)
    results += reads

    if any(selected(n) for n in ("http.get", "http.list")):
        from bench.http import run_http

        print(
            f"HTTP benchmarks (uvicorn 1 worker, {args.connections} connections, {args.http_seconds:g}s each):"
        )
        results += await run_http(url, args.redis_url, selected, args.http_seconds, args.connections)

    if selected("ingest.leads"):
        from bench.ingest import run_ingest

        print(
            f"ingest benchmark (uvicorn 1 worker, {args.connections} connections, {args.http_seconds:g}s, "
            "POST /api/v1/leads):"
        )
        profile = _py_spy if args.profile else None
        results += await run_ingest(url, args.redis_url, args.http_seconds, args.connections, profile=profile)

    if selected("claim.customers"):
        from bench.claim import run_claim_bench

        print(
            f"claim benchmark (uvicorn 1 worker, {args.connections} concurrent claimers, {args.http_seconds:g}s, "
            "POST /api/v1/customers/{id}/claim; throwaway pool customers, deleted afterwards):"
        )
        results += await run_claim_bench(url, args.redis_url, args.http_seconds, args.connections)

    if selected("recycle.customers"):
        from bench.recycle import run_recycle_bench

        print("recycling benchmark (the nightly customer recycling, rolled back afterwards):")
        results += await run_recycle_bench(url)

    if selected("outbox.webhooks"):
        from bench.outbox import run_outbox_bench

        print("outbox benchmark (20,000 events drained to a local webhook receiver; removed afterwards):")
        results += await run_outbox_bench(url)

    if selected("import.leads"):
        from bench.imports import run_import_bench

        print("import benchmark (100,000-row CSV, upload through the API, the worker's import task):")
        results += await run_import_bench(url, args.redis_url)

    if selected("approvals.inbox"):
        from bench.approvals import REQUESTS, run_inbox_bench

        print(
            f"approval inbox benchmark ({REQUESTS:,} requests, generated once; uvicorn 1 worker; per case "
            f"sequential, then {args.connections} connections, {args.http_seconds:g}s):"
        )
        results += await run_inbox_bench(url, args.redis_url, args.http_seconds, args.connections)

    if selected("approvals.notify"):
        from bench.approvals import run_notify_bench

        print(
            "approval notification benchmark (submit → the approver's SMS at a local gateway, through the app "
            "and an arq worker process; the requests are deleted afterwards):"
        )
        results += await run_notify_bench(url, args.redis_url)

    print()
    print(report.table(results))
    for r in results:
        if r.get("plan"):
            print(f"\n{r['name']} missed its target; plan ({r.get('description', '')}):\n{r['plan']}")
        if r.get("error"):
            print(f"\n{r['name']}: {r['error']}")
    path = report.write(
        {
            "machine": machine,
            "scale": args.scale,
            "database": gen._redact(url),
            "generation": generation.as_dict(),
            "subjects": subjects,
            "results": results,
            "seconds": round(time.perf_counter() - started, 1),
        },
        args.output,
    )
    print(f"\nwrote {path}")
    missed = [
        r["name"]
        for r in results
        if r.get("error") or not (r.get("pass", True) and r.get("ratio_pass", True))
    ]
    if missed:
        print("missed: " + ", ".join(missed))
    return 1 if args.strict and missed else 0


async def _py_spy(pid: int, seconds: float) -> dict[str, Any] | None:
    """py-spy record (raw, non-blocking) for most of the run: inclusive / self sample shares."""
    spy = Path(sys.executable).with_name("py-spy")
    if not spy.exists():
        return None
    out = Path(f"/tmp/crm-bench-ingest-{pid}.txt")
    duration = max(1, int(seconds) - 2)
    await asyncio.sleep(1)
    proc = await asyncio.create_subprocess_exec(
        str(spy),
        "record",
        "-p",
        str(pid),
        "-d",
        str(duration),
        "-f",
        "raw",
        "-o",
        str(out),
        "--nonblocking",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await proc.wait()
    return await asyncio.to_thread(_summarise_raw, out)


def _summarise_raw(out: Path) -> dict[str, Any] | None:
    if not out.exists():
        return None
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in out.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + n
        own[frames[-1]] = own.get(frames[-1], 0) + n

    def top(d: dict[str, int], k: int) -> list[tuple[str, float]]:
        return [(f, round(n / total, 3)) for f, n in sorted(d.items(), key=lambda kv: -kv[1])[:k]]

    return {"samples": total, "raw": str(out), "self": top(own, 25), "inclusive": top(inclusive, 60)}


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
