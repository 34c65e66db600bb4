"""Independent checks of a signed PDF, by tools that share no code with pyHanko.

- poppler's ``pdfsig``: each signature's "Signature Validation" line (Debian 12's pdfsig
  says "Unknown issue" about even a good chain, so its certificate line is not read);
- ``openssl cms -verify`` over the exact bytes each signature's /ByteRange covers;
- ``qpdf --check``: the file's structure;
- ``pdffonts``: every font embedded.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path


def pdfsig_validations(path: Path) -> list[str]:
    """Each signature's validation verdict as pdfsig prints it, in file order."""
    run = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
    return re.findall(r"Signature Validation: (.+?)\.?$", run.stdout, re.M)


def openssl_verifies(path: Path, root_pem: Path, workdir: Path) -> list[bool]:
    """Per regular signature: does openssl accept the CMS over its byte ranges, chained to
    ``root_pem``? (Document timestamps are left out: they sign a TSTInfo, not the file.)"""
    from pyhanko.pdf_utils.reader import PdfFileReader

    data = path.read_bytes()
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    results = []
    for number, signature in enumerate(reader.embedded_regular_signatures):
        ranges = [int(v) for v in signature.sig_object["/ByteRange"]]
        covered = b"".join(
            data[ranges[i] : ranges[i] + ranges[i + 1]] for i in range(0, len(ranges), 2)
        )
        content = workdir / f"signed-{number}.bin"
        cms = workdir / f"signature-{number}.der"
        content.write_bytes(covered)
        cms.write_bytes(signature.pkcs7_content)
        run = subprocess.run(
            [
                "openssl",
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                str(cms),
                "-content",
                str(content),
                "-CAfile",
                str(root_pem),
                "-purpose",
                "any",
                "-out",
                "/dev/null",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        results.append(run.returncode == 0 and "Verification successful" in run.stderr)
    return results


def qpdf_clean(path: Path) -> bool:
    run = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, check=False)
    return run.returncode == 0


def unembedded_fonts(path: Path) -> list[str]:
    """Names of the fonts pdffonts finds not embedded (empty: all embedded)."""
    run = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    missing = []
    for line in run.stdout.splitlines()[2:]:
        columns = line.split()
        # name type [type…] encoding emb sub uni object generation: emb is 5th from the end
        if len(columns) >= 6 and columns[-5] != "yes":
            missing.append(columns[0])
    return missing
