"""Which PDFs the archive keeps: every file a reader opens without a password, as received.

The judge is not our own code but two readers nobody here wrote: PDFium (Chrome's) run in
a process of its own, and poppler's ``pdfinfo``. Over a collection of real-world PDFs
(the test files of PDF libraries, see support.corpus) the archive must accept exactly the
files one of them opens, refuse with ``encrypted_pdf`` exactly those that need a password,
and record, never repair, what was odd.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.corpus import real_world_pdfs
from support.pdfs import (
    bad_uploads,
    deep_page_tree,
    encrypted_pdf,
    make_pdf,
    owner_password_pdf,
    pageless_with_stream,
    with_embedded_file,
    with_javascript,
    with_launch_action,
    with_prefix,
    with_signature_appended,
    with_xfa,
)

from archive.domain.errors import Invalid
from archive.domain.pdf import ActiveContent
from archive.services import pdf_inspection
from archive.services.pdf_inspection import PdfChecker

PDFIUM_ORACLE = """
import json, sys
import pypdfium2 as pdfium
for line in sys.stdin:
    path = line.strip()
    try:
        pdf = pdfium.PdfDocument(path)
        opens = len(pdf) > 0 and all(min(pdf.get_page_size(i)) > 0 for i in range(len(pdf)))
        pages = len(pdf)
    except Exception:
        opens, pages = False, 0
    print(json.dumps({"path": path, "opens": opens, "pages": pages}), flush=True)
