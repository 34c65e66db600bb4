# syntax=docker/dockerfile:1
# Image of the case-dossier archive, used by docker-compose.yml for both the API
# (`archive serve`) and the worker (`archive worker`).
#
# Bookworm, like the machines the tests run on, so the Debian tools below are the same
# versions the tests exercised.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# A virtualenv is the unit copied into the runtime stage: no compiler or build
# leftovers there.
RUN python -m venv /opt/archive
WORKDIR /src
# .dockerignore lets in only what a wheel needs (pyproject and the packages).
COPY . .
RUN /opt/archive/bin/pip install .

FROM ${PYTHON_IMAGE}
# PDF tools and fonts that scripts/servers.sh installs for the tests: rendering and
# checking Vietnamese PDFs must behave the same in production.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        poppler-utils qpdf fonts-dejavu-core fonts-noto-core fonts-liberation2 \
    && rm -rf /var/lib/apt/lists/*
# Fixed uid so volumes keep their owner across rebuilds.
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/archive \
        --shell /usr/sbin/nologin archive \
    && install -d -o archive -g archive -m 750 /var/lib/archive
COPY --from=build /opt/archive /opt/archive
ENV PATH=/opt/archive/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ARCHIVE_DATA_DIR=/var/lib/archive \
    ARCHIVE_HOST=0.0.0.0 \
    ARCHIVE_PORT=8000
USER archive
WORKDIR /var/lib/archive
EXPOSE 8000
# The worker overrides this in docker-compose.yml; python because slim has no curl.
HEALTHCHECK --interval=15s --timeout=10s --start-period=30s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=5)"]
# Migrations run in their own one-shot container (docker-compose.yml: migrate), and the
# worker is its own container, hence --no-worker.
CMD ["archive", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-worker"]
