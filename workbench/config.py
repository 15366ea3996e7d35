"""The check configuration: ``resources/config.yaml``, overridden by a case or run file."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError
from .paths import default_config_path


def _merge(base: dict[str, Any], override: dict[str, Any], path: str, where: str) -> None:
    for key, value in override.items():
        if key not in base:
            raise ConfigError(f"unknown setting {path}{key}", where)
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{path}{key} must be a mapping", where)
            _merge(base[key], value, f"{path}{key}.", where)
        else:
            if type(base[key]) is not type(value) and not (isinstance(base[key], float) and isinstance(value, int)):
                raise ConfigError(f"{path}{key} must be {type(base[key]).__name__}, got {value!r}", where)
            base[key] = value


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read: {exc}", path) from None
    if not isinstance(data, dict):
        raise ConfigError("must be a mapping of check id to settings", path)
    return data


def load_config(*overrides: Path) -> dict[str, Any]:
    """The shipped defaults with each override file applied in order."""
    config = _read(default_config_path())
    for path in overrides:
        merged = copy.deepcopy(config)
        _merge(merged, _read(path), "", str(path))
        config = merged
    return config
