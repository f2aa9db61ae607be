"""`--set key=value` and `--config FILE` overrides, typed by the config dataclass they target."""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path

import yaml

from paperline.core.errors import ConfigError

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
            try:
                return int(value)
            except ValueError:
                number = float(value)  # kfp.local hands integers over as "8.0"
                if not number.is_integer():
                    raise
                return int(number)
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


def param(default, help: str):
    """A config field with its one-line meaning: what `paperline params` and `--help` print."""
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=lambda: json.loads(json.dumps(default)), metadata={"help": help})
    return dataclasses.field(default=default, metadata={"help": help})


def type_name(typ) -> str:
    origin = typing.get_origin(typ) or typ
    return getattr(origin, "__name__", str(origin))


def describe(cls, base: dict | None = None) -> list[tuple[str, type, object, str]]:
    """(name, type, default, meaning) of every field of config class `cls`, defaults after `base`."""
    hints = typing.get_type_hints(cls)
    defaults = dataclasses.asdict(build(cls, {}, base))
    return [(f.name, typing.get_origin(hints[f.name]) or hints[f.name], defaults[f.name], help_of(cls, f.name))
            for f in dataclasses.fields(cls)]


def params_text(values: dict) -> str:
    """`name=value` lines: how a pipeline hands its typed inputs to a component in one string input.
    At compile time the values are KFP channels and the text becomes placeholders the backend fills in
    (it resolves those in strings, not inside dict constants); `parse_params_text` reads it back."""
    return "\n".join(f"{k}={v}" for k, v in values.items())


def parse_params_text(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key] = value
    return out


def help_of(cls, name: str) -> str:
    """A field's meaning; a subclass that only changes a default keeps its parent's."""
    for klass in cls.__mro__:
        f = getattr(klass, "__dataclass_fields__", {}).get(name)
        if f is not None and f.metadata.get("help"):
            return f.metadata["help"]
    return ""
