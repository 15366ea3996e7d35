"""The check configuration: ``resources/config.yaml``, overridden by a case or run file."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError
from .paths import default_config_path


# Settings whose strings are regular expressions (the checks compile them): an override must compile.
REGEX_SETTINGS = frozenset({"accounts.privileged_patterns", "privilege_change.admin_patterns",
                            "cloud_cli.user_agents", "lateral_movement.exclude_accounts"})


def _shown(value: Any) -> str:
    return repr(value)[:60]


def _check_value(name: str, default: Any, value: Any, where: str) -> None:
    """``value`` has the shape of the shipped ``default``: the same type (an int where a float is expected
    is fine; a bool is not a number), list items of the shipped items' type, regular expressions that compile,
    time zones that exist."""
    number = isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool)
    if type(default) is not type(value) and not number:
        raise ConfigError(f"{name} must be {type(default).__name__}, got {_shown(value)}", where)
    if isinstance(value, float) and value != value:
        raise ConfigError(f"{name} must be a number, got NaN", where)
    if isinstance(value, list):
        kinds = {type(item) for item in default} or {str}
        for item in value:
            if type(item) not in kinds:
                raise ConfigError(f"{name} must be a list of {'/'.join(sorted(k.__name__ for k in kinds))}, "
                                  f"got {_shown(item)}", where)
        if name in REGEX_SETTINGS:
            for item in value:
                try:
                    re.compile(item)
                except re.error as exc:
                    raise ConfigError(f"{name}: {_shown(item)} is not a valid regular expression ({exc.msg})",
                                      where) from None
    if name.endswith(".timezone"):
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{name}: {_shown(value)} is not a time zone name", where) from None


def _merge(base: dict[str, Any], override: dict[str, Any], path: str, where: str) -> None:
    for key, value in override.items():
        if key not in base:
            raise ConfigError(f"unknown setting {path}{str(key)[:60]}", where)
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{path}{key} must be a mapping", where)
            _merge(base[key], value, f"{path}{key}.", where)
        else:
            _check_value(f"{path}{key}", base[key], value, where)
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


def changed_settings(config: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(setting, shipped value, value in force) for every setting ``config`` changes from the shipped file
    (an update pack's or a run's override), in the order of the file."""
    out: list[tuple[str, Any, Any]] = []

    def walk(default: Any, value: Any, name: str) -> None:
        if isinstance(default, dict) and isinstance(value, dict):
            for key in default:
                walk(default[key], value.get(key, default[key]), f"{name}{key}.")
        elif default != value:
            out.append((name.rstrip("."), default, value))

    walk(load_config(), config, "")
    return out
