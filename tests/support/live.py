"""A real uvicorn server on a free loopback port, and an HTTP client per user."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx
import uvicorn

from archive.api.app import create_app
from archive.services.context import Archive
from support.archives import Backend
from support.people import PASSWORD, People


class LiveServer:
    def __init__(self, archive: Archive) -> None:
        config = uvicorn.Config(
            create_app(archive),
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="off",
            proxy_headers=False,  # as `archive serve` runs it: the app decides whom to believe
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.base_url = ""

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the API server did not start within 20 s")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


@dataclass
class Api:
    """The running API plus what a test needs to talk to it as any of the test people."""

    base_url: str
    backend: Backend
    people: People
    _tokens: dict[str, str] = field(default_factory=dict)

    @property
    def archive(self) -> Archive:
        return self.backend.archive

    def anonymous(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=60, **kwargs)

    def token(self, username: str) -> str:
        if username not in self._tokens:
            with self.anonymous() as client:
                answer = client.post(
                    "/api/auth/login", json={"username": username, "password": PASSWORD}
                )
                answer.raise_for_status()
                self._tokens[username] = answer.json()["access_token"]
        return self._tokens[username]

    def client(self, username: str) -> httpx.Client:
        """A client signed in as ``username`` with a bearer token."""
        return self.anonymous(headers={"Authorization": f"Bearer {self.token(username)}"})
