"""The one settings object, read from the environment and an optional ``.env`` file."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from archive.domain.pdf import ActiveContent

GIB = 1024**3


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _active_content(value: str) -> frozenset[ActiveContent]:
    """A comma list of active-content kinds, or ``all``; unknown names are refused."""
    names = set(_items(value))
    unknown = names - {a.value for a in ActiveContent} - {"all"}
    if unknown:
        raise ValueError(f"unknown active content: {', '.join(sorted(unknown))}")
    return frozenset(ActiveContent) if "all" in names else frozenset(map(ActiveContent, names))


def _networks_in(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in _items(value))


class Settings(BaseSettings):
    """Every knob of an installation. Names map to ``ARCHIVE_<NAME>`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="ARCHIVE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("var"),
        description="Folder for the embedded database, local object store and queue.",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL of the metadata store; empty means SQLite in data_dir.",
    )
    storage: Literal["local", "s3"] = Field(
        default="local", description="Where document bytes live: a local folder or S3/MinIO."
    )
    storage_dir: Path | None = Field(
        default=None, description="Folder of the local object store; empty means data_dir/objects."
    )
    s3_endpoint: str = Field(default="", description="host:port of the S3/MinIO server.")
    s3_access_key: str = Field(default="", description="S3 access key.")
    s3_secret_key: str = Field(default="", description="S3 secret key.")
    s3_bucket: str = Field(default="archive", description="Bucket holding the documents.")
    s3_secure: bool = Field(default=False, description="Use HTTPS to reach S3.")
    s3_region: str = Field(default="", description="S3 region, if the server wants one.")
    s3_object_lock: Literal["off", "governance", "compliance"] = Field(
        default="off",
        description="Object-lock (WORM) mode applied to stored originals; needs a new bucket.",
    )
    s3_retention_days: int = Field(
        default=3650, ge=1, description="Days an original stays locked when object lock is on."
    )
    broker_url: str = Field(
        default="", description="Celery broker; empty means a SQLite queue in data_dir."
    )
    result_backend: str = Field(
        default="", description="Celery result store; empty means SQLite in data_dir."
    )
    task_visibility_timeout: int = Field(
        default=3600,
        ge=1,
        description="Seconds after which Redis gives an unfinished job of a dead worker to "
        "another worker; longer than the longest task.",
    )
    max_upload_bytes: int = Field(
        default=GIB, ge=1, description="Largest accepted upload, in bytes (default 1 GiB)."
    )
    orphan_grace_hours: float = Field(
        default=24.0,
        ge=0,
        description="Age after which a stored object no row points at is swept away.",
    )
    spool_grace_hours: float = Field(
        default=1.0,
        ge=0,
        description="Age after which an upload's spool file that no running upload holds "
        "is removed (left by a killed upload); checked by every web node for its own folder.",
    )
    sweep_interval_hours: float = Field(
        default=1.0,
        gt=0,
        description="How often the worker sweeps orphan objects and stale multipart uploads "
        "and confirms retention of new originals.",
    )
    checkpoint_interval_minutes: float = Field(
        default=60.0,
        gt=0,
        description="How often the worker writes the audit trail's head hash into the "
        "object store as a checkpoint.",
    )
    fixity_batch_seconds: float = Field(
        default=300.0,
        gt=0,
        description="Longest a single fixity batch runs before it hands over to the next; "
        "never more than a third of the task visibility timeout.",
    )
    pdf_check_processes: int = Field(
        default=2,
        ge=1,
        le=32,
        description="Separate processes that check uploaded PDFs (one check at a time each).",
    )
    pdf_check_memory_mb: int = Field(
        default=1536,
        ge=256,
        description="Memory limit of each PDF checking process, in MiB.",
    )
    pdf_check_seconds: float = Field(
        default=120.0,
        gt=0,
        description="Time limit for checking one PDF; a check that overruns is killed and "
        "the file refused.",
    )
    refuse_active_content: str = Field(
        default="",
        description="Active content refused at upload: empty (keep and record everything), "
        "`all`, or a comma list of javascript, launch_action, open_action, embedded_files, "
        "xfa, submit_action, remote_goto, prefix_bytes.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma list of addresses or networks of reverse proxies whose "
        "X-Forwarded-For header is believed; empty believes no one.",
    )
    session_hours: float = Field(
        default=12.0, gt=0, description="Lifetime of a login session or bearer token."
    )
    api_token_days: int = Field(default=365, ge=1, description="Lifetime of a named API token.")
    cookie_secure: bool = Field(
        default=False, description="Send the session cookie over HTTPS only (set behind TLS)."
    )
    host: str = Field(default="127.0.0.1", description="Address `archive serve` listens on.")
    port: int = Field(default=8000, description="Port `archive serve` listens on.")
    fixity_interval_hours: float = Field(
        default=24.0, gt=0, description="How often the worker re-hashes every stored object."
    )
    search: Literal["auto", "fts5", "elasticsearch"] = Field(
        default="auto",
        description="Search backend: SQLite FTS5 in the embedded database, or Elasticsearch; "
        "`auto` takes Elasticsearch when its URL is set, else FTS5.",
    )
    elasticsearch_url: str = Field(
        default="", description="http://host:port of an Elasticsearch node (scaled search)."
    )
    elasticsearch_index: str = Field(
        default="archive-search",
        description="Alias the search index lives behind (rebuilds swap the index under it).",
    )
    search_synonyms: Path | None = Field(
        default=None,
        description="File of synonym groups for search (one group per line, terms separated "
        "by |); empty means the list shipped with the archive.",
    )
    search_feed_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How often the worker takes new changes into the search index.",
    )
    search_lease_seconds: float = Field(
        default=300.0,
        gt=0,
        description="Time after which a batch a dead worker was indexing goes to another.",
    )
    search_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long a search waits for Elasticsearch before it is refused as "
        "unavailable (a person is waiting).",
    )
    text_read_seconds: float = Field(
        default=120.0,
        gt=0,
        description="Time limit for reading the text of one PDF; a read that overruns is "
        "killed and the document marked failed.",
    )
    text_read_memory_mb: int = Field(
        default=1536, ge=256, description="Memory limit of the text reading process, in MiB."
    )
    reminder_days: str = Field(
        default="3,1",
        description="Working days before a deadline at which the responsible official and "
        "their leader are reminded (comma list); overdue items are reminded once too.",
    )
    statistics_feed_seconds: float = Field(
        default=5.0, gt=0, description="How often the worker takes changes into the statistics."
    )
    statistics_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long the statistics wait for Elasticsearch before saying it does "
        "not answer (scaled).",
    )
    reminder_seconds: float = Field(
        default=900.0, gt=0, description="How often the worker looks for deadlines to remind."
    )
    smtp_host: str = Field(
        default="", description="SMTP server for reminder e-mail; empty sends none (in-app only)."
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP server port.")
    smtp_sender: str = Field(
        default="kho-ho-so@localhost", description="From address of reminder e-mail."
    )
    smtp_user: str = Field(default="", description="SMTP user name, if the server wants one.")
    smtp_password: str = Field(default="", description="SMTP password.")
    smtp_starttls: bool = Field(default=False, description="Use STARTTLS with the SMTP server.")
    report_place: str = Field(
        default="",
        max_length=100,
        description='Place name on the date line of statistics reports ("Hà Nội, ngày …").',
    )

    signature_level: str = Field(
        default="B-B",
        pattern=r"^(?i:(PAdES-)?B-?(B|T|LT|LTA))$",
        description="PAdES level signatures are made at: B-B, B-T (timestamped), B-LT "
        "(revocation data embedded) or B-LTA (document timestamp too).",
    )
    tsa_url: str = Field(
        default="",
        description="RFC 3161 timestamp authority (needed from B-T up).",
    )
    remote_signing_url: str = Field(
        default="",
        description="Base URL of the remote signing service (only digests are sent to it).",
    )
    remote_signing_client_id: str = Field(default="", description="Client id there.")
    remote_signing_client_secret: str = Field(default="", description="Client secret there.")
    remote_signing_approval_seconds: float = Field(
        default=120.0, gt=0, le=900, description="How long to wait for the signer's approval."
    )
    seal_key: str = Field(
        default="",
        description="PKCS#12 file of the archive's own signing key (inspection packages); "
        "empty: a self-signed key made once in the data folder.",
    )
    seal_key_pin: str = Field(default="", description="Passphrase of ARCHIVE_SEAL_KEY.")
    decision_templates: str = Field(
        default="",
        description="Folder of decision templates (*.j2) that add to, or replace by name, "
        "the shipped ones.",
    )
    trust_roots: str = Field(
        default="",
        description="PEM files of the root certificates signatures are verified against "
        "(and B-LT revocation data gathered for), separated by the path separator.",
    )

    @model_validator(mode="after")
    def _derive_paths(self) -> Settings:
        self.data_dir = self.data_dir.expanduser().absolute()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'archive.sqlite'}"
        if self.storage_dir is None:
            self.storage_dir = self.data_dir / "objects"
        if not self.broker_url:
            self.broker_url = f"sqla+sqlite:///{self.data_dir / 'queue.sqlite'}"
        if not self.result_backend:
            self.result_backend = f"db+sqlite:///{self.data_dir / 'results.sqlite'}"
        # A batch longer than the visibility timeout would be handed to a second worker.
        self.fixity_batch_seconds = min(self.fixity_batch_seconds, self.task_visibility_timeout / 3)
        return self

    @field_validator("refuse_active_content")
    @classmethod
    def _known_active_content(cls, value: str) -> str:
        _active_content(value)
        return value

    @field_validator("reminder_days")
    @classmethod
    def _reminder_days(cls, value: str) -> str:
        days = [int(item) for item in _items(value)]
        if any(d < 0 or d > 60 for d in days):
            raise ValueError("reminder days must be 0 to 60 working days")
        return value

    @property
    def reminder_thresholds(self) -> tuple[int, ...]:
        """Working days before the due day, largest first."""
        return tuple(sorted({int(item) for item in _items(self.reminder_days)}, reverse=True))

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        _networks_in(value)
        return value

    @property
    def refused_active_content(self) -> frozenset[ActiveContent]:
        return _active_content(self.refuse_active_content)

    @property
    def proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return _networks_in(self.trusted_proxies)

    @property
    def embedded(self) -> bool:
        """True when every part runs inside this install (SQLite + local folder)."""
        return self.database_url.startswith("sqlite") and self.storage == "local"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
