"""Opening the metadata store and running read and write transactions on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError


class StoreNotReady(Exception):
    """The metadata store cannot be used; the message says what to do."""


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _sqlite_engine(url: str) -> Engine:
    path = make_url(url).database
    if path and path != ":memory:":
        folder = Path(path).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreNotReady(
                f"Không tạo được thư mục dữ liệu {folder}: {exc.strerror}. / "
                f"Cannot create the data folder {folder}: {exc.strerror}."
            ) from exc
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; survives process crashes
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()
        # SQLite's own lower() folds ASCII only: "Đô thị" would never match "đô thị".
        dbapi_conn.create_function("lower", 1, _unicode_lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A write transaction takes the write lock up front: a deferred one that reads and
        # then writes can fail with "database is locked" instead of waiting its turn.
        if conn.get_execution_options().get("archive_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


class Database:
    """The metadata store: SQLite (WAL) by default, PostgreSQL when configured."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = _sqlite_engine(url)
        else:
            self.engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
        # Reads on PostgreSQL run each statement on its own: under READ COMMITTED a
        # transaction gives a read nothing more (every statement takes a new snapshot
        # either way), and its BEGIN and COMMIT are two round trips on every sign-in and
        # every download. ``snapshot`` is there for reads that need one state throughout.
        self._reader = (
            self.engine
            if self.is_sqlite
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )

    @property
    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._reader.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A read transaction that sees one state of the store throughout, for reads that
        span many statements (PostgreSQL's default gives each statement a new snapshot;
        a SQLite read transaction in WAL mode already keeps one)."""
        options: dict[str, object] = {}
        if not self.is_sqlite:
            options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        with self.engine.connect().execution_options(**options) as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with (
            self.engine.connect().execution_options(archive_write=True) as conn,
            conn.begin(),
        ):
            yield conn

    def check_ready(self) -> None:
        """Stop start-up with a clear message unless the store is reachable and migrated."""
        from archive.metadata.migrate import head_revision

        try:
            with self.engine.connect() as conn:
                tables = set(inspect(conn).get_table_names())
                current = None
                if "alembic_version" in tables:
                    current = conn.exec_driver_sql(
                        "SELECT version_num FROM alembic_version"
                    ).scalar()
        except (OperationalError, SQLAlchemyError) as exc:
            raise StoreNotReady(
                f"Không kết nối được cơ sở dữ liệu {self.display_url}: {exc.__class__.__name__}. "
                "Kiểm tra ARCHIVE_DATABASE_URL và máy chủ cơ sở dữ liệu. / "
                f"Cannot reach the database {self.display_url}: {exc}. "
                "Check ARCHIVE_DATABASE_URL and the database server."
            ) from exc
        if current != head_revision():
            raise StoreNotReady(
                f"Cơ sở dữ liệu {self.display_url} chưa được cập nhật cấu trúc "
                f"(phiên bản {current}, cần {head_revision()}). Hãy chạy: archive migrate / "
                f"The database {self.display_url} is not migrated "
                f"(at {current}, needs {head_revision()}). Run: archive migrate"
            )

    def dispose(self) -> None:
        self.engine.dispose()
