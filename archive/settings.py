"""The one settings object, read from the environment and an optional ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

GIB = 1024**3


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
        return self

    @property
    def embedded(self) -> bool:
        """True when every part runs inside this install (SQLite + local folder)."""
        return self.database_url.startswith("sqlite") and self.storage == "local"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
