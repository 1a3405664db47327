"""Run the whole application on one machine: `make run` (or `.venv/bin/python -m scripts.run`).

    python -m scripts.run [serve] [--host H] [--port P] [--workers N] [--no-worker]
    python -m scripts.run migrate          # alembic upgrade head on the resolved database
    python -m scripts.run env              # print `export DATABASE_URL=... REDIS_URL=...`
    python -m scripts.run e2e [--port P] -- CMD ...
                                           # fresh crm_e2e database, app on 127.0.0.1:P,
                                           # run CMD with BASE_URL/ADMIN_PASSWORD, stop the app

`serve` resolves PostgreSQL and Redis (DATABASE_URL / REDIS_URL, else embedded servers under
./.data, see scripts/embedded.py), creates the database if missing, runs the migrations,
creates the administrator on first start (scripts/bootstrap.py), loads demo data when
CRM_DEMO=1 (scripts/demo.py), then runs uvicorn (api.main:create_app) and the arq worker as
child processes. Ctrl-C or SIGTERM stops both; if either dies the other is stopped too.

Environment: CRM_HOST (127.0.0.1), CRM_PORT (8000), CRM_WORKERS (1 uvicorn worker process).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scripts.embedded import (
    ROOT,
    embedded_postgres,
    resolve_database_url,
    resolve_redis_url,
    with_database,
)

# pgserver imports platformdirs, which warns when XDG_RUNTIME_DIR is unset (containers, CI)
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

E2E_DATABASE = "crm_e2e"
E2E_REDIS_DB = 14  # the tests use 15
E2E_ADMIN_PASSWORD = "E2e-Admin-Passw0rd!"


def say(message: str) -> None:
    print(f"[run] {message}", flush=True)


# --- resolving and preparing the servers ------------------------------------------------------


def redis_with_db(url: str, db: int) -> str:
    """The same Redis server, another logical database (redis://host/N or unix://path?db=N)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query))
        query["db"] = str(db)
        return f"unix://{parts.netloc}{parts.path}?{urlencode(query)}"  # urlunsplit would drop the //
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def resolve(*, e2e: bool = False) -> tuple[str, str]:
    """(DATABASE_URL, REDIS_URL) for this run.

    serve: the environment's, else the embedded PostgreSQL (database `crm`) and Redis.
    e2e: the server the tests use (scripts.embedded's test resolution) with database crm_e2e
    and Redis db 14, so the end-to-end run never touches the development database."""
    if e2e:
        database = with_database(resolve_database_url(for_tests=True), E2E_DATABASE)
        return database, redis_with_db(resolve_redis_url(for_tests=True), E2E_REDIS_DB)
    database = os.environ.get("DATABASE_URL") or with_database(embedded_postgres(), "crm")
    return database, resolve_redis_url()


def export_environment(*, e2e: bool = False) -> tuple[str, str]:
    """Resolve once and export, so every child process (and Settings()) sees the same URLs."""
    database, redis = resolve(e2e=e2e)
    os.environ["DATABASE_URL"] = database
    os.environ["REDIS_URL"] = redis
    from config import get_settings

    get_settings.cache_clear()
    return database, redis


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1).replace("postgres://", "postgresql://", 1)


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or "postgres"


async def _prepare_database(url: str, *, recreate: bool) -> None:
    import asyncpg

    name = _database_name(url)
    admin = await asyncpg.connect(_plain(with_database(url, "postgres")))
    try:
        if recreate:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
            say(f"created database {name}")
    finally:
        await admin.close()


def prepare_database(url: str, *, recreate: bool = False) -> None:
    """Create the database if it does not exist (or drop and create it). A server that does not
    let us connect to `postgres` (managed databases, restricted roles) is left alone."""
    try:
        asyncio.run(_prepare_database(url, recreate=recreate))
    except Exception as exc:  # noqa: BLE001 - the migration step reports real problems
        if recreate:
            raise
        say(f"could not check/create the database ({type(exc).__name__}: {exc}); using it as is")


