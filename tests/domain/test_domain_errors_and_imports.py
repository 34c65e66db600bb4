"""Errors speak Vietnamese and English; the domain layer imports no framework or driver."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import archive
from archive.domain import errors
from archive.domain.errors import (
    ArchiveError,
    Conflict,
    Forbidden,
    IntegrityFailure,
    Invalid,
    NotFound,
    TooLarge,
    TooManyAttempts,
    Unauthenticated,
    Unavailable,
    document_not_found,
    dossier_not_found,
)

PACKAGE = Path(archive.__file__).parent
DOMAIN = PACKAGE / "domain"
FORBIDDEN_IMPORTS = {
    "fastapi",
    "starlette",
    "sqlalchemy",
    "minio",
    "celery",
    "uvicorn",
    "httpx",
    "pypdfium2",
}
ERROR_CLASSES = {
    "ArchiveError",
    "Invalid",
    "NotFound",
    "Forbidden",
    "Unauthenticated",
    "Conflict",
    "TooLarge",
    "IntegrityFailure",
    "_refuse",
}


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):  # every import, also inside functions and TYPE_CHECKING
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: stays inside archive.domain
                found.append("archive.domain." + (node.module or ""))
            elif node.module:
                found.append(node.module)
    return found


def test_domain_modules_exist() -> None:
    names = {p.name for p in DOMAIN.glob("*.py")}
    assert {"access.py", "audit.py", "casetypes.py", "errors.py", "folios.py"} <= names


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_domain_imports_no_framework_driver_or_outer_layer(path: Path) -> None:
    for module in imported_modules(path):
        top = module.split(".")[0]
        assert top not in FORBIDDEN_IMPORTS, f"{path.name} imports {module}"
        if top == "archive":
            assert module.startswith("archive.domain"), f"{path.name} imports {module}"
        else:
            assert top in sys.stdlib_module_names or top == "__future__", (
                f"{path.name} imports third-party {module}"
            )


ALL_KINDS = [
    Invalid,
    NotFound,
    Forbidden,
    Unauthenticated,
    Conflict,
    TooLarge,
    TooManyAttempts,
    IntegrityFailure,
    Unavailable,
]


@pytest.mark.parametrize("cls", ALL_KINDS, ids=lambda c: c.__name__)
def test_every_error_kind_carries_both_languages(cls: type[ArchiveError]) -> None:
    err = cls("ma_loi", "Thông báo tiếng Việt.", "English message.", hint=1)
    assert isinstance(err, ArchiveError)
    assert str(err) == "English message."
    assert err.as_dict() == {
        "code": "ma_loi",
        "message": "Thông báo tiếng Việt.",
        "message_en": "English message.",
        "details": {"hint": 1},
    }
    assert "details" not in cls("c", "v", "e").as_dict()


def test_error_kinds_are_distinct() -> None:
    kinds = [cls.kind for cls in ALL_KINDS]
    assert len(set(kinds)) == len(kinds)


def test_not_found_messages_do_not_leak_existence() -> None:
    for err in (dossier_not_found(), document_not_found()):
        assert isinstance(err, NotFound)
        assert err.vi != err.en
        assert "quyền" in err.vi  # "or you may not see it"
        assert "not allowed" in err.en


def _literal(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def error_constructions() -> list[tuple[str, int, str, str]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in ERROR_CLASSES or len(node.args) < 3:
                continue
            vi, en = _literal(node.args[1]), _literal(node.args[2])
            if vi is not None and en is not None:
                found.append((str(path.relative_to(PACKAGE)), node.lineno, vi, en))
    return found


def test_every_raised_error_in_the_code_has_two_different_texts() -> None:
    constructions = error_constructions()
    assert len(constructions) > 30  # the scan really finds the archive's errors
    bad = [
        f"{where}:{line}"
        for where, line, vi, en in constructions
        if vi == en or not vi.strip() or not en.strip() or vi.isascii()
    ]
    # Vietnamese is written with diacritics, so a pure-ASCII 'Vietnamese' text is a copy.
    assert bad == []


def test_errors_module_lists_every_kind() -> None:
    exported = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, ArchiveError)
    }
    assert exported == {"ArchiveError", *(cls.__name__ for cls in ALL_KINDS)}


def test_every_error_kind_has_an_http_status() -> None:
    from archive.api.errors import STATUS

    assert {cls.kind for cls in ALL_KINDS} == set(STATUS)
