"""deploy/ and the run pod, checked offline: no cluster can run on the development or CI
machines, so every document ``kubectl kustomize deploy/overlays/aks`` renders and every
pod the builders produce is validated against the Kubernetes 1.32 schema in strict mode
(kubernetes-validate), and the hardening is asserted field by field."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from holdout.server import SHUTDOWN_MARGIN_S
from services.orchestrator.executors.base import RunRequest
from services.orchestrator.executors.kubernetes.config import KubernetesSettings
from services.orchestrator.executors.kubernetes.objects import make_run_pod
from shared.events import ExecutionSpec
from shared.settings import CommonSettings

REPO = Path(__file__).resolve().parents[2]
K8S_VERSION = "1.32.0"
SERVICES = {"gateway": 8000, "orchestrator": 8001, "scorer": 8002, "leaderboard": 8003}


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl (with kustomize) is not installed")
    out = subprocess.run(
        [kubectl, "kustomize", str(REPO / "deploy" / "overlays" / "aks")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def test_every_rendered_document_is_valid_in_strict_mode(rendered: list[dict[str, Any]]) -> None:
    assert len(rendered) > 15
    for doc in rendered:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def _assert_hardened_container(container: dict[str, Any]) -> None:
    sc = container["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["runAsNonRoot"] is True
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert sc["seccompProfile"] == {"type": "RuntimeDefault"}


def test_deployments_serve_each_service_hardened_with_probes(rendered: list[dict[str, Any]]) -> None:
    deployments = {d["metadata"]["name"]: d for d in of_kind(rendered, "Deployment")}
    assert set(deployments) == set(SERVICES)
    services = {s["metadata"]["name"]: s for s in of_kind(rendered, "Service")}
    for name, port in SERVICES.items():
        pod = deployments[name]["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is (name == "orchestrator")
        (main,) = pod["containers"]
        assert main["command"][:3] == ["holdout", "serve", name]
        assert main["command"][-1] == str(port)
        assert main["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert main["readinessProbe"]["httpGet"]["path"] == "/readyz"
        for container in pod["containers"] + pod["initContainers"]:
            _assert_hardened_container(container)
            assert container["resources"]["requests"] and container["resources"]["limits"]
            refs = {next(iter(e)): next(iter(e.values()))["name"] for e in container["envFrom"]}
            assert refs == {"configMapRef": "holdout-config", "secretRef": "holdout-secrets"}
            assert container["image"].startswith("replace-me.azurecr.io/holdout-service:")
        assert services[name]["spec"]["ports"][0]["port"] == port
        # every service gets the service credential from the operator's Secret: without
        # it the pod does not start (and `holdout serve` would refuse to)
        assert main["env"] == [
            {
                "name": "HOLDOUT_INTERNAL_TOKEN",
                "valueFrom": {"secretKeyRef": {"name": "holdout-internal-token", "key": "token"}},
            }
        ]
    assert not of_kind(rendered, "Secret")  # secrets are the operator's, never in the repo


# -- replicas and rolling updates ---------------------------------------------------------

AUTOSCALED = {"gateway", "leaderboard"}


def test_every_service_runs_two_replicas_or_more_and_survives_a_disruption(
    rendered: list[dict[str, Any]],
) -> None:
    deployments = {d["metadata"]["name"]: d for d in of_kind(rendered, "Deployment")}
    hpas = {h["metadata"]["name"]: h for h in of_kind(rendered, "HorizontalPodAutoscaler")}
    budgets = {b["metadata"]["name"]: b for b in of_kind(rendered, "PodDisruptionBudget")}
    assert set(hpas) == AUTOSCALED
    assert set(budgets) == set(SERVICES)
    for name in SERVICES:
        deployment = deployments[name]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        if name in AUTOSCALED:
            hpa = hpas[name]["spec"]
            # the autoscaler owns the count: a replicas field would be reset on every apply
            assert "replicas" not in deployment["spec"], name
            assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
            assert hpa["minReplicas"] >= 2 and hpa["maxReplicas"] > hpa["minReplicas"]
            (metric,) = hpa["metrics"]
            assert metric["resource"]["name"] == "cpu"
            # utilisation is measured against the requests: there must be some
            (main,) = deployment["spec"]["template"]["spec"]["containers"]
            assert main["resources"]["requests"]["cpu"]
        else:
            assert deployment["spec"]["replicas"] == 2, name
        budget = budgets[name]["spec"]
        assert budget["minAvailable"] == 1
        assert budget["selector"]["matchLabels"].items() <= labels.items()
        assert budget["selector"] == deployment["spec"]["selector"]
        spread = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        assert spread[0]["topologyKey"] == "kubernetes.io/hostname"


def test_rolling_updates_drop_no_request_in_flight(rendered: list[dict[str, Any]]) -> None:
    (config,) = of_kind(rendered, "ConfigMap")
    drain_s = float(config["data"]["HOLDOUT_SHUTDOWN_DRAIN_S"])
    assert drain_s > 0
    default_grace_s = CommonSettings.model_fields["shutdown_grace_s"].default
    grace_s = float(config["data"].get("HOLDOUT_SHUTDOWN_GRACE_S", default_grace_s))
    for deployment in of_kind(rendered, "Deployment"):
        name = deployment["metadata"]["name"]
        spec = deployment["spec"]
        # a new pod is ready before an old one stops, on every service (no Recreate)
        assert spec["strategy"] == {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
        }, name
        assert spec["minReadySeconds"] > 0
        pod = spec["template"]["spec"]
        (main,) = pod["containers"]
        pause = main["lifecycle"]["preStop"]["exec"]["command"]
        assert pause[0] == "sleep" and float(pause[1]) > 0
        # the pause, the drain, the grace for requests in flight and uvicorn's margin
        # after it all fit before the kubelet kills the pod
        stopping_s = float(pause[1]) + drain_s + grace_s + SHUTDOWN_MARGIN_S
        assert stopping_s < pod["terminationGracePeriodSeconds"], name
        assert main["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_runs_namespace_is_restricted_and_denies_all_traffic(rendered: list[dict[str, Any]]) -> None:
    namespaces = {n["metadata"]["name"]: n for n in of_kind(rendered, "Namespace")}
    labels = namespaces["holdout-runs"]["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    policies = {p["metadata"]["name"]: p for p in of_kind(rendered, "NetworkPolicy")}
    deny = policies["default-deny-all"]
    assert deny["metadata"]["namespace"] == "holdout-runs"
    assert deny["spec"]["podSelector"] == {}
    assert sorted(deny["spec"]["policyTypes"]) == ["Egress", "Ingress"]
    assert "ingress" not in deny["spec"] and "egress" not in deny["spec"]
    storage = policies["allow-storage-egress"]["spec"]
    assert storage["policyTypes"] == ["Egress"]
    (rule,) = storage["egress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 443}]
    assert rule["to"][0]["ipBlock"]["cidr"].endswith("/32")
    kinds = {(d["kind"], d["metadata"].get("namespace")) for d in rendered}
    assert ("ResourceQuota", "holdout-runs") in kinds and ("LimitRange", "holdout-runs") in kinds
    claim = next(c for c in of_kind(rendered, "PersistentVolumeClaim"))
    assert claim["spec"]["accessModes"] == ["ReadOnlyMany"]
    volume = next(v for v in of_kind(rendered, "PersistentVolume"))
    assert volume["spec"]["csi"]["readOnly"] is True


def test_orchestrator_may_only_manage_pods_and_their_logs_in_the_runs_namespace(
    rendered: list[dict[str, Any]],
) -> None:
    assert not of_kind(rendered, "ClusterRole") and not of_kind(rendered, "ClusterRoleBinding")
    (role,) = of_kind(rendered, "Role")
    assert role["metadata"]["namespace"] == "holdout-runs"
    granted = {(g, r) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"]}
    assert granted == {("", "pods"), ("", "pods/log")}
    verbs = {r: set(rule["verbs"]) for rule in role["rules"] for r in rule["resources"]}
    assert verbs["pods"] == {"create", "get", "list", "watch", "delete"} and verbs["pods/log"] == {"get"}
    (binding,) = of_kind(rendered, "RoleBinding")
    assert binding["metadata"]["namespace"] == "holdout-runs"
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": role["metadata"]["name"],
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "holdout-orchestrator", "namespace": "holdout"}
    ]
    orchestrator = next(d for d in of_kind(rendered, "Deployment") if d["metadata"]["name"] == "orchestrator")
    assert orchestrator["spec"]["template"]["spec"]["serviceAccountName"] == "holdout-orchestrator"


# -- the run pod ---------------------------------------------------------------------------


def run_pod(*, gpu: bool = False, smoke: bool = False) -> dict[str, Any]:
    cid = uuid.uuid4()
    request = RunRequest(
        submission_id=uuid.UUID("6f1c2a9e-0000-4000-8000-000000000001"),
        competition_id=cid,
        attempt=2,
        archive_key=f"{cid}/x.zip",
        is_smoke=smoke,
        execution=ExecutionSpec(
            time_limit_s=600,
            memory_mb=2048,
            cpus=1.5,
            output_limit_mb=50,
            data_prefix=f"{cid}/v3/",
            data_files=["a.csv"],
            gpu=gpu,
        ),
    )
    settings = KubernetesSettings(runtime_images={"default": "rt:1"})
    return make_run_pod(
        request, settings, image="rt:1", archive_url="https://a/r?sig", predictions_url="https://a/w?sig"
    )


@pytest.mark.parametrize("variant", [{}, {"gpu": True}, {"smoke": True}])
def test_built_pods_are_valid_in_strict_mode(variant: dict[str, bool]) -> None:
    kubernetes_validate.validate(run_pod(**variant), K8S_VERSION, strict=True)


def test_run_pod_is_hardened_named_and_labelled() -> None:
    pod = run_pod()
    meta, spec = pod["metadata"], pod["spec"]
    assert meta["name"] == "holdout-run-6f1c2a9e-0000-4000-8000-000000000001-2"
    assert meta["namespace"] == "holdout-runs"
    assert meta["labels"]["app.kubernetes.io/managed-by"] == "holdout"
    assert meta["labels"]["holdout.dev/submission-id"] == "6f1c2a9e-0000-4000-8000-000000000001"
    assert meta["labels"]["holdout.dev/attempt"] == "2"
    assert "holdout.dev/competition-id" in meta["labels"]
    assert spec["restartPolicy"] == "Never"
    assert spec["activeDeadlineSeconds"] > 600
    assert spec["automountServiceAccountToken"] is False
    assert spec["enableServiceLinks"] is False
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] != 0 and "fsGroup" in spec["securityContext"]
    for container in spec["containers"] + spec["initContainers"]:
        _assert_hardened_container(container)
        assert container["resources"]["requests"] == container["resources"]["limits"]
    (run,) = spec["containers"]
    assert run["image"] == "rt:1"
    assert run["resources"]["limits"] == {"cpu": "1500m", "memory": "2048Mi", "ephemeral-storage": "3442Mi"}
    assert {e["name"]: e["value"] for e in run["env"]} == {
        "IS_SMOKE": "false",
        "CPU_OR_GPU": "cpu",
        "PYTHONUNBUFFERED": "1",
        "HOME": "/tmp",
    }
    mounts = {m["mountPath"]: m for m in run["volumeMounts"]}
    assert mounts["/code_execution/data"]["readOnly"] is True
    assert mounts["/code_execution/data"]["subPath"].endswith("/v3")
    assert mounts["/code_execution/src"]["readOnly"] is True
    assert not mounts["/code_execution/submission"].get("readOnly")
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"]["readOnly"] is True
    assert volumes["submission"]["emptyDir"]["sizeLimit"] == "50Mi"
    assert volumes["tmp"]["emptyDir"]["sizeLimit"] == "256Mi"
    assert "nodeSelector" not in spec and "tolerations" not in spec
    # the SAS URLs are arguments of their own container only; no secret in the run's env
    assert "https://a/r?sig" in spec["initContainers"][0]["args"] and "https://a/r?sig" not in run["args"]


def test_gpu_pod_asks_for_a_gpu_node() -> None:
    spec = run_pod(gpu=True)["spec"]
    (run,) = spec["containers"]
    assert (
        run["resources"]["limits"]["nvidia.com/gpu"] == "1" == run["resources"]["requests"]["nvidia.com/gpu"]
    )
    assert {e["name"]: e["value"] for e in run["env"]}["CPU_OR_GPU"] == "gpu"
    assert spec["nodeSelector"] == {"kubernetes.azure.com/accelerator": "nvidia"}
    assert {t["key"] for t in spec["tolerations"]} == {"sku", "nvidia.com/gpu"}


def test_smoke_pod_says_so() -> None:
    (run,) = run_pod(smoke=True)["spec"]["containers"]
    assert {e["name"]: e["value"] for e in run["env"]}["IS_SMOKE"] == "true"


# -- images --------------------------------------------------------------------------------


def test_runtime_image_import_test_matches_the_local_sandbox() -> None:
    import importlib.util

    from services.orchestrator.executors.local import runtimes

    spec = importlib.util.spec_from_file_location(
        "import_test", REPO / "deploy" / "docker" / "import_test.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.IMPORT_NAMES == runtimes.IMPORT_NAMES
    for declared in (REPO / "runtimes").glob("*/requirements.in"):
        assert module.import_names(declared.read_text()) == runtimes.import_names(declared)
    assert module.main(str(REPO / "runtimes" / "default" / "requirements.in")) == 0  # same packages here


def test_dockerfiles_run_unprivileged() -> None:
    for name in ("service.Dockerfile", "runtime.Dockerfile"):
        text = (REPO / "deploy" / "docker" / name).read_text()
        users = [line.split()[1] for line in text.splitlines() if line.startswith("USER ")]
        assert users and all(u.split(":")[0].isdigit() and u.split(":")[0] != "0" for u in users)
    assert "import_test.py" in (REPO / "deploy" / "docker" / "runtime.Dockerfile").read_text()
