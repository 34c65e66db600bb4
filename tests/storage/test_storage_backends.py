"""The ObjectStore contract, run identically on LocalStore and on S3Store (real MinIO)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

import pytest

from archive.storage import CHUNK, ObjectStore, StoreUnavailable, content_key
from archive.storage.local import LocalStore


class Blob(Protocol):
    """What the ``make_blob`` fixture (conftest) returns: a file outside the store."""

    key: str
    path: Path
    data: bytes

    @property
    def size(self) -> int: ...


MakeBlob = Callable[[bytes], Blob]


def read_all(store: ObjectStore, key: str) -> bytes:
    return b"".join(store.read(key))


def listing(store: ObjectStore) -> dict[str, int]:
    return {info.key: info.size for info in store.iter_objects()}


def test_put_then_read_back_equal_bytes(store: ObjectStore, make_blob: MakeBlob) -> None:
    blob = make_blob(os.urandom(3 * CHUNK + 7))  # several chunks and a ragged end
    assert not store.exists(blob.key)

    store.put_file(blob.key, blob.path, blob.size)

    assert store.exists(blob.key)
    chunks = list(store.read(blob.key))
    assert b"".join(chunks) == blob.data
    assert max(len(c) for c in chunks) <= CHUNK


def test_put_same_key_twice_is_harmless(
    store: ObjectStore, make_blob: MakeBlob, tmp_path: Path
) -> None:
    blob = make_blob(b"the same bytes " * 1000)
    store.put_file(blob.key, blob.path, blob.size)
    [first] = store.iter_objects()

    # Same key and an intact stored copy: the second store must not even read the file.
    store.put_file(blob.key, tmp_path / "no-such-file", blob.size)

    [second] = store.iter_objects()
    assert (second.key, second.size) == (blob.key, blob.size)
    assert second.modified == first.modified  # nothing was written again
    assert read_all(store, blob.key) == blob.data


def test_iter_objects_lists_exactly_the_stored_keys(
    store: ObjectStore, make_blob: MakeBlob
) -> None:
    blobs = [make_blob(b""), make_blob(b"x"), make_blob(os.urandom(100_000))]
    before = datetime.now(UTC) - timedelta(minutes=5)
    for blob in blobs:
        store.put_file(blob.key, blob.path, blob.size)

    infos = list(store.iter_objects())

    assert {i.key: i.size for i in infos} == {b.key: b.size for b in blobs}
    assert len(infos) == len(blobs)
    for info in infos:
        assert info.modified.tzinfo is not None
        assert before < info.modified < datetime.now(UTC) + timedelta(minutes=5)


def test_empty_store_lists_nothing(store: ObjectStore) -> None:
    assert list(store.iter_objects()) == []  # check_ready's own probe is not a document


def test_delete_removes(store: ObjectStore, make_blob: MakeBlob) -> None:
    kept, gone = make_blob(b"kept"), make_blob(b"gone")
    for blob in (kept, gone):
        store.put_file(blob.key, blob.path, blob.size)

    store.delete(gone.key)

    assert not store.exists(gone.key)
    with pytest.raises(FileNotFoundError):
        read_all(store, gone.key)
    assert listing(store) == {kept.key: kept.size}
    assert read_all(store, kept.key) == b"kept"
    store.delete(gone.key)  # deleting twice is harmless


def test_put_after_delete_stores_again(store: ObjectStore, make_blob: MakeBlob) -> None:
    blob = make_blob(b"swept, then uploaded again")
    store.put_file(blob.key, blob.path, blob.size)
    store.delete(blob.key)

    store.put_file(blob.key, blob.path, blob.size)

    assert read_all(store, blob.key) == blob.data
    assert listing(store) == {blob.key: blob.size}


def test_read_missing_key_raises_file_not_found(store: ObjectStore) -> None:
    key = content_key("0" * 64)
    assert not store.exists(key)
    with pytest.raises(FileNotFoundError):
        read_all(store, key)


def test_check_ready_is_repeatable(store: ObjectStore, make_blob: MakeBlob) -> None:
    blob = make_blob(b"survives a restart")
    store.put_file(blob.key, blob.path, blob.size)

    store.check_ready()

    assert listing(store) == {blob.key: blob.size}


def test_local_check_ready_on_unwritable_dir(tmp_path: Path) -> None:
    # Tests run as root, where a chmod'ed folder stays writable: a folder under a regular
    # file can never be created, whoever you are.
    (tmp_path / "file").write_bytes(b"not a folder")
    store = LocalStore(tmp_path / "file" / "sub")

    with pytest.raises(StoreUnavailable) as caught:
        store.check_ready()

    vietnamese, english = str(caught.value).split(" / ")
    assert "Không ghi được" in vietnamese
    assert "Cannot write" in english


def test_a_range_reads_exactly_those_bytes(store: ObjectStore, make_blob: MakeBlob) -> None:
    data = bytes(range(256)) * 9000  # over 2 MiB: crosses the stores' read chunks
    blob = make_blob(data)
    store.put_file(blob.key, blob.path, blob.size)
    for start, length in [(0, 10), (1_000_000, 1_500_000), (len(data) - 7, 7), (5, None)]:
        got = b"".join(store.read(blob.key, start, length))
        assert got == data[start : None if length is None else start + length], (start, length)


def test_records_are_kept_apart_from_documents(store: ObjectStore) -> None:
    """Audit checkpoints are small records under their own prefix: listed by prefix, never
    among the document objects (so the orphan sweep never sees them)."""
    store.put_bytes("audit-checkpoints/000000000007-" + "a" * 64 + ".json", b'{"seq": 7}')
    assert list(store.iter_keys("audit-checkpoints/")) == [
        "audit-checkpoints/000000000007-" + "a" * 64 + ".json"
    ]
    assert list(store.iter_objects()) == []
    assert store.exists("audit-checkpoints/000000000007-" + "a" * 64 + ".json")


def test_ping_answers_without_listing(store: ObjectStore) -> None:
    store.check_ready()
    store.ping()
