"""Bulk import of old dossiers: one sub-folder per dossier, its PDFs and its description.

Each sub-folder holds the dossier's PDFs and one metadata file, ``dossier.json`` or
``dossier.csv`` (the formats are in the README, "Nhập hàng loạt · Bulk import"). Every
dossier and document goes in through the same services as the API (``dossiers.create``,
``documents.add``), so every check applies as for an upload: rights, the case type's
rules, the PDF check in a sandboxed process, duplicate refusal, audit trail, outbox.

A file is copied from disk into the upload spool in blocks, hashed on the way, exactly as
an upload is received: the bytes checked and stored are the spool's, which nothing else
writes to while the import reads them (the source may sit on a USB drive or a share).

Resuming: a dossier whose metadata gives a code is found again by that code, in the
database every node shares. A dossier without a code gets a generated one, which the
folder cannot know: which dossier a sub-folder became is kept in the import ledger,
``DATA_DIR/imports/ledger.jsonl`` (one JSON line per dossier, appended and fsynced right
after the dossier is created), keyed by the sub-folder's absolute path. A document already
in the dossier (the same bytes) is counted as already there. A rerun therefore adds only
what is missing. The ledger is also held under a lock for the whole run, so two imports
into one data folder never run at once.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from archive.domain.access import require
from archive.domain.errors import ArchiveError, Conflict, Invalid, NotFound
from archive.domain.model import Dossier, Party, PartyKind, User
from archive.domain.roles import Action
from archive.domain.text import safe_filename
from archive.metadata import documents as document_rows
from archive.metadata import dossiers as dossier_rows
from archive.metadata.schema import dossiers as dossier_table
from archive.services import documents as document_service
from archive.services import dossiers as dossier_service
from archive.services.accounts import acting_as
from archive.services.context import Actor, Archive
from archive.services.documents import DocumentDraft
from archive.services.dossiers import DossierDraft
from archive.services.spool import Spool, too_large
from archive.services.versions import ReceivedFile
from archive.storage import content_key

log = logging.getLogger(__name__)

METADATA_FILES = ("dossier.json", "dossier.csv")
LEDGER = Path("imports") / "ledger.jsonl"
READ_BLOCK = 1024 * 1024  # bytes read from the source file at a time
DOSSIER_KEYS = frozenset(
    {
        "case_type",
        "code",
        "title",
        "field",
        "unit",
        "opened_on",
        "closed_on",
        "stage",
        "retention",
        "parties",
        "custom",
        "documents",
    }
)
REQUIRED_KEYS = ("case_type", "title", "field", "opened_on")
DOCUMENT_KEYS = frozenset({"file", "order", "kind", "title", "number", "issued_on", "issuer"})
LINE = "_line"  # the CSV line an entry came from, for messages; not a field
PARTY_KEYS = frozenset({"role", "kind", "name", "id_number", "address"})
TRUE_WORDS = frozenset({"true", "1", "yes", "x", "có", "co"})
FALSE_WORDS = frozenset({"false", "0", "no", "không", "khong"})


# -- what a run reports ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Refusal:
    """Something not imported: the sub-folder, the file (None: the folder as a whole), why."""

    folder: str
    file: str | None
    code: str
    vi: str
    en: str

    def as_dict(self) -> dict[str, object]:
        return {
            "folder": self.folder,
            "file": self.file,
            "code": self.code,
            "message": self.vi,
            "message_en": self.en,
        }


@dataclass
class FolderOutcome:
    """What became of one sub-folder: its dossier (new or found again) and each file."""

    folder: str
    dossier_id: int | None = None
    dossier_code: str | None = None
    status: str = "refused"  # created | existing | refused
    added: list[str] = field(default_factory=list)
    already_there: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    not_read: int = 0  # files left alone because the dossier itself was refused

    def as_dict(self) -> dict[str, object]:
        return {
            "folder": self.folder,
            "dossier_id": self.dossier_id,
            "dossier_code": self.dossier_code,
            "status": self.status,
            "added": self.added,
            "already_there": self.already_there,
            "refused": [r.as_dict() for r in self.refused],
            "files_not_read": self.not_read,
        }


@dataclass
class ImportReport:
    source: str
    username: str
    started_at: datetime
    files_total: int = 0
    bytes_total: int = 0
    bytes_read: int = 0
    seconds: float = 0.0
    folders: list[FolderOutcome] = field(default_factory=list)
    stopped: str | None = None  # why the run stopped early (the store failed…), if it did

    def _count(self, status: str) -> int:
        return sum(1 for f in self.folders if f.status == status)

    @property
    def dossiers_created(self) -> int:
        return self._count("created")

    @property
    def dossiers_existing(self) -> int:
        return self._count("existing")

    @property
    def dossiers_refused(self) -> int:
        return self._count("refused")

    @property
    def documents_added(self) -> int:
        return sum(len(f.added) for f in self.folders)

    @property
    def documents_already_there(self) -> int:
        return sum(len(f.already_there) for f in self.folders)

    @property
    def refusals(self) -> list[Refusal]:
        return [r for f in self.folders for r in f.refused]

    @property
    def complete(self) -> bool:
        """Everything went in or was already there."""
        return not self.refusals and self.stopped is None

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "user": self.username,
            "started_at": self.started_at.isoformat(),
            "seconds": round(self.seconds, 3),
            "complete": self.complete,
            "stopped": self.stopped,
            "files_total": self.files_total,
            "bytes_total": self.bytes_total,
            "bytes_read": self.bytes_read,
            "dossiers": {
                "created": self.dossiers_created,
                "existing": self.dossiers_existing,
                "refused": self.dossiers_refused,
            },
            "documents": {
                "added": self.documents_added,
                "already_there": self.documents_already_there,
                "refused": sum(1 for r in self.refusals if r.file not in METADATA_FILES),
            },
            "refusals": [r.as_dict() for r in self.refusals],
            "folders": [f.as_dict() for f in self.folders],
        }


@dataclass(frozen=True, slots=True)
class Step:
    """Progress: ``files`` finished (0 or 1) and ``size`` bytes gone through, at ``label``."""

    files: int
    size: int
    label: str


ProgressFn = Callable[[Step], None]


# -- the metadata file ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentEntry:
    file: str
    order: int
    draft: DocumentDraft


@dataclass(frozen=True, slots=True)
class DossierEntry:
    metadata_file: str
    draft: DossierDraft
    documents: tuple[DocumentEntry, ...]


def _at(where: str, text: str) -> str:
    """A message placed at the line or entry of the metadata it is about."""
    return f"{where}: {text}"


def _metadata_error(where: str, vi: str, en: str) -> Invalid:
    return Invalid("bad_import_metadata", _at(where, vi), _at(where, en))


def _within(where: str, exc: ArchiveError) -> Invalid:
    """A refusal of the core, placed at the line or entry of the metadata it came from."""
    return Invalid(exc.code, _at(where, exc.vi), _at(where, exc.en), **exc.details)


def _text(raw: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    value = raw.get(key)
    if value is None or value == "":
        if required:
            raise _metadata_error(where, f"thiếu trường '{key}'.", f"the field '{key}' is missing.")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _metadata_error(
            where, f"trường '{key}' phải là chữ.", f"the field '{key}' must be text."
        )
    return str(value).strip() or None


def _date(raw: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> date | None:
    value = _text(raw, key, where, required=required)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _metadata_error(
            where,
            f"ngày '{value}' ở trường '{key}' không hợp lệ; dùng dạng YYYY-MM-DD.",
            f"the date '{value}' in '{key}' is not valid; use YYYY-MM-DD.",
        ) from None


def _unknown_keys(raw: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed - {LINE})
    if unknown:
        raise _metadata_error(
            where,
            f"trường không dùng được: {', '.join(unknown)} (dùng: {', '.join(sorted(allowed))}).",
            f"unknown fields: {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))}).",
        )


def _party(raw: object, where: str) -> Party:
    if not isinstance(raw, Mapping):
        raise _metadata_error(
            where, "mỗi đương sự phải là một đối tượng.", "each party must be an object."
        )
    _unknown_keys(raw, PARTY_KEYS, where)
    kind = _text(raw, "kind", where) or PartyKind.INDIVIDUAL.value
    if kind not in {k.value for k in PartyKind}:
        raise _metadata_error(
            where,
            f"loại đương sự '{kind}' phải là 'individual' hoặc 'organisation'.",
            f"the party kind '{kind}' must be 'individual' or 'organisation'.",
        )
    return Party(
        role=_text(raw, "role", where, required=True) or "",
        kind=PartyKind(kind),
        name=_text(raw, "name", where, required=True) or "",
        id_number=_text(raw, "id_number", where),
        address=_text(raw, "address", where),
    )


def _order(raw: Mapping[str, Any], where: str, default: int) -> int:
    value = raw.get("order")
    if value is None or value == "":
        return default
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _metadata_error(
        where, "thứ tự ('order') phải là số nguyên.", "the order must be a whole number."
    )


def _document(raw: object, where: str, position: int) -> DocumentEntry:
    if not isinstance(raw, Mapping):
        raise _metadata_error(
            where, "mỗi tài liệu phải là một đối tượng.", "each document must be an object."
        )
    _unknown_keys(raw, DOCUMENT_KEYS, where)
    name = _text(raw, "file", where, required=True) or ""
    if Path(name).name != name or name.startswith("."):
        raise _metadata_error(
            where,
            f"tên tệp '{name}' phải là tên một tệp trong chính thư mục hồ sơ.",
            f"the file name '{name}' must name a file in the dossier's own folder.",
        )
    return DocumentEntry(
        file=name,
        order=_order(raw, where, position),
        draft=DocumentDraft(
            kind=_text(raw, "kind", where, required=True) or "",
            title=_text(raw, "title", where, required=True) or "",
            number=_text(raw, "number", where),
            issued_on=_date(raw, "issued_on", where),
            issuer=_text(raw, "issuer", where),
        ),
    )


def _entry(raw: object, metadata_file: str) -> DossierEntry:
    """The dossier and its documents as the metadata describes them, checked for shape."""
    if not isinstance(raw, Mapping):
        raise _metadata_error(
            metadata_file, "nội dung phải là một đối tượng.", "the content must be an object."
        )
    lines = raw.get(LINE)
    lines = lines if isinstance(lines, Mapping) else {}

    def at(key: str) -> str:
        return f"{metadata_file} dòng · line {lines[key]}" if key in lines else metadata_file

    _unknown_keys(raw, DOSSIER_KEYS, metadata_file)
    for key in REQUIRED_KEYS:
        _text(raw, key, at(key), required=True)
    parties = raw.get("parties") or []
    custom = raw.get("custom") or {}
    documents = raw.get("documents") or []
    if not isinstance(parties, list) or not isinstance(documents, list):
        raise _metadata_error(
            metadata_file,
            "'parties' và 'documents' phải là danh sách.",
            "'parties' and 'documents' must be lists.",
        )
    if not isinstance(custom, Mapping):
        raise _metadata_error(
            metadata_file, "'custom' phải là một đối tượng.", "'custom' must be an object."
        )
    entries = tuple(
        _document(d, _where(metadata_file, d, "documents", i), i + 1)
        for i, d in enumerate(documents)
    )
    _no_repeated_files(entries, metadata_file)
    draft = DossierDraft(
        case_type=_text(raw, "case_type", at("case_type")) or "",
        title=_text(raw, "title", at("title")) or "",
        field=_text(raw, "field", at("field")) or "",
        opened_on=_date(raw, "opened_on", at("opened_on")) or date.min,
        unit_code=_text(raw, "unit", at("unit")),
        code=_text(raw, "code", at("code")),
        stage=_text(raw, "stage", at("stage")),
        retention=_text(raw, "retention", at("retention")),
        closed_on=_date(raw, "closed_on", at("closed_on")),
        parties=tuple(
            _party(p, _where(metadata_file, p, "parties", i)) for i, p in enumerate(parties)
        ),
        custom=dict(custom),
    )
    ordered = tuple(sorted(entries, key=lambda e: e.order))  # stable: ties keep their places
    return DossierEntry(metadata_file, draft, ordered)


def _where(metadata_file: str, raw: object, key: str, index: int) -> str:
    """Where an entry is, for a person: its CSV line, or its place in the JSON list."""
    if isinstance(raw, Mapping) and LINE in raw:
        return f"{metadata_file} dòng · line {raw[LINE]}"
    return f"{metadata_file} {key}[{index}]"


def _no_repeated_files(entries: tuple[DocumentEntry, ...], metadata_file: str) -> None:
    seen: set[str] = set()
    for entry in entries:
        if entry.file in seen:
            raise _metadata_error(
                metadata_file,
                f"tệp '{entry.file}' được mô tả hai lần.",
                f"the file '{entry.file}' is described twice.",
            )
        seen.add(entry.file)


def _read_json(path: Path) -> object:
    try:
        with path.open(encoding="utf-8-sig") as fh:
            return json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _metadata_error(
            path.name,
            f"không đọc được JSON ({exc}).",
            f"not readable as JSON ({exc}).",
        ) from None


CSV_ROWS = {
    "dossier": ("key", "value"),
    "custom": ("key", "value"),
    "party": ("role", "kind", "name", "id_number", "address"),
    "document": ("file", "order", "kind", "title", "number", "issued_on", "issuer"),
}


def _read_csv(path: Path) -> dict[str, Any]:
    """The CSV form, as the JSON one: each row says what it is in its first cell."""
    raw: dict[str, Any] = {"parties": [], "custom": {}, "documents": [], LINE: {}}
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(enumerate(csv.reader(fh), start=1))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise _metadata_error(
            path.name, f"không đọc được CSV ({exc}).", f"not readable as CSV ({exc})."
        ) from None
    for line, row in rows:
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        _csv_row(raw, cells, f"{path.name} dòng · line {line}", line)
    return raw


def _csv_row(raw: dict[str, Any], cells: list[str], where: str, line: int) -> None:
    kind, values = cells[0].lower(), cells[1:]
    names = CSV_ROWS.get(kind)
    if names is None:
        raise _metadata_error(
            where,
            f"loại dòng '{cells[0]}' không có; dùng: {', '.join(CSV_ROWS)}.",
            f"no row type '{cells[0]}'; use: {', '.join(CSV_ROWS)}.",
        )
    if any(values[len(names) :]):
        raise _metadata_error(
            where,
            f"dòng '{kind}' có nhiều ô hơn {len(names)}.",
            f"a '{kind}' row has more than {len(names)} cells.",
        )
    fields = dict(zip(names, values, strict=False))
    if kind == "dossier":
        key = fields.get("key", "")
        if key in raw:  # parties, custom, documents, LINE are there from the start
            raise _metadata_error(
                where, f"trường '{key}' ghi hai lần.", f"the field '{key}' is given twice."
            )
        raw[key] = fields.get("value", "")
        raw[LINE][key] = line
    elif kind == "custom":
        raw["custom"][fields.get("key", "")] = fields.get("value", "")
    else:
        entry: dict[str, Any] = {k: v for k, v in fields.items() if v}
        entry[LINE] = line
        raw["parties" if kind == "party" else "documents"].append(entry)


def _typed(value: str, kind: str) -> object:
    """A CSV cell as the case type's custom field expects it; a value that does not
    convert is passed as written, and the case type refuses it with its own message."""
    text = value.strip()
    if kind in ("money", "number"):
        digits = text.replace(" ", "").replace(".", "").replace(",", "")
        if kind == "money" and digits.isdigit():
            return int(digits)
        with contextlib.suppress(ValueError):
            return int(text) if text.lstrip("-").isdigit() else float(text)
    if kind == "boolean":
        if text.lower() in TRUE_WORDS:
            return True
        if text.lower() in FALSE_WORDS:
            return False
    return text


def _typed_custom(archive: Archive, case_type: str, custom: Mapping[str, str]) -> dict[str, object]:
    types = {f.code: f.type for f in archive.case_type(case_type).fields}
    return {k: _typed(v, types[k]) if k in types else v for k, v in custom.items() if v != ""}


def read_metadata(archive: Archive, folder: Path) -> DossierEntry:
    """The sub-folder's description, or the refusal that says what is wrong with it."""
    present = [folder / name for name in METADATA_FILES if (folder / name).is_file()]
    if not present:
        raise Invalid(
            "metadata_missing",
            "Thư mục không có tệp mô tả hồ sơ (dossier.json hoặc dossier.csv).",
            "The folder has no dossier description (dossier.json or dossier.csv).",
        )
    if len(present) > 1:
        raise Invalid(
            "metadata_ambiguous",
            "Thư mục có cả dossier.json lẫn dossier.csv; chỉ giữ một tệp.",
            "The folder has both dossier.json and dossier.csv; keep only one.",
        )
    path = present[0]
    try:
        if path.suffix == ".json":
            return _entry(_read_json(path), path.name)
        raw = _read_csv(path)
    except OSError as exc:
        unreadable = _unreadable(exc)
        raise _within(path.name, unreadable) from None
    entry = _entry(raw, path.name)  # its messages name the CSV lines
    try:
        custom = _typed_custom(archive, entry.draft.case_type, raw["custom"])
    except ArchiveError as exc:
        raise _within(path.name, exc) from None
    return replace(entry, draft=replace(entry.draft, custom=custom))


