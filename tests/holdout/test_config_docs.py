"""docs/configuration.md is the settings classes, written out: every field documented,
the committed table the one ``make config-docs`` writes today."""

from __future__ import annotations

import pytest
from pydantic_settings import BaseSettings, SettingsConfigDict

from holdout import config_docs
from shared.settings import CommonSettings


def test_the_committed_table_matches_the_settings_classes() -> None:
    assert config_docs.DOC_PATH.read_text() == config_docs.render(), (
        "docs/configuration.md drifted from the settings classes: run `make config-docs`"
    )
    assert config_docs.main(["--check"]) == 0


def test_every_variable_of_every_class_is_in_the_table() -> None:
    table = config_docs.render()
    for name in CommonSettings.model_fields:
        assert f"| `HOLDOUT_{name.upper()}` |" in table
    for expected in (
        "HOLDOUT_INTERNAL_TOKEN",
        "HOLDOUT_ADMIN_TOKEN",
        "HOLDOUT_EXECUTOR",
        "HOLDOUT_KUBERNETES_API_URL",
    ):
        assert f"| `{expected}` |" in table


def test_a_setting_without_a_description_is_refused() -> None:
    class Undocumented(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="HOLDOUT_", use_attribute_docstrings=True)
        documented: int = 1
        """Has one."""
        forgotten: int = 2

    with pytest.raises(ValueError, match=r"Undocumented\.forgotten has no description"):
        config_docs._rows(Undocumented, Undocumented, set())
