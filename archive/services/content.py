"""Handing out stored bytes only after they checked against the digests taken at ingest.

An object is read in the fixed-size chunks whose SHA-256 was recorded when it arrived
(``object_digests``); each chunk is sent only once it matched. A mismatch in the first
chunk is an error answer before a single byte has left; a later one ends the transfer
without the bad chunk. Either way an ``integrity.failure`` entry names the object, the
chunk and both digests. Ranges (the PDF viewer asks for them) are served the same way:
the chunks covering the range are read and checked whole, and only the range is sent.

Each stream handed out is recorded (``record_hand_out``, the download's audit entry): the
entry is written while the first chunk is read and checked, and the stream is returned
only once both are done, so no byte leaves before its hand-out is on record.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from archive.domain.errors import IntegrityFailure
from archive.metadata import documents as document_rows
from archive.services.context import Archive
from archive.services.spool import ChunkHasher
from archive.storage import VERIFY_CHUNK

log = logging.getLogger(__name__)

# Called with what failed: {"storage_key", "expected", "actual", "chunk", ...}.
FailureReport = Callable[[dict[str, object]], None]


def mismatch(**detail: object) -> IntegrityFailure:
    return IntegrityFailure(
        "checksum_mismatch",
        "Nội dung lưu trữ không khớp mã kiểm tra SHA-256 đã ghi khi tiếp nhận: tài liệu "
        "có thể đã bị thay đổi hoặc hư hỏng, nên không được gửi đi. Hãy báo ngay cho quản "
        "trị viên (lệnh kiểm tra: archive fixity).",
        "The stored bytes do not match the SHA-256 recorded at ingest: the document may "
        "have been altered or damaged, so it was not sent. Tell the administrator at once "
        "(check command: archive fixity).",
        **detail,
    )


def missing(key: str) -> IntegrityFailure:
    return IntegrityFailure(
        "object_missing",
        "Không tìm thấy nội dung tài liệu trong kho lưu trữ dù hồ sơ vẫn ghi nhận: tài liệu "
        "có thể đã bị xóa trái phép. Hãy báo ngay cho quản trị viên.",
        "The document's bytes are missing from the store although its record remains: "
        "they may have been removed without authority. Tell the administrator at once.",
        storage_key=key,
    )


@dataclass(frozen=True, slots=True)
class Verified:
    """A stored object with the digests that every byte sent must match."""

    archive: Archive
    key: str
    sha256: str
    size: int
    digests: document_rows.ChunkDigests
    report: FailureReport
    record_hand_out: Callable[[], None]

    def stream(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes ``start`` to ``end`` (exclusive), verified. The first chunk is read and
        checked before this returns, so a failure there raises here, before an answer;
        the hand-out is recorded meanwhile, and a failure to record it raises here too."""
        end = self.size if end is None else end
        if start >= end:
            return iter(())
        # Leaving the pool waits for the record, whatever happened to the first chunk.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hand-out") as pool:
            recorded = pool.submit(self.record_hand_out)
            chunks = self._chunks(start, end, recorded)
            first = next(chunks)
        try:
            recorded.result()
        except BaseException:
            chunks.close()  # gives the store's connection back
            raise
        return _prepend(first, chunks)

    def _chunks(self, start: int, end: int, recorded: Future[None]) -> Generator[bytes, None, None]:
        size_of_chunk = self.digests.chunk_size
        index = start // size_of_chunk
        last = (end - 1) // size_of_chunk
        offset = index * size_of_chunk
        read_to = min(self.size, (last + 1) * size_of_chunk)
        try:
            # Pieces of one chunk each where the store can: no copying to reassemble them.
            pieces = self.archive.store.read(
                self.key, offset, read_to - offset, piece=size_of_chunk
            )
        except FileNotFoundError:
            self._fail(recorded, actual="missing", chunk=index)
            raise missing(self.key) from None
        pending: list[bytes] = []
        held = 0
        for piece in pieces:
            pending.append(piece)
            held += len(piece)
            while index <= last:
                want = min(size_of_chunk, self.size - index * size_of_chunk)
                if held < want:
                    break
                if len(pending) == 1 and len(pending[0]) == want:
                    chunk = pending.pop()
                else:
                    joined = b"".join(pending)
                    chunk, rest = joined[:want], joined[want:]
                    pending = [rest] if rest else []
                held -= want
                actual = hashlib.sha256(chunk).digest()
                if actual != self.digests.of(index):
                    self._fail(
                        recorded,
                        actual=actual.hex(),
                        expected=self.digests.of(index).hex(),
                        chunk=index,
                    )
                    raise mismatch(storage_key=self.key, chunk=index)
                chunk_start = index * size_of_chunk
                yield chunk[max(0, start - chunk_start) : min(want, end - chunk_start)]
                index += 1
        if index <= last or held:
            # The store gave fewer (or more) bytes than were recorded: a truncated object.
            self._fail(recorded, actual="wrong length", chunk=index)
            raise mismatch(storage_key=self.key, chunk=index)

    def _fail(self, recorded: Future[None], **detail: object) -> None:
        full: dict[str, object] = {"storage_key": self.key, "expected_sha256": self.sha256}
        full.update(detail)
        log.error("integrity failure: %s", full)
        wait([recorded])  # the hand-out first, then what went wrong with it, in the trail
        self.report(full)


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def verified(
    archive: Archive,
    key: str,
    sha256: str,
    size: int,
    report: FailureReport,
    digests: document_rows.ChunkDigests | None,
    record_hand_out: Callable[[], None],
) -> Verified:
    """The object at ``key`` ready to be streamed verified against ``digests``, as the
    caller read them; ``record_hand_out`` is called once per stream. Objects stored before
    chunk digests existed (``None``) are hashed whole once, here; only if they match their
    SHA-256 are their chunk digests recorded and the object handed out."""
    if digests is None:
        digests = _digest_whole(archive, key, sha256, size, report)
    return Verified(archive, key, sha256, size, digests, report, record_hand_out)


def hash_stored(archive: Archive, key: str) -> ChunkHasher:
    """The whole object at ``key`` hashed, whole and per verification chunk; raises
    ``FileNotFoundError`` if the store has no such object."""
    hasher = ChunkHasher(VERIFY_CHUNK)
    for piece in archive.store.read(key):
        hasher.update(piece)
    return hasher


def _digest_whole(
    archive: Archive, key: str, sha256: str, size: int, report: FailureReport
) -> document_rows.ChunkDigests:
    try:
        hasher = hash_stored(archive, key)
    except FileNotFoundError:
        report({"storage_key": key, "expected_sha256": sha256, "actual": "missing"})
        raise missing(key) from None
    actual = hasher.hexdigest()
    if actual != sha256 or hasher.size != size:
        report({"storage_key": key, "expected_sha256": sha256, "actual": actual})
        raise mismatch(storage_key=key)
    digests = document_rows.ChunkDigests(key, size, VERIFY_CHUNK, hasher.chunk_digests())
    with archive.db.write() as conn:
        document_rows.save_chunk_digests(conn, digests)
    return digests
