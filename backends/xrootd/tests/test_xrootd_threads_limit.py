"""The xrootd lister keeps requests in flight without a thread each: it declares its own
``threads`` limit, above the engine's cap for thread-per-request listers."""
import pytest

from consistency_core.config import build_site
from consistency_core.engine import MAX_THREADS
from consistency_core.model import ConfigError
from consistency_xrootd.lister import XrootdLister


def test_the_xrootd_lister_declares_its_own_limit():
    raw = {"lister": "xrootd", "url": "root://127.0.0.1:1", "inventory": "dump"}
    assert build_site("X", {**raw, "threads": XrootdLister.max_threads}, "(t)").threads == \
        XrootdLister.max_threads > MAX_THREADS
    with pytest.raises(ConfigError, match=rf"X\.threads: 100000 .*\(at most {XrootdLister.max_threads}\)"):
        build_site("X", {**raw, "threads": 100000}, "(t)")
