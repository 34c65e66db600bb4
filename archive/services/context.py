"""The opened archive: settings, metadata store and object store, checked at start-up."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection

from archive.domain.access import Scope, scope_for
from archive.domain.casetypes import CaseType, parse_case_type
from archive.domain.errors import Invalid
from archive.domain.model import Dossier, User
from archive.metadata import accounts, casetypes
from archive.metadata.db import Database, StoreNotReady
from archive.services.pdf_inspection import PdfChecker
from archive.settings import Settings
from archive.storage import ObjectStore, StoreUnavailable, open_store


class Closable(Protocol):
    def close(self) -> None: ...


class NotReady(Exception):
    """A missing or unwritable store, database or folder: start-up stops with this message."""


@dataclass
class Actor:
    """The signed-in user and what they may read, resolved once per request."""

    user: User
    scope: Scope


def actor_in(conn: Connection, user: User) -> Actor:
    """``user`` with what they may read, resolved inside the caller's transaction."""
    return Actor(
        user=user,
        scope=scope_for(user, accounts.unit_parents(conn), accounts.unit_successors(conn)),
    )


@dataclass
class Archive:
    settings: Settings
    db: Database
    store: ObjectStore
    # Versions never change once stored, so a cached (code, version) is never stale; only
    # which version is current is read from the store each time.
    _case_types: dict[tuple[str, int], CaseType] = field(default_factory=dict)
    _checker: PdfChecker | None = None
    # What a stage keeps open per archive (a search index client…), by the stage's name;
    # closed with the archive.
    stages: dict[str, Closable] = field(default_factory=dict)
    _stages_lock: threading.Lock = field(default_factory=threading.Lock)
    _checker_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, settings: Settings, *, check: bool = True) -> Archive:
        try:
            db = Database(settings.database_url)
            store = open_store(settings)
        except (StoreNotReady, StoreUnavailable) as exc:
            raise NotReady(str(exc)) from exc
        archive = cls(settings=settings, db=db, store=store)
        if check:
            archive.check_ready()
        return archive

    @property
    def incoming_dir(self) -> Path:
        return self.settings.data_dir / "incoming"

    def check_ready(self) -> None:
        """Refuse to run half-configured: an archive that cannot keep what it accepts must
        not accept anything (lesson of archives that silently lost their index)."""
        try:
            self.incoming_dir.mkdir(parents=True, exist_ok=True)
            probe = self.incoming_dir / ".write-probe"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise NotReady(
                f"Không ghi được vào thư mục dữ liệu {self.settings.data_dir}: {exc.strerror}. "
                "Hãy tạo thư mục, cấp quyền ghi hoặc đặt ARCHIVE_DATA_DIR. / "
                f"Cannot write to the data folder {self.settings.data_dir}: {exc.strerror}. "
                "Create it, make it writable, or set ARCHIVE_DATA_DIR."
            ) from exc
        try:
            self.db.check_ready()
            self.store.check_ready()
        except (StoreNotReady, StoreUnavailable) as exc:
            raise NotReady(str(exc)) from exc

    def ping(self) -> None:
        """Read-only reachability of the database and the store, for readiness probes:
        one trivial query and one cheap store request, whatever the collection's size."""
        try:
            with self.db.read() as conn:
                conn.exec_driver_sql("SELECT 1")
            self.store.ping()
        except Exception as exc:
            raise NotReady(
                f"Cơ sở dữ liệu hoặc kho tài liệu không trả lời ({exc.__class__.__name__}). / "
                f"The database or the document store does not answer ({exc.__class__.__name__})."
            ) from exc

    @property
    def pdf_checker(self) -> PdfChecker:
        """The sandboxed PDF checking processes, started on first use."""
        with self._checker_lock:
            if self._checker is None:
                self._checker = PdfChecker(
                    processes=self.settings.pdf_check_processes,
                    memory_mb=self.settings.pdf_check_memory_mb,
                    seconds=self.settings.pdf_check_seconds,
                )
            return self._checker

    def case_types(self) -> dict[str, CaseType]:
        """The current version of every case type."""
        with self.db.read() as conn:
            current = casetypes.current_versions(conn)
        return {code: self.case_type_version(code, v) for code, v in current.items()}

    def case_type(self, code: str) -> CaseType:
        """The current version of a case type (what a new dossier is opened under)."""
        with self.db.read() as conn:
            current = casetypes.current_versions(conn)
        version = current.get(code)
        if version is None:
            raise Invalid(
                "unknown_case_type",
                f"Không có loại hồ sơ '{code}'.",
                f"There is no case type '{code}'.",
                allowed=sorted(current),
            )
        return self.case_type_version(code, version)

    def case_type_version(self, code: str, version: int) -> CaseType:
        cached = self._case_types.get((code, version))
        if cached is None:
            with self.db.read() as conn:
                raw = casetypes.definition(conn, code, version)
            if raw is None:
                raise Invalid(
                    "unknown_case_type",
                    f"Không có loại hồ sơ '{code}' phiên bản {version}.",
                    f"There is no case type '{code}' version {version}.",
                )
            cached = self._case_types[(code, version)] = parse_case_type(raw)
        return cached

    def case_type_of(self, dossier: Dossier) -> CaseType:
        """The case type as it was when the dossier was opened."""
        return self.case_type_version(dossier.case_type, dossier.case_type_version)

    def actor(self, user: User) -> Actor:
        with self.db.read() as conn:
            return actor_in(conn, user)

    def stage(self, name: str, opening: Callable[[Archive], Closable]) -> Closable:
        """The stage's state for this archive, opened on first use."""
        with self._stages_lock:
            found = self.stages.get(name)
            if found is None:
                found = self.stages[name] = opening(self)
            return found

    def close(self) -> None:
        with self._stages_lock:
            for opened in self.stages.values():
                opened.close()
            self.stages.clear()
        with self._checker_lock:
            if self._checker is not None:
                self._checker.close()
                self._checker = None
        self.db.dispose()
