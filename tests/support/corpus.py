"""Real-world PDFs nobody here made: the test files of PDF libraries, from their PyPI sdists.

Office and LaTeX producers, scanners, fuzzer finds, bug reports, every kind of encryption:
the files those projects collected because readers met them in the wild. Each archive is
pinned by version and SHA-256 and downloaded once into the servers' cache (the package
registry is the only network the tests use), its PDFs extracted and de-duplicated by
content. Nothing from them is committed here.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(os.environ.get("ARCHIVE_SERVERS_CACHE", "/var/cache/case-archive")) / "pdf-corpus"
FILES = "https://files.pythonhosted.org/packages"


@dataclass(frozen=True)
class Sdist:
    path: str  # under FILES
    sha256: str

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


SDISTS = (
    Sdist(
        "96/5f/f41984a8150ec37c6ee50fa6fa1868d065337b65ba510a155848b2ce0b62/pypdf-7.1.1.tar.gz",
        "2eff4e2fc5fb22a6d6711e6f1166cdc9ab5765d90cd0d77dfea3f4aa91a27b1d",
    ),
    Sdist(
        "2e/5c/db56403f493bae2e35a0d5d2c9ad358b011f142b760282698a9f2732941e/pikepdf-10.18.0.tar.gz",
        "cb555ebff93482e8a6eb55881488b469bbb2b5675161c1b93a0510a8642d98d0",
    ),
    Sdist(
        "d9/1b/d35a3c9bb4e4959bd782808f0eb45cce16e66040a292b7f4eaa6a6e44ff1/"
        "ocrmypdf-17.13.0.tar.gz",
        "151c35d810eb628fbc5cb9bbe80b834ecf094737efa0e7a2e9e1fac3c730ed49",
    ),
    Sdist(
        "e8/31/7acc148333749d6a8ef7cbf25902bdf59a462811a69d040a9a259916b6bd/"
        "pdfminer.six-20191110.tar.gz",
        "141a53ec491bee6d45bf9b2c7f82601426fb5d32636bcf6b9c8a8f3b6431fea6",
    ),
    Sdist(
        "c5/47/ebd9cdc09d82462533f69f983c7f57ebbf01e68adb111a3c49acacde2540/PyMuPDF-1.23.26.tar.gz",
        "a904261b317b761b0aa2bd2c1f6cd25d25aa4258be67a90c02a878efc5dca649",
    ),
    Sdist(
        "f4/f4/603a95657786fdbca99c3a65127507cb1a2d43c0c1c4d9f7a4680c56b61e/pdftotext-4.0.0.tar.gz",
        "6c949f01bb0fea4560cc23e4b8b017188647d22f99a604a7ed3d09f72f43e634",
    ),
    Sdist(
        "e2/31/2a14a5048f681c404ae0b32a00d141128dd3065965190fdcae3b33e2bcae/"
        "tabula_py-2.10.0.tar.gz",
        "75968a83fe978e5d56ccf23f0f0255a459c256b7b52db7cabe5ac795bb3b12df",
    ),
)


def _fetch(sdist: Sdist) -> bytes:
    target = CACHE / "sdists" / sdist.name
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == sdist.sha256:
        return target.read_bytes()
    with urllib.request.urlopen(f"{FILES}/{sdist.path}", timeout=120) as answer:
        data: bytes = answer.read()
    actual = hashlib.sha256(data).hexdigest()
    if actual != sdist.sha256:
        raise RuntimeError(f"{sdist.name}: SHA-256 {actual} is not the pinned {sdist.sha256}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(data)
    partial.replace(target)
    return data


def real_world_pdfs() -> list[Path]:
    """The collection: one file per distinct content, named ``<sha256>-<origin>.pdf``."""
    folder = CACHE / "files"
    done = CACHE / "files.done"
    if not done.is_file():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for sdist in SDISTS:
            with tarfile.open(fileobj=io.BytesIO(_fetch(sdist)), mode="r:gz") as tar:
                for member in tar.getmembers():
                    if not member.isfile() or not member.name.lower().endswith(".pdf"):
                        continue
                    extracted = tar.extractfile(member)
                    if extracted is None:
                        continue
                    data = extracted.read()
                    digest = hashlib.sha256(data).hexdigest()
                    origin = member.name.replace("/", "__")[-80:]
                    if not any(folder.glob(f"{digest}-*")):
                        (folder / f"{digest}-{origin}").write_bytes(data)
        done.write_text("ok\n")
    return sorted(folder.glob("*.pdf")) + sorted(folder.glob("*.PDF"))
