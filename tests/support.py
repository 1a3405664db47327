"""Test helpers: a real arq worker in burst mode, and local HTTP / SMTP receivers standing in
for integrators' endpoints, an SMS gateway and the WeCom API."""

from __future__ import annotations

import asyncio
import json
import socket
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from arq import create_pool
from arq.worker import create_worker

from config import Settings
from worker.settings import WorkerSettings, redis_settings


async def run_worker(settings: Settings) -> None:
    """Run every queued job with a real arq worker in burst mode (no cron jobs)."""
    pool = await create_pool(redis_settings(settings.redis_url))
    try:
        worker = create_worker(
            WorkerSettings,  # type: ignore[arg-type]
            burst=True,
            poll_delay=0.05,
            handle_signals=False,
            cron_jobs=[],
            redis_pool=pool,
            ctx={"settings": settings},
        )
        try:
            await worker.async_run()
        finally:
            await worker.close()
    finally:
        await pool.aclose()


async def enqueue(settings: Settings, function: str, job_id: str | None = None) -> None:
    pool = await create_pool(redis_settings(settings.redis_url))
    try:
        await pool.enqueue_job(function, _job_id=job_id)
    finally:
        await pool.aclose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP endpoint that records every request. `status[path]` sets the answer (default
    200); /cgi-bin/gettoken and /cgi-bin/message/send answer like the WeCom API."""

    status: dict[str, int] = field(default_factory=dict)
    requests: list[Received] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        path = scope["path"]
        self.requests.append(Received(path, scope["query_string"].decode(), headers, body))
        answer: bytes = b"ok"
        if path == "/cgi-bin/gettoken":
            answer = json.dumps({"errcode": 0, "access_token": "wecom-token", "expires_in": 7200}).encode()
        elif path == "/cgi-bin/message/send":
            answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
        await send({"type": "http.response.start", "status": self.status.get(path, 200), "headers": []})
        await send({"type": "http.response.body", "body": answer})


class serve:  # noqa: N801 (used as `async with serve(receiver)`)
    def __init__(self, app: Receiver) -> None:
        self.app = app
        self.server: uvicorn.Server | None = None
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Receiver:
        self.app.port = free_port()
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.app.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:  # noqa: ASYNC110 (uvicorn sets a flag, no event)
            await asyncio.sleep(0.01)
        return self.app

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None and self.task is not None
        self.server.should_exit = True
        await self.task


@dataclass
class SmtpSink:
    """A minimal SMTP server (plain, no auth) keeping the messages it accepts."""

    messages: list[tuple[str, list[str], str]] = field(default_factory=list)  # (from, to, data)
    port: int = 0
    _server: asyncio.Server | None = None

    async def __aenter__(self) -> SmtpSink:
        self._server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def say(line: str) -> None:
            writer.write((line + "\r\n").encode())

        say("220 sink ESMTP")
        sender, rcpts = "", []
        while line := (await reader.readline()).decode().rstrip("\r\n"):
            verb = line.split(" ", 1)[0].upper()
            if verb in {"EHLO", "HELO"}:
                say("250 sink")
            elif verb == "MAIL":
                sender = line.split(":", 1)[1].strip().strip("<>")
                say("250 OK")
            elif verb == "RCPT":
                rcpts.append(line.split(":", 1)[1].strip().strip("<>"))
                say("250 OK")
            elif verb == "DATA":
                say("354 end with .")
                await writer.drain()
                data = []
                while (chunk := (await reader.readline()).decode()) not in {".\r\n", ".\n", ""}:
                    data.append(chunk)
                self.messages.append((sender, rcpts, "".join(data)))
                sender, rcpts = "", []
                say("250 queued")
            elif verb == "QUIT":
                say("221 bye")
                await writer.drain()
                break
            else:
                say("250 OK")
            await writer.drain()
        writer.close()
