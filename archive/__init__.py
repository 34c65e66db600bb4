"""Case-dossier archive for Vietnamese public agencies (kho lưu trữ hồ sơ vụ việc).

``archive.domain`` holds the rules in the users' words and imports no framework or client;
``archive.metadata`` and ``archive.storage`` keep rows and bytes; ``archive.services`` are the
use cases the API, CLI and workers call; ``archive.api`` is the HTTP surface.
"""

__version__ = "0.1.0"
