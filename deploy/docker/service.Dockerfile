# The Holdout service image: all four services (`holdout serve <service>`), the
# migrations (`holdout migrate <service>`), and the run pods' init container
# (`python -m services.orchestrator.executors.kubernetes.fetch`). Build from the repository root:
#   docker build -f deploy/docker/service.Dockerfile -t holdout-service:0.1.0 .
# `--target orchestrator-local` gives the orchestrator with the bubblewrap sandbox
# (docker-compose.yml).
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
RUN python -m venv /opt/holdout
COPY requirements.lock pyproject.toml ./
RUN /opt/holdout/bin/pip install --no-cache-dir --disable-pip-version-check -r requirements.lock
COPY shared/ shared/
COPY services/ services/
COPY holdout/ holdout/
COPY runtimes/ runtimes/
# the `holdout` command is the client package's; the server's operator commands plug into it
COPY clients/python/ clients/python/
RUN /opt/holdout/bin/pip install --no-cache-dir --disable-pip-version-check --no-deps ./clients/python . \
    && /opt/holdout/bin/python -c "import services.orchestrator.executors.kubernetes.fetch, kubernetes_asyncio, azure.storage.blob" \
    && /opt/holdout/bin/holdout serve --help >/dev/null

# Bubblewrap and Debian's Python for the runtime venvs. It runs as root: the sandbox
# drops to its own unprivileged user for every run and needs cgroups. Not for Kubernetes.
FROM python:3.11-slim-bookworm AS orchestrator-local
ENV PATH=/opt/holdout/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    HOLDOUT_DATA_DIR=/var/lib/holdout HOLDOUT_RUNTIMES_REQUIREMENTS_DIR=/opt/holdout-src/runtimes
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap python3 python3-venv util-linux \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/holdout /opt/holdout
COPY --from=build /src/runtimes /opt/holdout-src/runtimes
CMD ["holdout", "--help"]

# The default (last) stage: the image deploy/ runs, as an unprivileged numeric user.
FROM python:3.11-slim-bookworm AS service
# the runtime folders: the gateway shows participants what each installs (/api/v1/runtimes)
ENV PATH=/opt/holdout/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 HOLDOUT_DATA_DIR=/var/lib/holdout \
    HOLDOUT_RUNTIMES_REQUIREMENTS_DIR=/opt/holdout-src/runtimes
COPY --from=build /opt/holdout /opt/holdout
COPY --from=build /src/runtimes /opt/holdout-src/runtimes
RUN groupadd --gid 10001 holdout && useradd --uid 10001 --gid 10001 --no-create-home holdout \
    && mkdir -p /var/lib/holdout && chown 10001:10001 /var/lib/holdout
# numeric, so that runAsNonRoot can verify it
USER 10001:10001
EXPOSE 8000 8001 8002 8003
CMD ["holdout", "--help"]
