"""``archive verify``: every signature of PDFs on disk verified offline, for auditors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from signing.verdicts import FileReport, SignatureReport, Verdict, exit_code, worst

_VERDICT_VI = {
    Verdict.VALID: "HỢP LỆ",
    Verdict.INVALID: "KHÔNG HỢP LỆ",
    Verdict.INDETERMINATE: "CHƯA XÁC ĐỊNH",
}
_REVOCATION = {
    "good": "chưa bị thu hồi (theo dữ liệu trong tệp) · not revoked (per the file's data)",
    "revoked": "ĐÃ BỊ THU HỒI · REVOKED",
    "not_in_file": "tệp không có dữ liệu thu hồi · no revocation data in the file",
    "not_checked": "không kiểm tra được · could not be checked",
}

_CHANGES = {
    "lta_updates": "chỉ thêm dữ liệu xác thực, dấu thời gian · validation data, timestamps only",
    "form_filling": "điền ô biểu mẫu hoặc ký thêm · form filling or further signatures",
    "annotations": "thêm ghi chú · annotations",
    "other": "THÊM/SỬA NỘI DUNG · CONTENT ADDED OR CHANGED",
}


def commands(app: typer.Typer) -> None:
    @app.command()
    def verify(
        files: Annotated[
            list[Path],
            typer.Argument(help="Tệp PDF cần kiểm tra · PDF files to verify", show_default=False),
        ],
        trust: Annotated[
            list[Path] | None,
            typer.Option(
                "--trust",
                help="Chứng thư gốc tin cậy (PEM), thêm vào ARCHIVE_TRUST_ROOTS · "
                "Trusted root certificate (PEM), added to ARCHIVE_TRUST_ROOTS",
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="In ra JSON · Print JSON")] = False,
    ) -> None:
        """Kiểm tra chữ ký số, không cần mạng · Verify digital signatures, offline.

        Exit 0 when every signature is valid, 1 when any is invalid, else 2 (some
        indeterminate, e.g. no revocation data in the file, or no signature at all)."""
        from archive.settings import get_settings
        from signing.service import trust_roots
        from signing.verdicts import verify as verify_pdf

        extra = []
        for path in trust or []:
            try:
                extra.append(path.read_bytes())
            except OSError as error:
                typer.echo(
                    f"Không đọc được chứng thư gốc {path}: {error.strerror} · "
                    f"Cannot read the root certificate {path}: {error.strerror}",
                    err=True,
                )
                raise typer.Exit(2) from None
        roots = trust_roots(get_settings(), extra)
        reports = []
        for path in files:
            try:
                data = path.read_bytes()
            except OSError as error:
                typer.echo(
                    f"Không đọc được {path}: {error.strerror} · Cannot read {path}: "
                    f"{error.strerror}",
                    err=True,
                )
                raise typer.Exit(2) from None
            reports.append(verify_pdf(data, roots, name=str(path)))
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "verdict": worst(r.verdict for r in reports).value,
                        "files": [r.as_json() for r in reports],
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
        else:
            if not roots.certificates:
                typer.echo(
                    "Chú ý: chưa có chứng thư gốc tin cậy nào (--trust hoặc ARCHIVE_TRUST_ROOTS) "
                    "· Note: no trusted root is configured (--trust or ARCHIVE_TRUST_ROOTS).\n"
                )
            for report in reports:
                typer.echo(describe(report))
        raise typer.Exit(exit_code(worst(r.verdict for r in reports)))


def describe(report: FileReport) -> str:
    verdict = report.verdict
    lines = [f"{report.name} — {_VERDICT_VI[verdict]} · {verdict.value.upper()}"]
    lines.append(f"  SHA-256: {report.sha256}")
    if report.problem is not None:
        lines.append(f"  {report.problem.vi} · {report.problem.en}")
    for number, signature in enumerate(report.signatures, start=1):
        lines.extend(_signature_lines(number, signature))
    for stamped in report.document_timestamps:
        lines.append(f"  Dấu thời gian tài liệu · Document timestamp: {_when(stamped)}")
    return "\n".join(lines) + "\n"


def _signature_lines(number: int, s: SignatureReport) -> list[str]:
    trusted = "tin cậy · trusted" if s.trusted else "không tin cậy · not trusted"
    lines = [
        f"  {number}. {s.field}: {s.signer} — {_VERDICT_VI[s.verdict].lower()} · "
        f"{s.verdict.value} (PAdES {s.level})",
        f"     Thời điểm ký (người ký tự khai) · Claimed signing time: {_when(s.claimed_time)}",
        f"     Dấu thời gian · Timestamp: {_when(s.timestamp_time)}",
        f"     Chuỗi chứng thư · Chain: {' ← '.join(s.chain)} ({trusted})",
        f"     Thu hồi · Revocation: {_REVOCATION.get(s.revocation, s.revocation)}",
    ]
    if s.changes_after:
        changed = "; ".join(_CHANGES.get(c, c) for c in s.changes_after)
        fields = f" ({', '.join(s.changed_fields)})" if s.changed_fields else ""
        lines.append(f"     Thay đổi sau khi ký · Changes after signing: {changed}{fields}")
    for reason in s.reasons:
        lines.append(f"     - {reason.vi}")
        lines.append(f"       {reason.en}")
    return lines


def _when(moment: object) -> str:
    from datetime import datetime

    from signing.stamps import VIETNAM

    if not isinstance(moment, datetime):
        return "không có · none"
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S +07:00")
