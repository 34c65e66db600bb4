"""``archive reindex`` and ``archive check``: the search index on the command line."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from indexer.indexing import Indexer


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code)


@contextlib.contextmanager
def _indexer() -> Iterator[Indexer]:
    """The archive's indexer, for one command; says why when the archive or the search
    engine cannot be reached."""
    from archive.services.context import Archive, NotReady
    from archive.settings import get_settings
    from indexer.backend import SearchUnavailable
    from indexer.extraction import TextReader
    from indexer.indexing import Indexer
    from indexer.opening import Search

    try:
        archive = Archive.open(get_settings())
        search = Search.open(archive)
    except NotReady as exc:
        raise _fail(str(exc)) from None
    reader = TextReader.for_settings(archive.settings)
    try:
        yield Indexer(archive, search.prepared(), reader)
    except SearchUnavailable as exc:
        message = f"Máy tìm kiếm không trả lời · The search engine does not answer: {exc}"
        raise _fail(message) from None
    finally:
        reader.close()
        search.close()
        archive.close()


def commands(app: typer.Typer) -> None:
    @app.command()
    def reindex(
        document: Annotated[list[int] | None, typer.Option(help="Tài liệu · Document id")] = None,
        dossier: Annotated[list[int] | None, typer.Option(help="Hồ sơ · Dossier id")] = None,
        everything: Annotated[
            bool, typer.Option("--all", help="Dựng lại toàn bộ · Rebuild the whole index")
        ] = False,
    ) -> None:
        """Lập lại chỉ mục tìm kiếm · Rebuild search entries from the store."""

        if not (document or dossier or everything):
            raise _fail(
                "Hãy chọn --document, --dossier hoặc --all. / "
                "Choose --document, --dossier or --all.",
                2,
            )
        with _indexer() as opened:
            if everything:
                n = opened.everything()
                typer.echo(f"Đã lập lại chỉ mục {n} tài liệu · {n} documents reindexed")
                return
            for dossier_id in dossier or ():
                n = opened.of_dossier(dossier_id)
                typer.echo(
                    f"Hồ sơ {dossier_id}: {n} tài liệu · dossier {dossier_id}: {n} documents"
                )
            for document_id in document or ():
                status = opened.document(document_id)
                opened.index.settle()
                typer.echo(f"Tài liệu {document_id}: {status or 'không còn · gone'}")

    @app.command()
    def check(
        repair: Annotated[
            bool, typer.Option("--repair", help="Sửa chỗ lệch · Repair the drift found")
        ] = False,
    ) -> None:
        """So khớp kho, siêu dữ liệu và chỉ mục · Compare store, metadata and search index.

        Exits 0 when they agree (or all drift was repaired), 1 when drift remains."""
        from indexer.checking import check as compare

        with _indexer() as opened:
            drift = compare(opened, repair=repair, progress=typer.echo)
        lines: list[tuple[str, Sequence[object]]] = [
            ("Thiếu tệp trong kho · objects missing from the store", drift.missing_objects),
            ("Chưa lập chỉ mục · not indexed (pending or stale)", drift.not_indexed),
            ("Chỉ mục lệch · index entries differ", drift.entries_differ),
            (
                "Chỉ mục có tài liệu không tồn tại · index holds unknown documents",
                drift.unknown_in_index,
            ),
            ("Không đọc được chữ · text could not be read", drift.failed),
        ]
        for label, items in lines:
            if items:
                typer.echo(f"{label}: {len(items)}")
                for item in items[:20]:
                    typer.echo(f"  {item}")
        if drift.missing_objects:
            typer.secho(
                "Chạy `archive run fixity` để biết tài liệu nào bị mất · "
                "run `archive run fixity` to name the lost documents",
                fg=typer.colors.RED,
                err=True,
            )
        if repair and drift.repaired:
            typer.echo(f"Đã sửa · repaired: {drift.repaired}")
        repairable = drift.not_indexed or drift.entries_differ or drift.unknown_in_index
        if drift.missing_objects or (repairable and not repair):
            raise typer.Exit(1)
        typer.echo("Khớp · In agreement" if not repairable else "Đã sửa xong · Repaired")
