"""The production docker-compose.yml: valid, pinned, and running what the tests run.

There is no Docker engine on the test machines, so the file is checked offline against the
Compose specification, and its versions are compared with the servers that
``scripts/servers.sh`` starts for every other test: a green run on the real servers says
something about production only while the two agree.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML  # shipped with check-jsonschema, which these tests need anyway

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SERVERS_SH = ROOT / "scripts" / "servers.sh"

DATA_SERVICES = ("postgres", "redis", "minio", "elasticsearch")
APP_SERVICES = ("api", "worker")


def _compose() -> dict[str, Any]:
    data = YAML(typ="safe", pure=True).load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _services() -> dict[str, dict[str, Any]]:
    services = _compose()["services"]
    assert isinstance(services, dict)
    return services


def _script_value(name: str) -> str:
    match = re.search(rf"^{name}=([^\s#]+)", SERVERS_SH.read_text(encoding="utf-8"), re.M)
    assert match, f"{name}=... not found in {SERVERS_SH}"
    return match.group(1).strip("'\"")


def _split_image(image: str) -> tuple[str, str]:
    """("docker.elastic.co/x/y", "9.2.0") from "docker.elastic.co/x/y:9.2.0"; "" if untagged."""
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:  # the colon belonged to a registry port, not a tag
        return image, ""
    return name, tag


def _check_jsonschema() -> str:
    beside_python = Path(sys.executable).parent / "check-jsonschema"
    found = str(beside_python) if beside_python.exists() else shutil.which("check-jsonschema")
    if not found:
        pytest.fail("check-jsonschema is missing: install the dev extras (pip install -e '.[dev]')")
    return found


def test_compose_file_matches_the_compose_spec() -> None:
    result = subprocess.run(
        [_check_jsonschema(), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_image_is_pinned() -> None:
    for name, service in _services().items():
        image = service.get("image")
        assert image, f"service {name} names no image (built images need a name and tag too)"
        _, tag = _split_image(image)
        assert tag, f"service {name}: image {image} has no tag"
        assert tag != "latest", f"service {name}: image {image} floats on latest"


def test_dockerfile_base_is_pinned() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    match = re.search(r"^ARG PYTHON_IMAGE=(\S+)", text, re.M)
    assert match, "Dockerfile should name its base image in ARG PYTHON_IMAGE"
    base, tag = _split_image(match.group(1))
    assert base == "python"
    assert tag.startswith("3.11"), tag
    assert re.search(r"^USER (?!root)\S+", text, re.M), "the image must not run as root"
    assert re.search(r"^EXPOSE 8000\b", text, re.M)


def test_versions_equal_what_servers_sh_runs() -> None:
    services = _services()

    pg_name, pg_tag = _split_image(services["postgres"]["image"])
    assert pg_name == "postgres"
    assert pg_tag.split(".")[0] == _script_value("PG_MAJOR"), (
        f"compose runs postgres:{pg_tag}, scripts/servers.sh PostgreSQL {_script_value('PG_MAJOR')}"
    )

    es_name, es_tag = _split_image(services["elasticsearch"]["image"])
    assert es_name == "docker.elastic.co/elasticsearch/elasticsearch"
    assert es_tag == _script_value("ES_VERSION")


def test_redis_minor_equals_the_tested_server() -> None:
    # scripts/servers.sh runs whatever Debian ships; compare with the binary it installed.
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: run `bash scripts/servers.sh start`")
    out = subprocess.run(
        [binary, "--version"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    match = re.search(r"v=(\d+)\.(\d+)\.", out)
    assert match, out
    _, tag = _split_image(_services()["redis"]["image"])
    assert tag.split(".")[:2] == [match.group(1), match.group(2)], (tag, out)


def test_data_services_have_healthchecks() -> None:
    services = _services()
    for name in DATA_SERVICES:
        assert name in services, f"service {name} missing"
        check = services[name].get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"


def test_app_services_wait_for_healthy_data_services() -> None:
    services = _services()
    for name in APP_SERVICES:
        assert name in services, f"service {name} missing"
        service = services[name]
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        depends = service.get("depends_on") or {}
        for data in DATA_SERVICES:
            assert depends.get(data, {}).get("condition") == "service_healthy", (name, data)
    assert services["api"]["command"] == [
        "archive",
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
        "--no-worker",
    ]
    assert services["worker"]["command"] == ["archive", "worker"]
    assert services["api"]["image"] == services["worker"]["image"]


def test_app_environment_selects_the_scaled_backends() -> None:
    for name in APP_SERVICES:
        env = _services()[name]["environment"]
        assert env["ARCHIVE_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["ARCHIVE_STORAGE"] == "s3"
        assert env["ARCHIVE_S3_ENDPOINT"] == "minio:9000"
        assert env["ARCHIVE_S3_BUCKET"] == "archive"
        assert env["ARCHIVE_S3_OBJECT_LOCK"] == "governance"
        assert env["ARCHIVE_BROKER_URL"] == "redis://redis:6379/0"
        assert env["ARCHIVE_RESULT_BACKEND"] == "redis://redis:6379/1"
        assert env["ARCHIVE_DATA_DIR"] == "/var/lib/archive"
        for secret in ("ARCHIVE_S3_ACCESS_KEY", "ARCHIVE_S3_SECRET_KEY"):
            assert ":?" in env[secret], f"{name}: {secret} must be required from the environment"


def test_only_the_api_is_published() -> None:
    compose = _compose()
    for name, service in compose["services"].items():
        if name != "api":
            assert not service.get("ports"), f"{name} publishes ports"
    # Security is off in Elasticsearch and Redis has no password: only on an internal net.
    assert compose["networks"]["backend"]["internal"] is True
    for name in DATA_SERVICES:
        assert compose["services"][name]["networks"] == ["backend"], name


def test_the_application_does_not_hold_the_minio_root_key() -> None:
    """The root key may bypass governance retention; the app gets an account of its own,
    made by the one-shot minio-setup service with deploy/minio/archive-policy.json."""
    services = _services()
    app_env = services["api"]["environment"]
    minio_env = services["minio"]["environment"]
    assert app_env["ARCHIVE_S3_ACCESS_KEY"] != minio_env["MINIO_ROOT_USER"]
    assert "ARCHIVE_S3" not in str(minio_env)
    setup = services["minio-setup"]
    assert "./deploy/minio:/setup:ro" in setup["volumes"]
    assert setup["image"] == services["minio"]["image"]
    assert services["migrate"]["depends_on"]["minio-setup"] == {
        "condition": "service_completed_successfully"
    }
    policy = (ROOT / "deploy" / "minio" / "archive-policy.json").read_text()
    assert "Bypass" not in policy and "s3:*" not in policy
    script = (ROOT / "deploy" / "minio" / "setup.sh").read_text()
    assert "--with-lock" in script and "policy attach" in script
