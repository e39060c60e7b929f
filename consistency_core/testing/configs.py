"""Write consistency configs (TOML) for tests: one writer, for every backend's tests.

    write_config(path, {"T2_X": {"lister": "posix", "url": ...}}, defaults={"threads": 2})

Keys and values are written as given (str, bool, int, float, lists of them), in order:
``[defaults]`` first when given, then one ``[sites.NAME]`` table per site.
"""
from __future__ import annotations

import json
from pathlib import Path


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (str, Path)):
        return json.dumps(str(value))  # a JSON string is a TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def toml_table(name: str, keys: dict) -> list[str]:
    return [f"[{name}]", *(f"{key} = {toml_value(value)}" for key, value in keys.items())]


def write_config(path, sites: dict[str, dict], defaults: dict | None = None) -> Path:
    """A TOML config at ``path`` with ``[defaults]`` and ``[sites.NAME]`` tables; returns path."""
    tables = [toml_table("defaults", defaults)] if defaults is not None else []
    tables += [toml_table(f"sites.{name}", keys) for name, keys in sites.items()]
    path = Path(path)
    path.write_text("\n\n".join("\n".join(lines) for lines in tables) + "\n")
    return path