def check_kinds(archive: Archive, entry: DossierEntry) -> None:
    """Every document kind is one of the case type's, before the dossier is opened: a
    description that is wrong anywhere leaves the archive untouched."""
    try:
        case_type = archive.case_type(entry.draft.case_type)
    except ArchiveError as exc:
        raise _within(entry.metadata_file, exc) from None
    for document in entry.documents:
        try:
            case_type.check_document_kind(document.draft.kind)
        except ArchiveError as exc:
            raise _within(f"{entry.metadata_file} ({document.file})", exc) from None


# -- the ledger of imported dossiers ----------------------------------------------------


class Ledger:
    """Which sub-folder became which dossier, one JSON line each, held locked for the run."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._fh.close()
            raise Conflict(
                "import_running",
                "Một lần nhập khác đang chạy trên thư mục dữ liệu này; hãy chờ nó xong.",
                "Another import is running on this data folder; wait for it to finish.",
            ) from None
        self._fh.seek(0)
        self.entries: dict[str, dict[str, Any]] = {}
        for line in self._fh:
            with contextlib.suppress(json.JSONDecodeError):  # a line cut by a crash
                item = json.loads(line)
                if isinstance(item, dict) and isinstance(item.get("source"), str):
                    self.entries[item["source"]] = item

    def find(self, source: str) -> tuple[int, str] | None:
        item = self.entries.get(source)
        try:
            return (int(item["dossier_id"]), str(item["code"])) if item else None
        except (KeyError, TypeError, ValueError):  # a line edited by hand: not a marker
            return None

    def record(self, source: str, dossier: Dossier, by: User) -> None:
        item = {
            "source": source,
            "dossier_id": dossier.id,
            "code": dossier.code,
            "by": by.username,
            "at": datetime.now(UTC).isoformat(),
        }
        self._fh.write(json.dumps(item, ensure_ascii=False) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self.entries[source] = item

    def close(self) -> None:
        self._fh.close()  # releases the lock


# -- who imports ----------------------------------------------------------------------------


def importer(archive: Archive, username: str) -> Actor:
    """The account the import acts as; refused unless it may open dossiers and add
    documents (which units it may import into is checked per dossier, as for the API)."""
    actor = acting_as(archive, username)
    require(actor.user, Action.CREATE_DOSSIER)
    require(actor.user, Action.ADD_DOCUMENT)
    return actor


# -- one dossier ------------------------------------------------------------------------------


def _files_of(folder: Path) -> list[Path]:
    """What the sub-folder holds besides its description, hidden entries left out."""
    return sorted(
        p for p in folder.iterdir() if not p.name.startswith(".") and p.name not in METADATA_FILES
    )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


def _by_code(archive: Archive, actor: Actor, entry: DossierEntry) -> Dossier | None:
    code = entry.draft.code
    if code is None:
        return None
    with archive.db.read() as conn:
        dossier_id = conn.execute(
            select(dossier_table.c.id).where(dossier_table.c.code == code)
        ).scalar()
    if dossier_id is None:
        return None
    try:
        found = dossier_service.fetch(archive, actor, int(dossier_id), view=None)
    except NotFound:
        found = None
    if found is None or found.case_type != entry.draft.case_type:
        raise Conflict(
            "dossier_code_taken",
            f"Mã hồ sơ '{code}' đã được dùng cho một hồ sơ khác.",
            f"The dossier code '{code}' is already used by another dossier.",
        )
    return found


def _by_ledger(archive: Archive, actor: Actor, ledger: Ledger, source: str) -> Dossier | None:
    noted = ledger.find(source)
    if noted is None:
        return None
    dossier_id, code = noted
    with archive.db.read() as conn:
        row = dossier_rows.get(conn, dossier_id, None, whole=False)
    if row is None or row.code != code:
        return None  # a ledger of another database (the data folder was reused)
    return dossier_service.fetch(archive, actor, dossier_id, view=None)


def _dossier_for(
    archive: Archive, actor: Actor, ledger: Ledger, source: str, entry: DossierEntry
) -> tuple[Dossier, bool]:
    """The dossier the sub-folder became before, or a new one; True when new."""
    found = _by_code(archive, actor, entry) or _by_ledger(archive, actor, ledger, source)
    if found is not None:
        return found, False
    check_kinds(archive, entry)
    try:
        created = dossier_service.create(archive, actor, entry.draft)
    except ArchiveError as exc:
        raise _within(entry.metadata_file, exc) from None
    ledger.record(source, created, actor.user)
    return created, True


@contextlib.contextmanager
def spooled(
    archive: Archive, path: Path, on_bytes: Callable[[int], None] | None = None
) -> Iterator[ReceivedFile]:
    """The file copied into the upload spool in blocks, hashed on the way, as an upload is
    received; the spool file is removed when the block ends, whatever happened."""
    limit = archive.settings.max_upload_bytes
    if path.stat().st_size > limit:
        raise too_large(limit)  # refused before a byte is copied
    with Spool(archive.incoming_dir, limit) as spool:
        with path.open("rb") as source:
            while block := source.read(READ_BLOCK):
                spool.write(block)
                if on_bytes is not None:
                    on_bytes(len(block))
        sha256 = spool.finish()
        yield ReceivedFile(
            spool.path, sha256, spool.size, safe_filename(path.name), spool.chunk_digests
        )


def _already_there(archive: Archive, dossier_id: int, sha256: str) -> bool:
    with archive.db.read() as conn:
        return document_rows.current_holding(conn, dossier_id, content_key(sha256)) is not None


def import_document(
    archive: Archive,
    actor: Actor,
    dossier: Dossier,
    path: Path,
    draft: DocumentDraft,
    on_bytes: Callable[[int], None] | None = None,
) -> tuple[bool, str]:
    """Add one file as a document; (False, sha256) when the same bytes are already in the
    dossier. Refusals are raised as the core raises them."""
    with spooled(archive, path, on_bytes) as received:
        # Bytes already in the dossier were checked when they came in: no second check.
        if _already_there(archive, dossier.id, received.sha256):
            return False, received.sha256
        try:
            document_service.add(archive, actor, dossier.id, draft, received, checked=dossier)
        except Conflict as exc:
            if exc.code == "duplicate_document":  # another upload won the race
                return False, received.sha256
            raise
    return True, received.sha256


def _unreadable(exc: OSError) -> Invalid:
    reason = exc.strerror or exc.__class__.__name__
    return Invalid(
        "file_unreadable",
        f"Không đọc được tệp ({reason}).",
        f"The file cannot be read ({reason}).",
    )


def _put_in_order(
    archive: Archive, actor: Actor, dossier_id: int, ranks: Mapping[str, int]
) -> None:
    """Documents described in the metadata in its order, ahead of any others (a rerun
    may have added one that was refused before, which went to the end)."""
    with archive.db.read() as conn:
        docs = document_rows.of_dossier(conn, dossier_id)
    last = len(ranks) + 1
    wanted = sorted(docs, key=lambda d: (ranks.get(d.current.sha256, last), d.position))
    if [d.id for d in wanted] != [d.id for d in docs]:
        document_service.reorder(archive, actor, dossier_id, [d.id for d in wanted])


@dataclass
class _Run:
    archive: Archive
    actor: Actor
    ledger: Ledger
    report: ImportReport
    progress: ProgressFn | None

    def tell(self, files: int, size: int, label: str) -> None:
        if self.progress is not None:
            self.progress(Step(files, size, label))

    def read(self, size: int, label: str) -> None:
        self.report.bytes_read += size
        self.tell(0, size, label)

    def skip(self, paths: list[Path]) -> None:
        """Files not read (or not to the end): counted through, so the bar and ETA stay
        true."""
        for path in paths:
            self.tell(1, _size(path), f"{path.parent.name}/{path.name}")

    def folder(self, folder: Path) -> FolderOutcome:
        outcome = FolderOutcome(folder.name)
        files = _files_of(folder)
        try:
            entry = read_metadata(self.archive, folder)
            dossier, new = _dossier_for(
                self.archive, self.actor, self.ledger, str(folder.resolve()), entry
            )
        except ArchiveError as exc:
            meta = next((n for n in METADATA_FILES if (folder / n).is_file()), None)
            outcome.refused.append(Refusal(folder.name, meta, exc.code, exc.vi, exc.en))
            outcome.not_read = len(files)
            self.skip(files)
            return outcome
        outcome.status = "created" if new else "existing"
        outcome.dossier_id, outcome.dossier_code = dossier.id, dossier.code
        self._documents(outcome, folder, files, dossier, entry)
        return outcome

    def _documents(
        self,
        outcome: FolderOutcome,
        folder: Path,
        files: list[Path],
        dossier: Dossier,
        entry: DossierEntry,
    ) -> None:
        described = {d.file for d in entry.documents}
        for path in files:
            if path.name not in described:
                outcome.refused.append(_not_described(folder.name, path))
                self.skip([path])
        ranks: dict[str, int] = {}
        for rank, document in enumerate(entry.documents):
            sha256 = self._document(outcome, folder, dossier, document)
            if sha256 is not None:
                ranks.setdefault(sha256, rank)
        if outcome.added:
            _put_in_order(self.archive, self.actor, dossier.id, ranks)

    def _document(
        self, outcome: FolderOutcome, folder: Path, dossier: Dossier, document: DocumentEntry
    ) -> str | None:
        path = folder / document.file
        label = f"{folder.name}/{document.file}"
        size, done = _size(path), 0

        def read(n: int) -> None:
            nonlocal done
            done += n
            self.read(n, label)

        try:
            if not path.is_file():
                raise Invalid(
                    "file_missing",
                    "Tệp được mô tả nhưng không có trong thư mục.",
                    "The file is described but not in the folder.",
                )
            added, sha256 = import_document(
                self.archive,
                self.actor,
                dossier,
                path,
                document.draft,
                read,
            )
        except ArchiveError as exc:
            outcome.refused.append(Refusal(folder.name, document.file, exc.code, exc.vi, exc.en))
            return None
        except OSError as exc:
            refusal = _unreadable(exc)
            outcome.refused.append(
                Refusal(folder.name, document.file, refusal.code, refusal.vi, refusal.en)
            )
            return None
        finally:
            self.tell(1, max(0, size - done), label)  # what was not read, if refused early
        (outcome.added if added else outcome.already_there).append(document.file)
        return sha256


def _not_described(folder: str, path: Path) -> Refusal:
    if path.is_dir():
        return Refusal(
            folder,
            path.name,
            "folder_not_supported",
            "Thư mục con trong thư mục hồ sơ không được nhập; hãy để tệp ngay trong thư mục hồ sơ.",
            "Folders inside a dossier's folder are not imported; put the files in it directly.",
        )
    return Refusal(
        folder,
        path.name,
        "file_not_described",
        "Tệp không có trong tệp mô tả hồ sơ nên không biết loại và tiêu đề; hãy bổ sung mô tả.",
        "The file is not in the dossier's description, so its kind and title are unknown; "
        "describe it.",
    )


def dossier_folders(source: Path) -> list[Path]:
    """The sub-folders to import, by name; files beside them are not part of any dossier."""
    if not source.is_dir():
        raise NotFound(
            "import_folder_not_found",
            f"Không có thư mục '{source}'.",
            f"There is no folder '{source}'.",
        )
    return sorted(p for p in source.iterdir() if p.is_dir() and not p.name.startswith("."))


def run(
    archive: Archive,
    source: Path,
    username: str,
    *,
    progress: ProgressFn | None = None,
    sized: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import every sub-folder of ``source`` as ``username``. A refusal is reported and the
    run goes on; only a failure of the archive itself (database, store) stops it, and the
    report says so. ``sized`` is told the files and bytes to go through before the first
    is read, ``progress`` each step after."""
    actor = importer(archive, username)
    folders = dossier_folders(source)
    report = ImportReport(str(source.resolve()), username, datetime.now(UTC))
    for folder in folders:
        files = _files_of(folder)
        report.files_total += len(files)
        report.bytes_total += sum(_size(p) for p in files)
    if sized is not None:
        sized(report.files_total, report.bytes_total)
    started = time.monotonic()
    ledger = Ledger(archive.settings.data_dir / LEDGER)
    job = _Run(archive, actor, ledger, report, progress)
    try:
        for folder in folders:
            report.folders.append(job.folder(folder))
    except Exception as exc:
        log.exception("import stopped at %s", folder)
        report.stopped = f"{folder.name}: {exc.__class__.__name__}: {exc}"
    finally:
        ledger.close()
        report.seconds = time.monotonic() - started
    return report
