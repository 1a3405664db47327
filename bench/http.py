"""HTTP benchmark: the real app vs a bare FastAPI + asyncpg app, same uvicorn settings.

Both run as `uvicorn <factory> --factory --workers 1` on 127.0.0.1 (free ports) against the
bench database. Load: `wrk` (1 thread, N keep-alive connections) when installed, else an
in-process asyncio client on raw sockets. Each measurement gets a short warm-up; app and bare
runs alternate so background noise hits both alike.

- http.get:  GET /api/v1/customers/{id} as a rep who owns the ids (rotating over up to 1000);
             bare: GET /customers/{id} (SELECT by id).
- http.list: GET /api/v1/customers?limit=50 as the same rep;
             bare: GET /customers?owner_id=...&limit=50 (the same page SQL with owner/zone names).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.generate import ROOT
from bench.reads import RATIO_TARGET, pick_subjects

WARMUP_SECONDS = 2.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _start(name: str, target: str, env: dict[str, str], health: str) -> Server:
    port = free_port()
    log = Path(tempfile.gettempdir()) / f"crm-bench-{name}-{port}.log"
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
    server = Server(name, port, proc, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"{name} exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}"
            )
        try:
            with urllib.request.urlopen(server.base + health, timeout=1) as resp:
                if resp.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    _stop(server)
    raise RuntimeError(f"{name} did not become healthy: {log.read_text(errors='replace')[-2000:]}")


def _stop(server: Server) -> None:
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(10)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(5)


@contextlib.contextmanager
def _servers(db_url: str, redis_url: str | None, secret: str) -> Iterator[tuple[Server, Server]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update(
        {
            "DATABASE_URL": db_url,
            "CRM_JWT_SECRET": secret,
            "CRM_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    app = _start("app", "api.main:create_app", env, "/api/v1/health")
    try:
        bare = _start("bare", "bench.bare_app:create_app", env, "/health")
        try:
            yield app, bare
        finally:
            _stop(bare)
    finally:
        _stop(app)


def _probe(url: str, headers: dict[str, str]) -> tuple[int, str]:
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read(300).decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(300).decode(errors="replace")


# --- load generators --------------------------------------------------------------------------

_WRK_SCRIPT = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], headers)
end
done = function(summary, latency, requests)
  io.write(string.format(
    "WRKJSON {\\"requests\\":%%d,\\"duration_us\\":%%d,\\"p50_us\\":%%d,\\"p95_us\\":%%d,\\"p99_us\\":%%d," ..
    "\\"errors\\":%%d,\\"non_2xx\\":%%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""


def _lua_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wrk(
    base: str, paths: list[str], headers: dict[str, str], seconds: float, connections: int
) -> dict[str, Any]:
    script = _WRK_SCRIPT % {
        "paths": ", ".join(_lua_str(p) for p in paths),
        "headers": ", ".join(f"[{_lua_str(k)}] = {_lua_str(v)}" for k, v in headers.items()),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
        path = fh.name
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                path,
                base + paths[0],
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
    finally:
        os.unlink(path)
    line = next(ln for ln in out.splitlines() if ln.startswith("WRKJSON "))
    raw = json.loads(line[len("WRKJSON ") :])
    secs = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "seconds": secs,
        "rps": raw["requests"] / secs if secs else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": raw["errors"],
        "non_2xx": raw["non_2xx"],
    }


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One HTTP/1.1 response from a keep-alive connection: (status, body); Content-Length or
    chunked bodies."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, chunked = 0, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        lname = name.strip().lower()
        if lname == b"content-length":
            length = int(value)
        elif lname == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length)
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        parts.append((await reader.readexactly(size + 2))[:-2])
        if size == 0:
            return status, b"".join(parts)


async def _py_load(
    port: int, paths: list[str], headers: dict[str, str], seconds: float, connections: int
) -> dict[str, Any]:
    """Keep-alive HTTP/1.1 GETs over raw asyncio sockets (cheap client when wrk is missing)."""
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    requests = [f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode() for p in paths]
    latencies: list[int] = []
    counts = {"non_2xx": 0, "errors": 0}
    deadline = time.perf_counter() + seconds

    async def worker(k: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = k
        try:
            while time.perf_counter() < deadline:
                req = requests[i % len(requests)]
                i += connections
                t0 = time.perf_counter_ns()
                writer.write(req)
                status, _ = await read_response(reader)
                latencies.append(time.perf_counter_ns() - t0)
                if not 200 <= status < 300:
                    counts["non_2xx"] += 1
        except (ConnectionError, asyncio.IncompleteReadError):
            counts["errors"] += 1
        finally:
            writer.close()

    t = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(connections)))
    secs = time.perf_counter() - t
    lat = sorted(latencies)

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] / 1e6 if lat else 0.0

    return {
        "requests": len(lat),
        "seconds": secs,
        "rps": len(lat) / secs if secs else 0.0,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "mean_ms": statistics.fmean(lat) / 1e6 if lat else 0.0,
        **counts,
    }


async def _load(
    server: Server, paths: list[str], headers: dict[str, str], seconds: float, connections: int
) -> dict[str, Any]:
    if shutil.which("wrk"):
        result = await asyncio.to_thread(_wrk, server.base, paths, headers, seconds, connections)
        result["tool"] = "wrk"
    else:
        result = await _py_load(server.port, paths, headers, seconds, connections)
        result["tool"] = "python-asyncio"
    return result


# --- the benchmark ------------------------------------------------------------------------------


async def run_http(
    db_url: str,
    redis_url: str | None,
    selected: Callable[[str], bool] = lambda name: True,
    seconds: float = 10.0,
    connections: int = 32,
    log: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    from services.auth import TokenCodec

    subjects = await pick_subjects(db_url)
    secret = secrets.token_urlsafe(32)
    token = TokenCodec(secret, 120).issue(subjects.rep_id)
    auth = {"Authorization": f"Bearer {token}"}
    ids = [str(i) for i in subjects.rep_customer_ids[:1000]]
    cases = [
        (
            "http.get",
            "GET /api/v1/customers/{id} (rep, own scope, rotating ids)",
            [f"/api/v1/customers/{i}" for i in ids],
            [f"/customers/{i}" for i in ids],
        ),
        (
            "http.list",
            "GET /api/v1/customers?limit=50 (rep, own scope, first page)",
            ["/api/v1/customers?limit=50"],
            [f"/customers?owner_id={subjects.rep_id}&limit=50"],
        ),
    ]
    results: list[dict[str, Any]] = []
    with _servers(db_url, redis_url, secret) as (app, bare):
        for name, description, app_paths, bare_paths in cases:
            if not selected(name):
                continue
            status, body = await asyncio.to_thread(_probe, app.base + app_paths[0], auth)
            bare_status, bare_body = await asyncio.to_thread(_probe, bare.base + bare_paths[0], {})
            if status != 200 or bare_status != 200:
                which, code, text = (
                    ("app", status, body) if status != 200 else ("bare", bare_status, bare_body)
                )
                results.append(
                    {
                        "name": name,
                        "group": "http",
                        "description": description,
                        "error": f"{which}: {app_paths[0].split('?')[0]} answered {code}: {text[:200]}",
                    }
                )
                log(f"  {name:<20} not measurable: {which} answered {code}")
                continue
            await _load(app, app_paths, auth, WARMUP_SECONDS, connections)
            await _load(bare, bare_paths, {}, WARMUP_SECONDS, connections)
            half = seconds / 2
            a1 = await _load(app, app_paths, auth, half, connections)
            b1 = await _load(bare, bare_paths, {}, half, connections)
            b2 = await _load(bare, bare_paths, {}, half, connections)
            a2 = await _load(app, app_paths, auth, half, connections)
            app_r, bare_r = _merge(a1, a2), _merge(b1, b2)
            ratio = app_r["rps"] / bare_r["rps"] if bare_r["rps"] else 0.0
            result = {
                "name": name,
                "group": "http",
                "kind": "http",
                "description": description,
                "ops_s": app_r["rps"],
                "p50_ms": app_r["p50_ms"],
                "p95_ms": app_r["p95_ms"],
                "p99_ms": app_r["p99_ms"],
                "requests": app_r["requests"],
                "non_2xx": app_r["non_2xx"],
                "errors": app_r["errors"],
                "target_p95_ms": None,
                "pass": True,
                "bare": {
                    "ops_s": bare_r["rps"],
                    "p50_ms": bare_r["p50_ms"],
                    "p95_ms": bare_r["p95_ms"],
                    "p99_ms": bare_r["p99_ms"],
                    "requests": bare_r["requests"],
                    "non_2xx": bare_r["non_2xx"],
                },
                "ratio": ratio,
                "ratio_target": RATIO_TARGET,
                "ratio_pass": ratio >= RATIO_TARGET,
                "tool": app_r["tool"],
                "connections": connections,
                "seconds_each": seconds,
                "server": "uvicorn --workers 1 (uvloop, httptools)",
            }
            for side, r in (("app", app_r), ("bare", bare_r)):
                if r["non_2xx"] or r["errors"]:
                    result["error"] = f"{side}: {r['non_2xx']} non-2xx answers, {r['errors']} socket errors"
            results.append(result)
            log(
                f"  {name:<20} {result['ops_s']:8.0f} req/s  p50 {result['p50_ms']:6.2f} ms  "
                f"p95 {result['p95_ms']:6.2f} ms  bare {bare_r['rps']:8.0f} req/s  ratio {ratio:.2f}"
            )
    return results


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two halves of one measurement: summed counts; latency percentiles request-weighted."""
    n = a["requests"] + b["requests"]
    secs = a["seconds"] + b["seconds"]

    def w(key: str) -> float:
        return (a[key] * a["requests"] + b[key] * b["requests"]) / n if n else 0.0

    return {
        "requests": n,
        "seconds": secs,
        "rps": n / secs if secs else 0.0,
        "p50_ms": w("p50_ms"),
        "p95_ms": w("p95_ms"),
        "p99_ms": w("p99_ms"),
        "non_2xx": a["non_2xx"] + b["non_2xx"],
        "errors": a["errors"] + b["errors"],
        "tool": a["tool"],
    }
