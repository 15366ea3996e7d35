"""The indicator checks, one module each, listed explicitly (so PyInstaller sees them)."""

from __future__ import annotations

from . import (
    access_surge,
    brute_force,
    catalogue,
    cloud_cli,
    impossible_travel,
    indicator_match,
    lateral_movement,
    mfa_fatigue,
    new_country,
    new_credentials,
    password_spray,
    privilege_change,
    sensitive_actions,
    token_use,
    unusual_hours,
)
from .base import Check, CheckInput

CHECKS: tuple[Check, ...] = (
    brute_force.CHECK,
    password_spray.CHECK,
    mfa_fatigue.CHECK,
    new_country.CHECK,
    impossible_travel.CHECK,
    unusual_hours.CHECK,
    cloud_cli.CHECK,
    token_use.CHECK,
    new_credentials.CHECK,
    privilege_change.CHECK,
    lateral_movement.CHECK,
    sensitive_actions.CHECK,
    catalogue.CHECK,
    access_surge.CHECK,
    indicator_match.CHECK,
)

__all__ = ["CHECKS", "Check", "CheckInput"]