"""


def _pdfium_verdicts(files: list[Path]) -> dict[Path, bool]:
    """PDFium's own verdict per file, in a separate process restarted after a crash."""
    verdicts: dict[Path, bool] = {}
    todo = list(files)
    while todo:
        proc = subprocess.run(
            [sys.executable, "-c", PDFIUM_ORACLE],
            input="\n".join(str(p) for p in todo) + "\n",
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        for line in proc.stdout.splitlines():
            answer = json.loads(line)
            verdicts[Path(answer["path"])] = bool(answer["opens"])
        done = len(proc.stdout.splitlines())
        if done < len(todo):  # it crashed on todo[done]: no reader verdict from PDFium
            verdicts[todo[done]] = False
            done += 1
        todo = todo[done:]
    return verdicts


def _poppler(path: Path) -> str:
    """'opens', 'password' or 'fails', as poppler's pdfinfo sees the file."""
    proc = subprocess.run(
        ["pdfinfo", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    if "Incorrect password" in proc.stderr:
        return "password"
    pages = [ln for ln in proc.stdout.splitlines() if ln.startswith("Pages:")]
    if proc.returncode == 0 and pages and int(pages[0].split()[-1]) > 0:
        return "opens"
    return "fails"


@pytest.fixture(scope="module")
def checker() -> Iterator[PdfChecker]:
    found = PdfChecker(processes=2, memory_mb=1536, seconds=60)
    yield found
    found.close()


def _judge(checker: PdfChecker, path: Path) -> tuple[str, Invalid | None, object]:
    try:
        facts = checker.inspect(path)
    except Invalid as refusal:
        return refusal.code, refusal, None
    return "accepted", None, facts


def test_real_world_pdfs_are_accepted_exactly_when_a_reader_opens_them(
    checker: PdfChecker,
) -> None:
    files = real_world_pdfs()
    assert len(files) >= 250, "the real-world collection did not download whole"
    by_pdfium = _pdfium_verdicts(files)
    wrong = []
    outcome: Counter[str] = Counter()
    owner_only = repaired = active = 0
    for path in files:
        poppler = _poppler(path)
        opens = by_pdfium[path] or poppler == "opens"
        verdict, refusal, facts = _judge(checker, path)
        outcome[verdict] += 1
        if opens and verdict != "accepted":
            wrong.append(f"{path.name}: a reader opens it, refused as {verdict} ({refusal})")
        if not opens and verdict == "accepted":
            wrong.append(f"{path.name}: no reader opens it, accepted")
        if poppler == "password" and not opens and verdict != "encrypted_pdf":
            wrong.append(f"{path.name}: needs a password, refused as {verdict}")
        if verdict == "encrypted_pdf" and poppler != "password":
            wrong.append(f"{path.name}: called encrypted, but no reader asks for a password")
        if facts is not None:
            irregular = facts.irregularities  # type: ignore[attr-defined]
            owner_only += "encryption" in irregular
            repaired += "repairs" in irregular
            active += bool(facts.active_content)  # type: ignore[attr-defined]
    assert wrong == [], "\n".join(wrong)
    # The collection holds what the review met: owner-password files, damaged files a
    # reader mends, active content; each must be among the accepted, recorded.
    assert outcome["accepted"] >= 230, outcome
    assert owner_only >= 10, owner_only
    assert repaired >= 10, repaired
    assert active >= 10, active


def test_a_file_with_only_an_owner_password_is_kept_with_its_restrictions(
    checker: PdfChecker, tmp_path: Path
) -> None:
    path = tmp_path / "han-che-in.pdf"
    path.write_bytes(owner_password_pdf())
    facts = checker.inspect(path)
    assert facts.page_count == 2
    encryption = facts.irregularities["encryption"]
    assert isinstance(encryption, dict)
    assert encryption["owner_password_only"] is True
    assert {"print", "copy"} <= set(encryption["restricted"])


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (with_javascript, {ActiveContent.JAVASCRIPT, ActiveContent.OPEN_ACTION}),
        (with_launch_action, {ActiveContent.LAUNCH_ACTION}),
        (with_embedded_file, {ActiveContent.EMBEDDED_FILES}),
        (with_xfa, {ActiveContent.XFA}),
        (with_prefix, {ActiveContent.PREFIX_BYTES}),
        (lambda: make_pdf(2), set()),
    ],
    ids=["javascript", "launch", "embedded", "xfa", "polyglot", "plain"],
)
def test_active_content_is_named(
    checker: PdfChecker, tmp_path: Path, make: object, expected: set[ActiveContent]
) -> None:
    path = tmp_path / "hoat-dong.pdf"
    path.write_bytes(make())  # type: ignore[operator]
    assert set(checker.inspect(path).active_content) == expected


def test_a_damaged_file_a_reader_mends_is_kept_and_its_repair_recorded(
    checker: PdfChecker, tmp_path: Path
) -> None:
    good = make_pdf(3)
    # A wrong cross-reference offset (as broken writers leave) and junk after the end.
    broken = good.replace(b"startxref\n", b"startxref\n1").rstrip() + b"\n" + b"\x00" * 4096
    path = tmp_path / "hong-nhe.pdf"
    path.write_bytes(broken)
    facts = checker.inspect(path)
    assert facts.page_count == 3
    repairs = facts.irregularities["repairs"]
    assert isinstance(repairs, list) and repairs
    assert path.read_bytes() == broken  # kept as received: nothing was rewritten


def test_the_reason_of_a_refusal_does_not_depend_on_what_was_refused_before(
    checker: PdfChecker, tmp_path: Path
) -> None:
    """PDFium keeps its last error code in global state: after one encrypted file, every
    later unreadable file used to be called encrypted."""
    samples = bad_uploads()
    order = ["encrypted_pdf", "unreadable_pdf", "encrypted_pdf", "truncated_pdf", "no_pages"]
    order += ["encrypted_pdf", "not_pdf", "encrypted_pdf", "unreadable_pdf"]
    for index, code in enumerate(order):
        path = tmp_path / f"{index}.pdf"
        path.write_bytes(samples[code])
        with pytest.raises(Invalid) as caught:
            checker.inspect(path)
        assert caught.value.code == code, (index, code)


def test_pathological_files_are_refused_with_a_reason_and_no_path_of_ours(
    checker: PdfChecker, tmp_path: Path
) -> None:
    for name, data in [
        ("deep", deep_page_tree(3000)),
        ("pageless", pageless_with_stream(5 * 1024 * 1024)),
        ("user-password", encrypted_pdf()),
    ]:
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(data)
        with pytest.raises(Invalid) as caught:
            checker.inspect(path)
        assert caught.value.code in {"unreadable_pdf", "no_pages", "encrypted_pdf"}, name
        assert str(tmp_path) not in json.dumps(caught.value.details), name


def test_a_check_that_overruns_is_killed_and_the_process_replaced(tmp_path: Path) -> None:
    slow = PdfChecker(processes=1, memory_mb=1536, seconds=0.001)
    try:
        path = tmp_path / "lon.pdf"
        path.write_bytes(make_pdf(50))
        with pytest.raises(Invalid) as caught:
            slow.inspect(path)
        assert caught.value.code == "unreadable_pdf"
        assert "longer than" in str(caught.value.details["reason"])
        assert slow.pids() == []  # killed, not left running
        slow.seconds = 60
        assert slow.inspect(path).page_count == 50  # a fresh process takes the next one
    finally:
        slow.close()


def test_checking_processes_run_under_their_limits(tmp_path: Path) -> None:
    limited = PdfChecker(processes=1, memory_mb=700, seconds=60)
    try:
        path = tmp_path / "mot-trang.pdf"
        path.write_bytes(make_pdf(1))
        limited.inspect(path)
        (pid,) = limited.pids()
        limits = Path(f"/proc/{pid}/limits").read_text()
        address = next(ln for ln in limits.splitlines() if ln.startswith("Max address space"))
        assert address.split()[3] == str(700 * 1024 * 1024)
        core = next(ln for ln in limits.splitlines() if ln.startswith("Max core file size"))
        assert core.split()[4] == "0"
        assert os.getpid() != pid  # the server process never parses the file itself
    finally:
        limited.close()


def test_a_checking_process_that_died_between_checks_is_replaced(tmp_path: Path) -> None:
    pool = PdfChecker(processes=1, memory_mb=1536, seconds=60)
    try:
        path = tmp_path / "hai-trang.pdf"
        path.write_bytes(make_pdf(2))
        pool.inspect(path)
        (first,) = pool.pids()
        os.kill(first, signal.SIGKILL)  # as the OOM killer would
        time.sleep(0.2)
        assert pool.inspect(path).page_count == 2  # the next upload is not blamed
        assert pool.pids() != [first]
    finally:
        pool.close()
    assert pool.pids() == []


def _reader_processes() -> set[int]:
    """Checking processes this test process started, found in /proc, not through the pool
    (the module's shared checker among them)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = next(ln for ln in status.splitlines() if ln.startswith("PPid:"))
        state = next(ln for ln in status.splitlines() if ln.startswith("State:"))
        if (
            int(parent.split()[1]) == os.getpid()
            and b"archive.services.pdf_reader" in command
            and "zombie" not in state
        ):
            found.add(int(entry.name))
    return found


def _eventually(condition: object, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)


def test_a_pool_kept_warm_starts_its_processes_before_the_first_check(tmp_path: Path) -> None:
    others = _reader_processes()
    pool = PdfChecker(processes=2, memory_mb=1536, seconds=60)
    try:
        assert pool.pids() == []  # started on first use unless kept warm
        pool.keep_warm()
        _eventually(lambda: len(pool.pids()) == 2)
        started = set(pool.pids())
        assert started == _reader_processes() - others
        path = tmp_path / "mot-trang.pdf"
        path.write_bytes(make_pdf(1))
        assert pool.inspect(path).page_count == 1
        assert set(pool.pids()) == started  # the check used a process already running
    finally:
        pool.close()
    assert pool.pids() == []
    _eventually(lambda: _reader_processes() <= others)


def test_a_pool_kept_warm_replaces_a_retired_process_before_the_next_check(
    tmp_path: Path,
) -> None:
    others = _reader_processes()
    pool = PdfChecker(processes=1, memory_mb=1536, seconds=60)
    try:
        pool.keep_warm()
        _eventually(lambda: len(pool.pids()) == 1)
        (first,) = pool.pids()
        path = tmp_path / "lon.pdf"
        path.write_bytes(make_pdf(50))
        pool.seconds = 0.001
        with pytest.raises(Invalid):
            pool.inspect(path)  # overruns: its process is killed
        pool.seconds = 60
        # No check has asked for a process since, and one is running again all the same.
        _eventually(lambda: len(pool.pids()) == 1)
        assert pool.pids() != [first]
        assert _reader_processes() - others == set(pool.pids())
        assert pool.inspect(path).page_count == 50
    finally:
        pool.close()


def test_closing_a_pool_while_its_processes_start_leaves_none_running() -> None:
    others = _reader_processes()
    pool = PdfChecker(processes=2, memory_mb=1536, seconds=60)
    pool.keep_warm()
    pool.close()  # before either process has answered that it is ready
    time.sleep(0.5)
    _eventually(lambda: _reader_processes() <= others)
    assert pool.pids() == []


def test_a_pool_kept_warm_does_not_retry_behind_an_upload_a_start_that_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When no checking process can start (a broken installation), each upload is told so
    at once; no background retry holds the slot the next upload needs."""
    attempts: list[int] = []

    def cannot_start(memory_mb: int) -> None:
        attempts.append(memory_mb)
        raise pdf_inspection.CheckerUnavailable("the PDF checking process did not start")

    monkeypatch.setattr(pdf_inspection, "SandboxedReader", cannot_start)
    pool = PdfChecker(processes=1, memory_mb=1536, seconds=60)
    try:
        pool.keep_warm()  # its one try fails, in the background, and gives the slot back
        _eventually(lambda: pool._idle.qsize() == 1)
        path = tmp_path / "mot-trang.pdf"
        path.write_bytes(make_pdf(1))
        for _ in range(3):
            with pytest.raises(pdf_inspection.CheckerUnavailable):
                pool.inspect(path)
        time.sleep(0.3)
        assert len(attempts) == 1 + 3
        assert pool._idle.qsize() == 1
    finally:
        pool.close()


def test_a_slot_whose_starter_thread_cannot_start_stays_in_the_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_thread(self: object) -> None:
        raise RuntimeError("can't start new thread")

    pool = PdfChecker(processes=2, memory_mb=1536, seconds=60)
    try:
        monkeypatch.setattr(pdf_inspection.threading.Thread, "start", no_thread)
        pool.keep_warm()
        monkeypatch.undo()
        assert pool._idle.qsize() == 2  # both slots back, empty: a check starts its own
    finally:
        pool.close()


def test_empty_signature_fields_are_not_counted_as_signatures(
    checker: PdfChecker, tmp_path: Path
) -> None:
    """A decision template carries places for the leader's and the agency's signatures:
    PDFium counts those fields, but only a field holding a signature is one."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields

    writer = IncrementalPdfFileWriter(io.BytesIO(make_pdf()))
    for name in ("ChuKyLanhDao", "ChuKyCoQuan"):
        fields.append_signature_field(
            writer, fields.SigFieldSpec(name, on_page=0, box=(300, 60, 500, 120))
        )
    out = io.BytesIO()
    writer.write(out)
    path = tmp_path / "mau.pdf"
    path.write_bytes(out.getvalue())
    assert checker.inspect(path).signature_count == 0
    signed = tmp_path / "da-ky.pdf"
    signed.write_bytes(with_signature_appended(out.getvalue()))
    assert checker.inspect(signed).signature_count == 1
