"""Registers the ``xrootd`` lister and the site-config keys it understands."""
from __future__ import annotations

import attrs

from consistency_core.api import NUMBER, hookimpl, key

from .lister import RECOMMENDED_THREADS, XrootdLister


@attrs.frozen
class XrootdOptions:
    doors: tuple[str, ...] = key(
        [], "more root://host[:port][/prefix] URLs serving the same namespace as url; "
        "requests are spread over them and a failing door is demoted", type=list)
    locate: bool = key(False, "xrootd: discover the data servers behind the redirector in url "
                       "with locate and list through them (they must all see the whole "
                       "namespace)", type=bool)

    global_redirectors: tuple[str, ...] = key(
        [], "xrootd: for a site with neither url nor doors, redirectors (root://host[:port]) "
        "whose locate finds the site's doors", type=list)
    site_domain: str = key("", "xrootd: with global_redirectors, the site's doors are the "
                           "located host:port containing this (the site's domain)")
    redirector_max_age: float = key(1.0, "xrootd: days the doors located through "
                                    "global_redirectors are reused (0: locate at every run)",
                                    type=NUMBER, at_least=0)


@hookimpl
def register_listers(register):
    # Listing is latency-bound: requests in flight are everything (README, Benchmarks).
    register("xrootd", XrootdLister, options=XrootdOptions,
             defaults={"threads": RECOMMENDED_THREADS})
