"""`--set key=value` and `--config FILE` overrides, typed by the config dataclass they target."""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path

import yaml

from .errors import ConfigError

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def parse_sets(items: list[str]) -> dict[str, str]:
    out = {}
    for it in items or []:
        key, sep, value = it.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set expects key=value, got {it!r}")
        out[key.strip()] = value.strip()
    return out


def load_config_file(path: str | None) -> dict:
    if not path:
        return {}
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: config file not found")
    try:
        data = yaml.safe_load(p.read_text()) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"{p}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: expected a mapping of key: value")
    return data


def coerce(name: str, value, typ):
    """Converts a string (or YAML value) to the field's type; a clear error names the parameter."""
    origin = typing.get_origin(typ) or typ
    if not isinstance(value, str):
        if origin is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, origin if isinstance(origin, type) else object):
            return value
        value = json.dumps(value) if isinstance(value, (list, dict)) else str(value)
    try:
        if origin is bool:
            v = value.lower()
            if v in _TRUE:
                return True
            if v in _FALSE:
                return False
            raise ValueError
        if origin is int:
            return int(value)
        if origin is float:
            return float(value)
        if origin in (list, dict):
            parsed = json.loads(value) if value.strip().startswith(("[", "{")) else [float(v) for v in value.split(",")]
            if not isinstance(parsed, origin):
                raise ValueError
            return parsed
        return str(value)
    except (ValueError, json.JSONDecodeError):
        tname = getattr(origin, "__name__", str(origin))
        raise ConfigError(f"parameter {name!r} expects {tname}, got {value!r}") from None


def build(cls, overrides: dict, base: dict | None = None):
    """Instance of dataclass `cls` from defaults, then `base`, then `overrides`; unknown keys fail."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    values = {}
    for source in (base or {}, overrides):
        for k, v in source.items():
            if k not in fields:
                raise ConfigError(f"unknown parameter {k!r}; valid parameters: {', '.join(sorted(fields))}")
            values[k] = coerce(k, v, hints[k])
    return cls(**values)
