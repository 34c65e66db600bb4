"""``archive verify``: every signature of PDFs on disk verified offline, for auditors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

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
        from archive.services.context import NotReady
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
        try:
            roots = trust_roots(get_settings(), extra)
        except (NotReady, ValueError) as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(2) from None
        reports = []
        unread = False
        for path in files:
            try:
                data = path.read_bytes()
            except OSError as error:
                # Said and counted (as indeterminate), and the other files still checked.
                typer.echo(
                    f"Không đọc được {path}: {error.strerror} · Cannot read {path}: "
                    f"{error.strerror}",
                    err=True,
                )
                unread = True
                continue
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
        verdict = worst(r.verdict for r in reports)
        if unread and verdict is Verdict.VALID:
            verdict = Verdict.INDETERMINATE
        raise typer.Exit(exit_code(verdict))

    _package_command(app)
    _long_term_command(app)

    @app.command()
    def sign(
        documents: Annotated[
            list[int], typer.Argument(help="Số hiệu tài liệu · Document ids", show_default=False)
        ],
        username: Annotated[str, typer.Option("--as", help="Ký với tài khoản · Sign as user")],
        key: Annotated[
            Path | None, typer.Option("--key", help="Tệp khóa PKCS#12 · PKCS#12 key file")
        ] = None,
        token_library: Annotated[
            str | None,
            typer.Option("--token-library", help="Thư viện PKCS#11 · PKCS#11 library (.so)"),
        ] = None,
        token_label: Annotated[
            str | None, typer.Option("--token-label", help="Nhãn token · Token label")
        ] = None,
        key_label: Annotated[
            str | None, typer.Option("--key-label", help="Nhãn khóa · Key label on the token")
        ] = None,
        remote_user: Annotated[
            str | None,
            typer.Option("--remote-user", help="Tài khoản ký số từ xa · Remote signing account"),
        ] = None,
        title: Annotated[str | None, typer.Option(help="Chức vụ · Signer's title")] = None,
        reason: Annotated[str | None, typer.Option(help="Lý do · Reason")] = None,
    ) -> None:
        """Ký số tài liệu trong kho · Sign documents in the archive.

        With a key file, a USB token / HSM (PKCS#11) or a remote signing service. The PIN
        is asked once for the whole batch, never shown, stored or logged."""
        from archive.domain.errors import ArchiveError
        from archive.services.accounts import acting_as
        from signing import service
        from signing.batch import Remotely, Signing, WithKey
        from signing.keys import KeyRefused, open_pkcs12
        from signing.pades import SigningRefused
        from signing.tokens import close_token, open_token

        chosen = sum(x is not None for x in (key, token_library, remote_user))
        if chosen != 1 or (token_library is not None) != (token_label is not None):
            typer.echo(
                "Chọn một cách ký: --key TỆP, hoặc --token-library và --token-label, hoặc "
                "--remote-user · Choose one way to sign: --key FILE, or --token-library with "
                "--token-label, or --remote-user.",
                err=True,
            )
            raise typer.Exit(2)
        archive = _open_archive()
        opened = None
        try:
            actor = acting_as(archive, username)
            signing: Signing
            if remote_user is not None:
                signing = Remotely(service.remote_service(archive.settings), remote_user)
                _ = signing.name
            else:
                pin = typer.prompt("Mã PIN · PIN", hide_input=True)
                if key is not None:
                    opened = open_pkcs12(key.read_bytes(), pin)
                else:
                    assert token_library is not None and token_label is not None
                    opened = open_token(token_library, token_label, pin, key_label)
                signing = WithKey(opened)
            outcomes = service.sign_documents(
                archive, actor, documents, signing, title=title, reason=reason
            )
        except (KeyRefused, SigningRefused) as refused:
            typer.echo(f"{refused.vi} / {refused.en}", err=True)
            raise typer.Exit(1) from None
        except ArchiveError as error:
            typer.echo(f"{error.vi} / {error.en}", err=True)
            raise typer.Exit(1) from None
        except OSError as error:
            typer.echo(f"Không đọc được tệp khóa · Cannot read the key file: {error}", err=True)
            raise typer.Exit(2) from None
        finally:
            if opened is not None:
                close_token(opened)
            archive.close()
        failed = False
        for outcome in outcomes:
            if outcome["status"] == "signed":
                typer.echo(
                    f"{outcome['document_id']}: đã ký · signed → phiên bản · version "
                    f"{outcome['version']} ({outcome['sha256']})"
                )
            else:
                failed = True
                message = outcome.get("message") or "chưa ký · not attempted"
                typer.echo(f"{outcome['document_id']}: {message}", err=True)
        raise typer.Exit(1 if failed else 0)


def _package_command(app: typer.Typer) -> None:
    @app.command("inspection-package")
    def inspection_package(
        dossiers: Annotated[
            list[int], typer.Argument(help="Số hiệu hồ sơ · Dossier ids", show_default=False)
        ],
        username: Annotated[str, typer.Option("--as", help="Lập với tài khoản · Make as user")],
        out: Annotated[Path, typer.Option("--out", help="Tệp ZIP · The ZIP file to write")],
    ) -> None:
        """Gói kiểm tra cho thanh tra · The auditors' signed inspection package (ZIP)."""
        from archive.domain.errors import ArchiveError
        from archive.services.accounts import acting_as
        from signing import inspection

        archive = _open_archive()
        try:
            made = inspection.write_to(out, archive, acting_as(archive, username), dossiers)
        except ArchiveError as error:
            typer.echo(f"{error.vi} / {error.en}", err=True)
            raise typer.Exit(1) from None
        finally:
            archive.close()
        typer.echo(
            f"{out}: {made.dossiers} hồ sơ · dossiers, {made.files} tệp · files\n"
            f"manifest SHA-256: {made.manifest_sha256}\n"
            f"dấu vân tay chứng thư của kho · seal fingerprint: {made.seal_fingerprint}"
        )


def _long_term_command(app: typer.Typer) -> None:
    @app.command("long-term")
    def long_term(
        dossiers: Annotated[
            list[int], typer.Argument(help="Số hiệu hồ sơ · Dossier ids", show_default=False)
        ],
        username: Annotated[str, typer.Option("--as", help="Với tài khoản · As user")],
        within_days: Annotated[
            int,
            typer.Option(
                "--renew-within-days",
                help="Gia hạn dấu thời gian sắp hết hạn trong số ngày này · Renew timestamps "
                "whose certificate ends within this many days",
            ),
        ] = 365,
    ) -> None:
        """Lưu trữ dài hạn (PAdES B-LTA) · Keep signed copies verifiable for decades.

        Adds every signature's validation data and a document timestamp to each signed
        document of the dossiers that lacks them (or whose last timestamp ends soon)."""
        from archive.domain.errors import ArchiveError
        from archive.services.accounts import acting_as
        from signing.service import keep_long_term

        archive = _open_archive()
        try:
            outcomes = keep_long_term(
                archive, acting_as(archive, username), dossiers, within_days=within_days
            )
        except (ArchiveError, ValueError) as error:
            message = f"{error.vi} / {error.en}" if isinstance(error, ArchiveError) else str(error)
            typer.echo(message, err=True)
            raise typer.Exit(1) from None
        finally:
            archive.close()
        failed = False
        for outcome in outcomes:
            status = outcome["status"]
            if status == "signed":
                typer.echo(
                    f"{outcome['document_id']}: B-LTA → phiên bản · version {outcome['version']}"
                )
            elif status == "already_long_term":
                typer.echo(f"{outcome['document_id']}: đã là B-LTA · already B-LTA")
            else:
                failed = True
                typer.echo(f"{outcome['document_id']}: {outcome.get('message')}", err=True)
        raise typer.Exit(1 if failed else 0)


def _open_archive() -> Any:
    from archive.services.context import Archive, NotReady
    from archive.settings import get_settings

    try:
        return Archive.open(get_settings())
    except NotReady as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


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
