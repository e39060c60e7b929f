"""Registers the ``xrootd`` lister and the site-config keys it understands."""
from __future__ import annotations

from consistency_core import hookimpl

from .lister import RECOMMENDED_THREADS, XrootdLister

OPTIONS = {
    "doors": (list, "more root://host[:port][/prefix] URLs serving the same namespace as url; "
                    "requests are spread over them and a failing door is demoted"),
    "locate": (bool, "xrootd: discover the data servers behind the redirector in url with "
                     "locate and list through them (they must all see the whole namespace)"),
}


@hookimpl
def register_listers(register):
    # Listing is latency-bound: requests in flight are everything (README, Benchmarks).
    register("xrootd", XrootdLister, options=OPTIONS, defaults={"threads": RECOMMENDED_THREADS})