async def _flush_redis(url: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(url)
    try:
        await redis.flushdb()
    finally:
        await redis.aclose()


def migrate(url: str) -> None:
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = _plain(url).replace("postgresql://", "postgresql+asyncpg://", 1)
    started = time.monotonic()
    command.upgrade(cfg, "head")
    head = ScriptDirectory.from_config(cfg).get_current_head()
    say(f"migrations at head ({head}) in {time.monotonic() - started:.1f}s")


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


def prepare(*, e2e: bool = False, demo: bool | None = None) -> None:
    """Everything before the processes start: servers, database, migrations, admin, demo."""
    database, redis = export_environment(e2e=e2e)
    say(f"database {_redacted(database)}")
    say(f"redis    {_redacted(redis)}")
    prepare_database(database, recreate=e2e)
    if e2e:
        asyncio.run(_flush_redis(redis))
    migrate(database)

    from config import Settings
    from scripts import bootstrap

    settings = Settings()
    asyncio.run(bootstrap.ensure_admin(settings))
    if demo if demo is not None else settings.demo:
        from scripts import demo as demo_data

        started = time.monotonic()
        if asyncio.run(demo_data.load(settings, password=demo_data.demo_password())):
            say(f"demo data loaded in {time.monotonic() - started:.1f}s")
        else:
            say("demo data already present")


# --- processes ----------------------------------------------------------------------------------


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the child gets SIGTERM if this supervisor dies without stopping it (kill -9)."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except OSError:
            pass


class Supervisor:
    """Child processes in their own process groups (a terminal's Ctrl-C reaches only us, and we
    forward one clean signal), stopped together."""

    def __init__(self) -> None:
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping: int | None = None

    def start(self, name: str, argv: Sequence[str]) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.children[name] = subprocess.Popen(
            list(argv), cwd=ROOT, env=env, start_new_session=True, preexec_fn=_die_with_parent
        )
        say(
            f"started {name} (pid {self.children[name].pid}): {' '.join(argv[1:] if argv[0] == sys.executable else argv)}"
        )

    def install_signal_handlers(self) -> None:
        def handler(signum: int, _frame: object) -> None:
            if self.stopping is None:
                self.stopping = signum
                print(flush=True)
                say(f"{signal.Signals(signum).name}: stopping")

        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, handler)

    def exited(self) -> tuple[str, int] | None:
        for name, proc in self.children.items():
            code = proc.poll()
            if code is not None:
                return name, code
        return None

    def stop(self, timeout: float = 15.0) -> None:
        for name, proc in self.children.items():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                except PermissionError:
                    proc.terminate()
                say(f"sent SIGTERM to {name}")
        deadline = time.monotonic() + timeout
        for name, proc in self.children.items():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop in {timeout:.0f}s: killing it")
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def any_free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_until_healthy(base_url: str, sup: Supervisor, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and sup.stopping is None and sup.exited() is None:
        try:
            with urllib.request.urlopen(f"{base_url}/api/v1/health", timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.2)
    return False


def start_processes(sup: Supervisor, host: str, port: int, workers: int, *, worker: bool) -> None:
    sup.start(
        "api",
        [
            sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
            "--host", host, "--port", str(port), "--workers", str(workers),
            "--no-access-log",  # the app logs each request itself (api/logging.py)
            "--timeout-graceful-shutdown", "10",
        ],
    )  # fmt: skip
    if worker:
        sup.start("worker", [sys.executable, "-m", "arq", "worker.settings.WorkerSettings"])


def serve(args: argparse.Namespace) -> int:
    host, port = args.host, args.port
    if not port_free(host, port):
        say(f"port {port} on {host} is in use: stop what uses it or set CRM_PORT / --port")
        return 2
    prepare()
    sup = Supervisor()
    sup.install_signal_handlers()
    start_processes(sup, host, port, args.workers, worker=not args.no_worker)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{shown}:{port}"
    try:
        if wait_until_healthy(base, sup):
            spa = (ROOT / "frontend" / "dist" / "index.html").is_file()
            say(
                f"ready: {base}/  (API {base}/api/v1, docs {base}/api/docs)"
                + ("" if spa else "  [SPA not built: make frontend]")
            )
            say("Ctrl-C stops the API and the worker")
        elif sup.stopping is None and sup.exited() is None:
            say(f"{base}/api/v1/health did not answer within 60s; still running (see the log above)")
        while sup.stopping is None:
            died = sup.exited()
            if died is not None:
                say(f"{died[0]} exited with code {died[1]}: stopping the rest")
                return died[1] or 1
            time.sleep(0.3)
        return 0
    finally:
        sup.stop()


def e2e(args: argparse.Namespace) -> int:
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        say("e2e: give the command to run after --, e.g. -- npm --prefix frontend run e2e")
        return 2
    host = "127.0.0.1"
    port = args.port
    if not port_free(host, port):
        port = any_free_port(host)
        say(f"port {args.port} is in use: using {port}")
    password = os.environ.get("CRM_ADMIN_PASSWORD") or E2E_ADMIN_PASSWORD
    os.environ["CRM_ADMIN_PASSWORD"] = password
    os.environ["CRM_DEMO"] = "0"
    prepare(e2e=True, demo=False)
    sup = Supervisor()
    sup.install_signal_handlers()
    start_processes(sup, host, port, 1, worker=True)
    base = f"http://{host}:{port}"
    try:
        if not wait_until_healthy(base, sup):
            say(f"the app did not become healthy at {base}")
            return 1
        say(f"app ready at {base}: running {' '.join(command)}")
        env = {**os.environ, "BASE_URL": base, "ADMIN_USERNAME": "admin", "ADMIN_PASSWORD": password}
        proc = subprocess.Popen(command, cwd=ROOT, env=env)
        while True:
            try:
                code = proc.wait(0.3)
                break
            except subprocess.TimeoutExpired:
                if sup.stopping is not None:
                    proc.terminate()
                    code = proc.wait()
                    break
                died = sup.exited()
                if died is not None:
                    say(f"{died[0]} exited with code {died[1]} during the run")
                    proc.terminate()
                    proc.wait()
                    return died[1] or 1
        say(f"{' '.join(command)} exited with code {code}")
        return code
    finally:
        sup.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd")
    p_serve = sub.add_parser("serve", help="migrate, bootstrap, run the API and the worker (default)")
    for p in (parser, p_serve):
        p.add_argument("--host", default=os.environ.get("CRM_HOST", "127.0.0.1"))
        p.add_argument("--port", type=int, default=int(os.environ.get("CRM_PORT", "8000")))
        p.add_argument("--workers", type=int, default=int(os.environ.get("CRM_WORKERS", "1")))
        p.add_argument("--no-worker", action="store_true", help="do not start the arq worker")
    sub.add_parser("migrate", help="alembic upgrade head on the resolved database")
    sub.add_parser("env", help="print shell exports of DATABASE_URL and REDIS_URL")
    p_e2e = sub.add_parser("e2e", help="fresh crm_e2e database + app, run a command against it")
    p_e2e.add_argument("--port", type=int, default=8765)
    p_e2e.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    os.chdir(ROOT)
    if args.cmd == "migrate":
        database, _ = export_environment()
        prepare_database(database)
        migrate(database)
        return 0
    if args.cmd == "env":
        database, redis = resolve()
        print(f"export DATABASE_URL='{database}'")
        print(f"export REDIS_URL='{redis}'")
        return 0
    if args.cmd == "e2e":
        return e2e(args)
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
