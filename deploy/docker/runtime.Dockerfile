# A competition runtime image: Python and the packages a submission may import, nothing
# of Holdout (the run pod's init container brings the runner). The build fails unless
# every listed package imports, as the unprivileged user the runs use.
#   docker build -f deploy/docker/runtime.Dockerfile --build-arg RUNTIME=default \
#     -t holdout-runtime-default:0.1.0 .
FROM python:3.11-slim-bookworm
ARG RUNTIME=default
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY runtimes/${RUNTIME}/requirements.txt /opt/holdout-runtime/requirements.txt
COPY deploy/docker/import_test.py /opt/holdout-runtime/import_test.py
RUN pip install -r /opt/holdout-runtime/requirements.txt \
    && groupadd --gid 65532 run && useradd --uid 65532 --gid 65532 --no-create-home run
# the import test, as the unprivileged user the runs use (KubernetesSettings.run_as_user)
USER 65532:65532
RUN cd / && python -I /opt/holdout-runtime/import_test.py /opt/holdout-runtime/requirements.txt
WORKDIR /code_execution/src
CMD ["python", "--version"]
