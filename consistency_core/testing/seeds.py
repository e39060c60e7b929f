"""Seeds for tests: fixed at collection, so test IDs and generated sites are the same in every
run; ``CONSISTENCY_TEST_SEED=N`` picks another set (a failing test's report prints N).

    @pytest.mark.parametrize("seed", seeds(2, "dumps"))   # in a test ID
    def test_x(seed): ...                                  # or the ``seed`` fixture: one per test
"""
from __future__ import annotations

import os
import random

ENV = "CONSISTENCY_TEST_SEED"
DEFAULT = 20260101


def base_seed() -> int:
    value = os.environ.get(ENV, "").strip()
    if not value:
        return DEFAULT
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{ENV}={value!r}: not an integer") from None


def seeds(n: int, salt: str) -> list[int]:
    """``n`` seeds for one use (``salt`` names it: a test or module), from the base seed."""
    rng = random.Random(f"{base_seed()}:{salt}")
    return [rng.randrange(1 << 30) for _ in range(n)]


def seed_for(salt: str) -> int:
    return seeds(1, salt)[0]
