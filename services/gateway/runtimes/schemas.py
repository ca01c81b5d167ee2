"""What ``/api/v1/runtimes`` answers: a runtime's version, declared packages and lock."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RuntimePackage(BaseModel):
    name: str = Field(description="The distribution's name, as pip knows it.")
    version: str
    marker: str | None = Field(
        description="Where it is installed (an environment marker such as `sys_platform == 'linux'`); "
        "null: everywhere."
    )


class RuntimeSummary(BaseModel):
    name: str = Field(description="The name a competition's stage names (`runtime`).")
    digest: str = Field(
        description="The runtime's version: `sha256:` of its lock file, as execution records in the local "
        "sandbox report it and runtime images are tagged with."
    )
    python: str = Field(description="The Python version it is locked for.")
    declared: list[str] = Field(description="The packages it declares (`requirements.in`).")


class RuntimeRead(RuntimeSummary):
    packages: list[RuntimePackage] = Field(description="Every distribution it installs, pinned.")
    lock: str = Field(
        description="Its `requirements.lock` with hashes: `pip install --require-hashes --no-deps -r "
        "requirements.lock` installs the same packages at home."
    )
