"""Settings of the Kubernetes executor (``HOLDOUT_KUBERNETES_*`` environment variables).

Kept apart from ``OrchestratorSettings`` so that the embedded default never sees them;
the orchestrator builds a ``KubernetesSettings()`` only when ``HOLDOUT_EXECUTOR`` says
``kubernetes``. Dict-valued settings are JSON in the environment, e.g.
``HOLDOUT_KUBERNETES_RUNTIME_IMAGES='{"default": "myacr.azurecr.io/holdout-runtime-default:1"}'``.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class KubernetesSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOLDOUT_KUBERNETES_", extra="ignore")

    namespace: str = "holdout-runs"
    # None: in-cluster service account when available, else ~/.kube/config
    kubeconfig: str | None = None
    # an API server URL without credentials (tests and `kubectl proxy`); wins over the above
    api_url: str | None = None

    # runtime name (ExecutionSpec.runtime) -> container image of that runtime
    runtime_images: dict[str, str] = Field(
        default_factory=lambda: {"default": "holdout-runtime-default:latest"}
    )
    # the Holdout service image: its init container fetches and unpacks the submission
    helper_image: str = "holdout-service:latest"
    image_pull_policy: str = "IfNotPresent"

    # the read-only claim holding the ``data`` container; may name ``{competition_id}``
    data_claim: str = "holdout-data"
    run_as_user: int = 65532
    run_as_group: int = 65532
    src_size_mb: int = 3072  # the zip plus what it unpacks to (ArchiveLimits allows 2 GiB)
    tmp_size_mb: int = 256
    log_slack_mb: int = 64  # container logs count against the pod's ephemeral storage
    helper_cpu: str = "500m"
    helper_memory: str = "512Mi"
    # wall time above the participant's limit for pulling images and fetching the zip
    startup_grace_seconds: int = 300
    # a pod not running after this long (no node fits, no GPU node) fails as internal_error
    pending_timeout_seconds: float = 900.0

    gpu_node_selector: dict[str, str] = Field(
        default_factory=lambda: {"kubernetes.azure.com/accelerator": "nvidia"}
    )
    gpu_toleration_key: str = "sku"
    gpu_toleration_value: str = "gpu"
    # an IP for the storage account's host name: the runs namespace allows no DNS
    storage_host_ip: str | None = None
    storage_host_name: str | None = None

    api_timeout_seconds: float = 30.0
    watch_timeout_seconds: int = 240  # server-side timeout of one watch request
    relist_seconds: float = 600.0  # a full re-list at least this often
    backoff_initial_seconds: float = 0.5
    backoff_max_seconds: float = 30.0
    log_tail_lines: int = 5000
    # how long the pod's SAS URLs stay valid beyond the run's own deadline
    url_slack_seconds: int = 900

    def image_for(self, runtime: str) -> str | None:
        return self.runtime_images.get(runtime)
