"""``archive reindex`` and ``archive search-status``: the index on the command line."""

from __future__ import annotations

from typing import Annotated

import typer


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
        from archive.services.context import Archive, NotReady
        from archive.settings import get_settings
        from indexer.backend import SearchUnavailable
        from indexer.extraction import TextReader
        from indexer.indexing import Indexer
        from indexer.opening import Search

        if not (document or dossier or everything):
            typer.secho(
                "Hãy chọn --document, --dossier hoặc --all. / "
                "Choose --document, --dossier or --all.",
                fg=typer.colors.RED,
                err=True,
            )
            raise typer.Exit(2)
        try:
            archive = Archive.open(get_settings())
            search = Search.open(archive)
        except NotReady as exc:
            typer.secho(str(exc), fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None
        reader = TextReader(
            memory_mb=archive.settings.text_read_memory_mb,
            seconds=archive.settings.text_read_seconds,
            work_dir=archive.settings.data_dir / "indexing",
        )
        try:
            indexer = Indexer(archive, search.prepared(), reader)
            if everything:
                n = indexer.everything()
                typer.echo(f"Đã lập lại chỉ mục {n} tài liệu · {n} documents reindexed")
                return
            for dossier_id in dossier or ():
                n = indexer.of_dossier(dossier_id)
                typer.echo(
                    f"Hồ sơ {dossier_id}: {n} tài liệu · dossier {dossier_id}: {n} documents"
                )
            for document_id in document or ():
                status = indexer.document(document_id)
                indexer.index.settle()
                typer.echo(f"Tài liệu {document_id}: {status or 'không còn · gone'}")
        except SearchUnavailable as exc:
            typer.secho(
                f"Máy tìm kiếm không trả lời · The search engine does not answer: {exc}",
                fg=typer.colors.RED,
                err=True,
            )
            raise typer.Exit(1) from None
        finally:
            reader.close()
            search.close()
            archive.close()
