"""Benchmark: list the generated 100k-file site through gfal2 over http:// and root://, next to
the xrootd lister on the same tree, in one run.

    .venv/bin/python benchmarks/gfal_listing.py [--files 100000] [--threads 8]
        [--renew 100] [--repeat 3] [--xrootd-threads 64] [--tree DIR] [--no-renew-pass]

Every method lists the whole tree through the real listing engine (``site.threads`` requests
in flight) from one local XRootD server that serves root:// and, through XrdHttp, http://.
Prints entries/s (files + directories listed), the median of ``--repeat`` rounds in which the
methods take turns, so a load spike on a shared machine hits them alike. ``--no-renew-pass``
adds three consecutive http passes by one lister whose contexts are never renewed (slow: it
shows why they are), and three by one whose contexts are. Over
root://, gfal2's xrootd plugin now and then sleeps out its fixed 60 s wait on a listing that
has already arrived; such stalls are counted and shown, and the median keeps them out.
The tree is the one benchmarks/xrootd_listing.py makes (same seed and shape; ``--tree`` can
be shared between the two).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

os.environ.setdefault("XRD_TIMEOUTRESOLUTION", "1")
os.environ.setdefault("RES_OPTIONS", "timeout:1 attempts:1")

from consistency_core.testing.servers import XrootdServer  # noqa: E402

from benchtree import ROOT, make_tree  # noqa: E402

from consistency_core import config  # noqa: E402
from consistency_core.engine import Walker  # noqa: E402
from consistency_core.plugins import backends  # noqa: E402
from consistency_core.tree import Tree  # noqa: E402



def walk(lister_name: str, url: str, threads: int, passes: int = 1,
         **options) -> tuple[int, list[float], int]:
    """List the tree ``passes`` times with one lister object through the engine;
    (entries listed per pass, seconds of each pass, gfal2 60 s stalls)."""
    site = config.build_site("BENCH", {"lister": lister_name, "inventory": "dump", "url": url,
                                       "threads": threads, "timeout": 120, **options},
                             "(benchmark)")
    lister = backends("lister")[lister_name].factory(site)
    lister.check()
    seconds = []
    for _ in range(passes):
        t0 = time.monotonic()
        stats = Walker(lister, site, Tree(cutoff=time.time())).run([ROOT])
        seconds.append(time.monotonic() - t0)
        if sum(stats.errors.values()):
            raise RuntimeError(f"{lister_name} {url}: failures {stats.failures[:3]}")
    if hasattr(lister, "close"):
        lister.close()
    events = getattr(lister, "events", {})
    stalls = events.get("stalled", 0) + events.get("hedged", 0)
    return stats.files + stats.dirs - 1, seconds, stalls


def methods(server, args) -> dict[str, tuple]:
    renew = {"gfal_context_renew": args.renew}
    found = {
        f"gfal http, {args.threads} threads": ("gfal", server.http_url, args.threads, renew),
        f"gfal root, {args.threads} threads": ("gfal", server.url, args.threads, renew),
    }
    if "xrootd" in backends("lister"):
        for threads in sorted({args.threads, args.xrootd_threads}):
            found[f"xrootd lister, {threads} in flight"] = ("xrootd", server.url, threads, {})
    else:
        print("(backends/xrootd is not installed: no xrootd lister to compare with)")
    return found


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=8, help="gfal worker threads")
    ap.add_argument("--renew", type=int, default=100, help="directories per gfal2 context")
    ap.add_argument("--xrootd-threads", type=int, default=64,
                    help="the xrootd lister's in-flight requests")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tree", help="keep the generated tree here and reuse it next time")
    ap.add_argument("--no-renew-pass", action="store_true",
                    help="also three http passes with one lister whose contexts are never "
                         "renewed (slow), and three with renewal")
    args = ap.parse_args(argv)

    base = Path(args.tree) if args.tree else Path(tempfile.mkdtemp(prefix="gfalbench-"))
    base.mkdir(parents=True, exist_ok=True)
    files, dirs = make_tree(base, args.files, args.seed)
    expected = files + dirs
    print(f"tree: {files} files in {dirs} directories below {ROOT} ({expected} entries); "
          f"{os.cpu_count()} cores", flush=True)
    server = XrootdServer(base / "site", http=True).start()
    try:
        runs = methods(server, args)
        times: dict[str, list[float]] = {name: [] for name in runs}
        stalls = dict.fromkeys(runs, 0)
        for _round in range(args.repeat):
            for name, (lister, url, threads, options) in runs.items():
                n, (secs,), stalled = walk(lister, url, threads, **options)
                stalls[name] += stalled
                if n != expected:
                    print(f"  WARNING: {name} listed {n} entries, the tree has {expected}")
                times[name].append(secs)
        if args.no_renew_pass:
            for label, renew in (("never renewed", 10**9), (f"renewed every {args.renew}",
                                                            args.renew)):
                name = f"gfal http, 3 passes, {label}"
                _n, times[name], stalls[name] = walk("gfal", server.http_url, args.threads,
                                                     passes=3, gfal_context_renew=renew)
    finally:
        server.close()
        if not args.tree:
            shutil.rmtree(base, ignore_errors=True)
    print(f"\nentries/s, median of {args.repeat} (gfal2 contexts renewed every {args.renew} "
          f"directories)")
    for name, secs in times.items():
        rate = expected / statistics.median(secs)
        stalled = f"; {stalls[name]} slow listings retried or waited out" if stalls[name] else ""
        print(f"  {name:<42}{rate:>10,.0f}   ({', '.join(f'{s:.2f}' for s in secs)} s{stalled})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
