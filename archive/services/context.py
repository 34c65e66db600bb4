"""The opened archive: settings, metadata store and object store, checked at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from archive.domain.access import Scope, scope_for
from archive.domain.casetypes import CaseType
from archive.domain.errors import Invalid
from archive.domain.model import User
from archive.metadata import accounts, casetypes
from archive.metadata.db import Database, StoreNotReady
from archive.settings import Settings
from archive.storage import ObjectStore, StoreUnavailable, open_store


class NotReady(Exception):
    """A missing or unwritable store, database or folder: start-up stops with this message."""


@dataclass
class Actor:
    """The signed-in user and what they may read, resolved once per request."""

    user: User
    scope: Scope


@dataclass
class Archive:
    settings: Settings
    db: Database
    store: ObjectStore
    _case_types: dict[str, CaseType] = field(default_factory=dict)

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
        """Read-only reachability of the database and the store, for health probes: unlike
        ``check_ready`` it writes nothing, so anyone may call it as often as they like."""
        try:
            with self.db.read() as conn:
                conn.exec_driver_sql("SELECT 1")
            next(iter(self.store.iter_objects()), None)
        except Exception as exc:
            raise NotReady(
                f"Cơ sở dữ liệu hoặc kho tài liệu không trả lời ({exc.__class__.__name__}). / "
                f"The database or the document store does not answer ({exc.__class__.__name__})."
            ) from exc

    def case_types(self) -> dict[str, CaseType]:
        if not self._case_types:
            with self.db.read() as conn:
                self._case_types = casetypes.load(conn)
        return self._case_types

    def case_type(self, code: str) -> CaseType:
        found = self.case_types().get(code)
        if found is None:
            raise Invalid(
                "unknown_case_type",
                f"Không có loại hồ sơ '{code}'.",
                f"There is no case type '{code}'.",
                allowed=sorted(self.case_types()),
            )
        return found

    def actor(self, user: User) -> Actor:
        with self.db.read() as conn:
            parents = accounts.unit_parents(conn)
        return Actor(user=user, scope=scope_for(user, parents))

    def close(self) -> None:
        self.db.dispose()
