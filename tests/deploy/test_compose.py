"""docker-compose.yml, checked without Docker (only the client is installed here, no
engine and no compose plugin): the whole stack is there, every service has a health
check, each Holdout service waits for healthy PostgreSQL, RabbitMQ and Azurite, and runs
two replicas where its ports allow."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("gateway", "orchestrator", "scorer", "leaderboard")


def test_compose_runs_the_whole_stack_with_health_checks() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {
        "postgres",
        "rabbitmq",
        "azurite",
        "gateway",
        "orchestrator",
        "scorer",
        "leaderboard",
    }
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
    for name in SERVICES:
        service = services[name]
        assert service["depends_on"] == {
            dep: {"condition": "service_healthy"} for dep in ("postgres", "rabbitmq", "azurite")
        }
        assert f"holdout serve {name}" in service["command"][-1]
        env = service["environment"]
        assert env[f"HOLDOUT_{name.upper()}_DATABASE_URL"].endswith(f"/holdout_{name}")
        assert env["HOLDOUT_STORAGE_BACKEND"] == "azure" and env["HOLDOUT_AMQP_URL"].startswith("amqp://")
        # the service credential comes from the operator's environment, never the file
        assert env["HOLDOUT_INTERNAL_TOKEN"].startswith("${HOLDOUT_INTERNAL_TOKEN:?")
    # only the gateway faces users: no other service publishes a port
    assert {name for name, service in services.items() if service.get("ports")} == {"gateway"}
    assert services["orchestrator"]["environment"]["HOLDOUT_EXECUTOR"] == "local"
    # two of every service but the gateway, whose published host port one container binds
    replicas = {name: services[name]["deploy"]["replicas"] for name in SERVICES}
    assert replicas == {"gateway": 1, "orchestrator": 2, "scorer": 2, "leaderboard": 2}
    for name in SERVICES:
        assert "container_name" not in services[name]  # a fixed name allows one container
        assert services[name]["stop_grace_period"] == "20s"
    init = (REPO / "deploy" / "compose" / "init-databases.sql").read_text()
    assert all(f"holdout_{name}" in init for name in ("gateway", "orchestrator", "scorer", "leaderboard"))
