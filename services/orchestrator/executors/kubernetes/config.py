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
    # a docstring under a field is its description (docs/configuration.md)
    model_config = SettingsConfigDict(
        env_prefix="HOLDOUT_KUBERNETES_", extra="ignore", use_attribute_docstrings=True
    )

    namespace: str = "holdout-runs"
    """The namespace run pods are created in."""
    kubeconfig: str | None = None
    """A kubeconfig file (unset: the in-cluster service account when available, else `~/.kube/config`)."""
    api_url: str | None = None
    """An API server URL without credentials (tests, `kubectl proxy`); wins over the kubeconfig."""

    runtime_images: dict[str, str] = Field(
        default_factory=lambda: {"default": "holdout-runtime-default:latest"}
    )
    """Runtime name (a competition's `runtime`) to the container image of that runtime, as JSON."""
    helper_image: str = "holdout-service:latest"
    """The Holdout service image; its init container fetches and unpacks the submission."""
    image_pull_policy: str = "IfNotPresent"
    """`imagePullPolicy` of the run pod's containers."""

    data_claim: str = "holdout-data"
    """The read-only PersistentVolumeClaim holding the `data` container; may name `{competition_id}`."""
    run_as_user: int = 65532
    """The uid run pods run as."""
    run_as_group: int = 65532
    """The gid run pods run as."""
    src_size_mb: int = 3072
    """Size of the volume holding the zip and what it unpacks to, in MiB."""
    tmp_size_mb: int = 256
    """Size of each run pod's `/tmp`, in MiB."""
    log_slack_mb: int = 64
    """Ephemeral storage added for container logs, in MiB."""
    helper_cpu: str = "500m"
    """CPU of the init container that fetches the submission."""
    helper_memory: str = "512Mi"
    """Memory of the init container that fetches the submission."""
    startup_grace_seconds: int = 300
    """Wall time above the participant's limit for pulling images and fetching the zip, in seconds."""
    pending_timeout_seconds: float = 900.0
    """A pod not running after this long (no node fits, no GPU node) fails as `internal_error`, in seconds."""

    gpu_node_selector: dict[str, str] = Field(
        default_factory=lambda: {"kubernetes.azure.com/accelerator": "nvidia"}
    )
    """Node selector of GPU runs, as JSON."""
    gpu_toleration_key: str = "sku"
    """Toleration key that lets GPU runs onto GPU nodes."""
    gpu_toleration_value: str = "gpu"
    """Toleration value that lets GPU runs onto GPU nodes."""
    storage_host_ip: str | None = None
    """The storage account's private-endpoint IP (the runs namespace allows no DNS)."""
    storage_host_name: str | None = None
    """The storage account's host name, mapped to `HOLDOUT_KUBERNETES_STORAGE_HOST_IP` in the pod."""

    create_concurrency: int = 16
    """Pod creations in flight at once: a burst of starts leaves the API to runs that are ending."""
    api_timeout_seconds: float = 30.0
    """Timeout of one Kubernetes API call, in seconds."""
    watch_timeout_seconds: int = 240
    """Server-side timeout of one watch request, in seconds."""
    relist_seconds: float = 600.0
    """A full re-list of run pods at least this often, in seconds."""
    backoff_initial_seconds: float = 0.5
    """First wait after a failed list or watch, in seconds."""
    backoff_max_seconds: float = 30.0
    """Longest wait after failed lists or watches, in seconds."""
    log_tail_lines: int = 5000
    """Lines of a run pod's log read before it is deleted."""
    collected_grace_seconds: float = 300.0
    """How long an ended run pod is kept after its outcome is handed back (unless released), in seconds."""
    url_slack_seconds: int = 900
    """How long the pod's SAS URLs stay valid beyond the run's own deadline, in seconds."""

    def image_for(self, runtime: str) -> str | None:
        return self.runtime_images.get(runtime)
