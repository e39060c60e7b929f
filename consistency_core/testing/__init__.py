"""Helpers for tests, the demo and benchmarks of every backend.

:mod:`consistency_core.testing.sitegen` generates synthetic CMS-like sites (a real directory
tree or two streaming dumps) with planted inconsistencies and returns what a correct check
must report: ``from consistency_core.testing import generate, generate_dumps, Expected``.
"""
__all__ = ["Expected", "generate", "generate_dumps", "write_dump"]


def __getattr__(name):  # lazy, so `python -m consistency_core.testing.sitegen` imports it once
    if name in __all__:
        from . import sitegen

        return getattr(sitegen, name)
    raise AttributeError(name)
