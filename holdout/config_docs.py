"""``docs/configuration.md``: every ``HOLDOUT_*`` variable, generated from the settings classes.

Each field's description is the docstring under it in its settings class. Regenerate with
``make config-docs`` (``python -m holdout.config_docs``); a test fails when the committed
table and the classes disagree, so the table never drifts.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings

from holdout.wiring import service_spec
from services.orchestrator.executors.kubernetes.config import KubernetesSettings
from shared.settings import SERVICES, CommonSettings

DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"

# defaults that depend on the machine or the checkout, shown as a rule instead
SHOWN_DEFAULTS = {
    (CommonSettings, "data_dir"): "`/var/lib/holdout` as root, else `~/.local/share/holdout`",
    ("orchestrator", "max_concurrent_runs"): "the number of CPUs",
    ("orchestrator", "runtimes_requirements_dir"): "`runtimes/` of the installed package",
    ("gateway", "runtimes_requirements_dir"): "`runtimes/` of the installed package",
}

HEADER = """\
# Configuration

Holdout reads its configuration from environment variables. The embedded default
(`holdout up`) needs none of them; production (`holdout serve SERVICE`) needs at least
`HOLDOUT_AMQP_URL`, `HOLDOUT_INTERNAL_TOKEN` and the service's
`HOLDOUT_<SERVICE>_DATABASE_URL`. Every service reads the common settings; the others only
the service they name. "unset" means the variable is optional and has no value.

This file is generated from the settings classes by `make config-docs`
(`python -m holdout.config_docs`); edit the docstrings there, not this file.
"""


def _env_name(cls: type[BaseSettings], name: str) -> str:
    prefix = str(cls.model_config.get("env_prefix", ""))
    return (prefix + name).upper()


def _default(info: FieldInfo) -> str:
    if info.default_factory is not None:
        value: Any = info.default_factory()  # type: ignore[call-arg]
    elif info.default is PydanticUndefined:
        return "required"
    else:
        value = info.default
    if value is None:
        return "unset"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, dict | list):
        return f"`{json.dumps(value)}`"
    if value == "":
        return '`""`'
    return f"`{value}`"


def _description(cls: type[BaseSettings], name: str, info: FieldInfo) -> str:
    if not info.description:
        raise ValueError(f"{cls.__name__}.{name} has no description: add a docstring under the field")
    return " ".join(info.description.split()).replace("|", "\\|")


def _rows(cls: type[BaseSettings], key: object, skip: set[str]) -> list[str]:
    rows = []
    for name, info in cls.model_fields.items():
        if name in skip:
            continue
        default = SHOWN_DEFAULTS.get((key, name)) or _default(info)
        rows.append(f"| `{_env_name(cls, name)}` | {default} | {_description(cls, name, info)} |")
    return rows


def render() -> str:
    common = set(CommonSettings.model_fields)
    # (title, class, key of SHOWN_DEFAULTS, fields shown in another section)
    sections: list[tuple[str, type[BaseSettings], object, set[str]]] = [
        ("All services", CommonSettings, CommonSettings, set())
    ]
    for name in SERVICES:
        sections.append((f"The {name}", service_spec(name).settings_cls, name, common))
    kubernetes = "The orchestrator's Kubernetes executor (`HOLDOUT_EXECUTOR=kubernetes`)"
    sections.append((kubernetes, KubernetesSettings, "kubernetes", set()))
    out = [HEADER]
    for title, cls, key, skip in sections:
        out += [f"## {title}", "", "| Variable | Default | Description |", "|---|---|---|"]
        out += _rows(cls, key, skip)
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if args == ["--check"]:
        if DOC_PATH.read_text() != text:
            print(f"{DOC_PATH} is out of date: run `make config-docs`", file=sys.stderr)
            return 1
        return 0
    DOC_PATH.write_text(text)
    print(f"wrote {DOC_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
