# A competition runtime image: Python and the packages a submission may import, nothing
# of Holdout (the run pod's init container brings the runner). Installed from the
# runtime's lock alone (every distribution pinned and hash-checked, nothing resolved
# here); the build fails unless every declared package imports, as the unprivileged
# user the runs use. CI (.github/workflows/runtimes.yml) tags it with the lock's digest.
#   docker build -f deploy/docker/runtime.Dockerfile --build-arg RUNTIME=default \
#     -t holdout-runtime-default:$(sha256sum runtimes/default/requirements.lock | cut -c1-64) .
FROM python:3.11-slim-bookworm
ARG RUNTIME=default
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY runtimes/${RUNTIME}/requirements.in runtimes/${RUNTIME}/requirements.lock /opt/holdout-runtime/
COPY deploy/docker/import_test.py /opt/holdout-runtime/import_test.py
RUN pip install --require-hashes --no-deps -r /opt/holdout-runtime/requirements.lock \
    && groupadd --gid 65532 run && useradd --uid 65532 --gid 65532 --no-create-home run
# the import test, as the unprivileged user the runs use (KubernetesSettings.run_as_user)
USER 65532:65532
RUN cd / && python -I /opt/holdout-runtime/import_test.py /opt/holdout-runtime/requirements.in
WORKDIR /code_execution/src
CMD ["python", "--version"]
