"""The README documents every CLI option, every check and every check setting."""

import re

import pytest

from workbench.checks import CHECKS
from workbench.cli.parser import build_parser
from workbench.config import load_config
from workbench.paths import app_root

README = (app_root() / "README.md").read_text(encoding="utf-8")


def _options(parser):
    for action in parser._actions:
        yield from (o for o in action.option_strings if o.startswith("--") and o != "--help")
        if hasattr(action, "choices") and isinstance(action.choices, dict):
            for sub in action.choices.values():
                yield from _options(sub)


@pytest.mark.parametrize("option", sorted(set(_options(build_parser()))))
def test_every_cli_option_is_in_the_readme(option):
    assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", README), option


@pytest.mark.parametrize("check", [c.id for c in CHECKS])
def test_every_check_is_in_the_readme_and_the_config(check):
    assert f"`{check}`" in README
    assert check in load_config()
