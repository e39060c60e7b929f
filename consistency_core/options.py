"""Config keys declared once, as attrs fields: type, default, help and range in one place.

The core's keys are the fields of :class:`consistency_core.config.SiteConfig`; a backend
declares its own in an ``@attrs.frozen`` class passed as ``register(..., options=Cls)``::

    @attrs.frozen
    class ExampleOptions:
        example_delay: float = key(0.0, "seconds to wait before each listing",
                                   type=NUMBER, at_least=0)

Each field's validator checks one value and raises :class:`OptionError` with a message
that does not name the key; :mod:`consistency_core.config` adds file, table and key.
"""
from __future__ import annotations

import functools
from typing import Any, Iterable

import attrs

NUMBER = (int, float)
TYPE_NAMES = {str: "string", int: "integer", float: "number", list: "list", bool: "boolean",
              dict: "table"}


class OptionError(ValueError):
    """One value is not acceptable; the message says why, ``key`` which key."""

    def __init__(self, message: str, key: str = ""):
        super().__init__(message)
        self.key = key


def key(default: Any = attrs.NOTHING, help: str = "", *, type: type | tuple = str,
        at_least: float | None = None, choices: Iterable[str] | None = None,
        converter=None, validator=None):
    """A config key: an attrs field carrying its type, default, help and range."""
    types = type if isinstance(type, tuple) else (type,)
    choices = tuple(choices) if choices is not None else None
    validators = [_TypeCheck(types, allow_none=default is None)]
    if at_least is not None:
        validators.append(_AtLeast(at_least))
    if choices is not None:
        validators.append(_OneOf(choices))
    if validator is not None:
        validators.append(validator)
    if isinstance(default, list):  # a fresh list per instance, never a shared one
        default = attrs.Factory(functools.partial(list, default))
    return attrs.field(default=default, validator=validators, converter=converter,
                       metadata={"help": help, "types": types, "at_least": at_least,
                                 "choices": choices})


def keys_of(cls) -> dict[str, attrs.Attribute]:
    """The config keys an options class (or SiteConfig) declares, by name."""
    return {f.name: f for f in attrs.fields(cls) if "help" in f.metadata}


def check_value(field: attrs.Attribute, value: Any) -> None:
    """Run a key's validators on one raw value (raises OptionError)."""
    if field.validator is not None:
        field.validator(None, field, value)


def default_of(field: attrs.Attribute) -> Any:
    default = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        return default.factory()
    return None if default is attrs.NOTHING else default


def type_name(field: attrs.Attribute) -> str:
    return _names(field.metadata["types"])


def _names(types: tuple) -> str:
    """'number' for (int, float): an integer is a number."""
    return " or ".join(TYPE_NAMES.get(t, t.__name__) for t in types
                       if not (t is int and float in types))


def describe(field: attrs.Attribute) -> str:
    """``name (type, default X[, at least N]): help`` for ``consistency plugins``."""
    extra = [type_name(field), f"default {_show(default_of(field))}"]
    if field.metadata.get("at_least") is not None:
        extra.append(f"at least {field.metadata['at_least']:g}")
    if field.metadata.get("choices"):
        extra.append("one of " + ", ".join(field.metadata["choices"]))
    return f"{field.name} ({', '.join(extra)}): {field.metadata['help']}"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(repr(v) for v in value) + "]"
    return repr(value) if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else str(value)


@attrs.frozen
class _TypeCheck:
    types: tuple
    allow_none: bool = False

    def __call__(self, _inst, field, value) -> None:
        if value is None and self.allow_none:
            return
        accepted = self.types + ((tuple,) if list in self.types else ())
        if isinstance(value, bool) and bool not in self.types or not isinstance(value, accepted):
            want = _names(self.types)
            raise OptionError(f"expected {want}, got {value!r}", field.name)
        if isinstance(value, (list, tuple)) and not all(isinstance(v, str) for v in value):
            raise OptionError(f"expected a list of strings, got {list(value)!r}", field.name)


@attrs.frozen
class _AtLeast:
    bound: float

    def __call__(self, _inst, field, value) -> None:
        if value is not None and value < self.bound:
            if self.bound == 0:
                raise OptionError(f"must not be negative, got {value!r}", field.name)
            raise OptionError(f"must be at least {self.bound:g}, got {value!r}", field.name)


@attrs.frozen
class _OneOf:
    choices: tuple

    def __call__(self, _inst, field, value) -> None:
        if value is not None and value not in self.choices:
            raise OptionError(f"expected one of {', '.join(self.choices)}, got {value!r}",
                              field.name)


def legacy_options(spec: dict) -> type:
    """An options class from the old ``{key: (type, help)}`` dict form of ``options=``."""
    fields = {}
    for name, (types, *help_) in spec.items():
        types = types if isinstance(types, tuple) else (types,)
        fields[name] = key(None, help_[0] if help_ else "", type=types)
    return attrs.make_class("LegacyOptions", fields, frozen=True)
