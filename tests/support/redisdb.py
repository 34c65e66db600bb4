"""A Redis database of a test's own on the shared test server."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

from support.servers import server_env

CLAIM_KEY = "tests.worker.claimed"


@contextmanager
def own_redis_db() -> Iterator[str]:
    """The test Redis server on a database (1-15) of this test's own: one found empty and
    claimed with a marker key, so no other worker takes our tasks (nor we theirs); it is
    emptied again at the end."""
    base = server_env("ARCHIVE_TEST_REDIS_URL").rstrip("/")
    server = base.rsplit("/", 1)[0] if base.count("/") > 2 else base
    numbers = list(range(1, 16))
    random.shuffle(numbers)
    for number in numbers:
        url = f"{server}/{number}"
        client = redis.Redis.from_url(url)
        if client.dbsize() == 0 and client.set(CLAIM_KEY, "1", nx=True, ex=600):
            try:
                yield url
            finally:
                client.flushdb()
                client.close()
            return
        client.close()
    pytest.fail("no empty Redis database (1-15) left for the worker tests")
