"""Is this file PDF/A? veraPDF, the reference validator, answers (for tests and admins).

veraPDF is a Java program from Maven Central that ``scripts/ocr-tools.sh`` installs with a
launcher at ``$ARCHIVE_SERVERS_CACHE/bin/verapdf`` (default cache /var/cache/case-archive);
``ARCHIVE_VERAPDF`` names another launcher. It runs with a time limit, killed on overrun.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from indexer.ocr import OcrError, run

DEFAULT_CACHE = "/var/cache/case-archive"
CHECK_SECONDS = 300.0
SHOWN_FAILURES = 20


class VeraPdfUnavailable(RuntimeError):
    """veraPDF is not installed, did not answer in time, or answered nonsense."""


def verapdf_command() -> str:
    """The veraPDF launcher: ``ARCHIVE_VERAPDF``, else the one ocr-tools.sh writes, else
    ``verapdf`` on the PATH."""
    named = os.environ.get("ARCHIVE_VERAPDF")
    if named:
        return named
    cache = Path(os.environ.get("ARCHIVE_SERVERS_CACHE") or DEFAULT_CACHE)
    launcher = cache / "bin" / "verapdf"
    if launcher.is_file():
        return str(launcher)
    found = shutil.which("verapdf")
    if found:
        return found
    raise VeraPdfUnavailable(f"veraPDF not found at {launcher}: run scripts/ocr-tools.sh")


def verapdf_check(
    path: Path, *, flavour: str = "2b", seconds: float = CHECK_SECONDS
) -> tuple[bool, list[str]]:
    """Whether ``path`` conforms to PDF/A ``flavour`` (default 2b), and the rules it breaks
    ("clause-test: description (n×)"), or why it could not be read."""
    try:
        answer = run(
            [
                verapdf_command(),
                "--flavour",
                flavour,
                "--format",
                "json",
                "--maxfailuresdisplayed",
                "1",
                str(path),
            ],
            seconds=seconds,
            what="veraPDF",
            memory_mb=None,  # the JVM reserves far more address space than it uses
            # 1: not compliant, 7: not parsed; the report tells either way.
            ok_codes=tuple(range(16)),
        )
    except OcrError as exc:
        raise VeraPdfUnavailable(str(exc)) from exc
    try:
        report: dict[str, Any] = json.loads(answer.stdout)
        job = report["report"]["jobs"][0]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        tail = answer.stderr.decode("utf-8", "replace").strip()[-500:]
        raise VeraPdfUnavailable(f"veraPDF gave no report: {tail}") from exc
    if "taskException" in job:
        failure = job["taskException"]
        message = failure.get("exceptionMessage") or failure.get("exception") or "unknown"
        return False, [f"veraPDF could not check the file: {message}"]
    results = job.get("validationResult") or []
    if isinstance(results, dict):
        results = [results]
    if not results:
        return False, ["veraPDF returned no validation result"]
    compliant = all(bool(r.get("compliant")) for r in results)
    failures: list[str] = []
    for result in results:
        for rule in result.get("details", {}).get("ruleSummaries", []):
            if rule.get("status") != "failed":
                continue
            failures.append(
                f"{rule.get('clause')}-{rule.get('testNumber')}: {rule.get('description')} "
                f"({rule.get('failedChecks')}×)"
            )
    return compliant, failures[:SHOWN_FAILURES]
