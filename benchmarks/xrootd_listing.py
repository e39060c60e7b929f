"""Benchmark: list a generated site from a local XRootD server three ways, in one run.

    .venv/bin/python benchmarks/xrootd_listing.py [--files 100000] [--threads 1024]
        [--sweep 8,64,256] [--delay 0.02] [--repeat 5] [--tree DIR]

1. the ``xrootd`` lister through the real listing engine (``site.threads`` requests in flight),
2. ``xrdfs HOST ls -l -R`` (the client most operators script around),
3. a sequential walk, one synchronous ``dirlist(STAT)`` at a time (XRootD Python bindings).

Each runs directly on loopback and again through the latency proxy
(consistency_core/testing/slowproxy.py) holding every directory listing ``--delay`` seconds. Prints
entries/s (files + directories listed) and the lister's ratios to the other two. Under
latency the sequential walk is stopped after ``--seq-seconds`` and its rate taken from what it
covered (it is latency-bound: the rate does not depend on how far it got).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

os.environ.setdefault("XRD_TIMEOUTRESOLUTION", "1")
os.environ.setdefault("RES_OPTIONS", "timeout:1 attempts:1")

from consistency_core.testing.servers import SlowProxy, XrootdServer, client_env  # noqa: E402

from benchtree import ROOT, make_tree  # noqa: E402

from consistency_core import config  # noqa: E402
from consistency_core.engine import Walker  # noqa: E402
from consistency_core.tree import Tree  # noqa: E402



# --------------------------------------------------------------------------------- methods
def lister_walk(url: str, threads: int) -> int:
    """The product: the xrootd lister through the listing engine. Returns entries listed."""
    site = config.build_site("BENCH", {"lister": "xrootd", "inventory": "dump", "url": url,
                                       "threads": threads, "timeout": 120}, "(benchmark)")
    from consistency_xrootd.lister import XrootdLister

    lister = XrootdLister(site)
    lister.check()
    stats = Walker(lister, site, Tree(cutoff=time.time())).run([ROOT])
    if sum(stats.errors.values()):
        raise RuntimeError(f"lister failures: {stats.failures[:3]}")
    return stats.files + stats.dirs - 1


def xrdfs_walk(url: str) -> int:
    hostport = url.removeprefix("root://")
    proc = subprocess.run(["xrdfs", hostport, "ls", "-l", "-R", ROOT], capture_output=True,
                          text=True, env=client_env(XRD_REQUESTTIMEOUT="600"), check=True)
    return sum(1 for line in proc.stdout.splitlines() if line.strip())


def sequential_walk(url: str, budget: float | None = None) -> tuple[int, int, float]:
    """One synchronous dirlist(STAT) at a time; returns (entries, directories, seconds)."""
    from XRootD import client
    from XRootD.client.flags import DirListFlags, StatInfoFlags

    fs = client.FileSystem(url)
    todo, entries, listed = [ROOT], 0, 0
    t0 = time.monotonic()
    while todo:
        path = todo.pop()
        listed += 1
        status, listing = fs.dirlist(path, DirListFlags.STAT, timeout=120)
        if not status.ok:
            raise RuntimeError(f"{path}: {status.message}")
        for e in listing:
            entries += 1
            if e.statinfo.flags & StatInfoFlags.IS_DIR:
                todo.append(f"{path}/{e.name}")
        if budget and time.monotonic() - t0 > budget:
            break
    return entries, listed, time.monotonic() - t0


def timed(func, *args) -> tuple[int, float]:
    """(entries, seconds) of one run."""
    t0 = time.monotonic()
    entries = func(*args)
    return entries, time.monotonic() - t0


# ----------------------------------------------------------------------------------- runs
def bench(label: str, url: str, expected: int, args) -> dict:
    """Median rate of each method over ``args.repeat`` rounds; the methods take turns in
    every round, so a load spike on a shared machine hits them alike."""
    print(f"\n== {label}: {url}", flush=True)
    methods = {f"lister threads={t}": (lister_walk, url, t) for t in args.sweep}
    methods["xrdfs"] = (xrdfs_walk, url)
    times: dict[str, list[float]] = {name: [] for name in methods}
    for _round in range(args.repeat):
        for name, (func, *fargs) in methods.items():
            n, secs = timed(func, *fargs)
            check_count(name, n, expected)
            times[name].append(secs)
    rates = {name: expected / statistics.median(t) for name, t in times.items()}
    for name in methods:
        label_ = f"lister, {name.split('=')[1]:>3} in flight" if name.startswith("lister") else \
            "xrdfs ls -l -R"
        print(f"  {label_:<23}: {rates[name]:>9,.0f} entries/s  (median of "
              f"{', '.join(f'{t:.2f}' for t in times[name])} s)", flush=True)
    budget = args.seq_seconds if args.delay_run else None
    n, listed, secs = sequential_walk(url, budget)
    if n < expected:  # stopped early: extrapolate by directories
        secs, note = secs / listed * (args.dirs + 1), f"extrapolated from {listed} directories"
    else:
        check_count("sequential", n, expected)
        note = "whole tree"
    rates["sequential"] = expected / secs
    print(f"  {'sequential dirlist':<23}: {rates['sequential']:>9,.0f} entries/s  ({secs:.2f}s, "
          f"{note})", flush=True)
    ours = rates[f"lister threads={args.threads}"]
    best = max((k for k in rates if k.startswith("lister")), key=rates.get)
    print(f"  -> lister (threads={args.threads}) / xrdfs      = {ours / rates['xrdfs']:.2f}x")
    print(f"  -> lister (threads={args.threads}) / sequential = {ours / rates['sequential']:.1f}x")
    print(f"  -> fastest lister setting here: {best}")
    return rates


def check_count(what: str, n: int, expected: int) -> None:
    if n != expected:
        print(f"  WARNING: {what} listed {n} entries, the tree has {expected}", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1024, help="the lister's in-flight requests")
    ap.add_argument("--sweep", default="8,64,256",
                    help="comma-separated thread counts to compare too")
    ap.add_argument("--delay", type=float, default=0.02, help="seconds added per directory listing")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seq-seconds", type=float, default=0,
                    help="stop the sequential walk through the proxy after this long and "
                         "extrapolate (0: walk the whole tree)")
    ap.add_argument("--tree", help="keep the generated tree here and reuse it next time")
    args = ap.parse_args(argv)
    args.sweep = sorted({args.threads, *(int(t) for t in args.sweep.split(",") if t)})

    base = Path(args.tree) if args.tree else Path(tempfile.mkdtemp(prefix="xrdbench-"))
    base.mkdir(parents=True, exist_ok=True)
    files, dirs = make_tree(base, args.files, args.seed)
    expected = files + dirs
    args.dirs = dirs
    print(f"tree: {files} files in {dirs} directories below {ROOT} ({expected} entries); "
          f"{os.cpu_count()} cores", flush=True)
    server = XrootdServer(base / "site", http=False).start()
    proxy = None
    try:
        args.delay_run = False
        loop = bench("loopback", server.url, expected, args)
        proxy = SlowProxy(server.port, delay=args.delay).start()
        args.delay_run = True
        slow = bench(f"+{args.delay * 1000:.0f} ms per directory listing (proxy)", proxy.url,
                     expected, args)
    finally:
        if proxy:
            proxy.stop()
        server.close()
        if not args.tree:
            shutil.rmtree(base, ignore_errors=True)
    key = f"lister threads={args.threads}"
    print("\nsummary (entries/s)")
    print(f"  {'':<12}{'lister':>10}{'xrdfs':>10}{'sequential':>12}{'vs xrdfs':>10}{'vs seq':>9}")
    for label, r in (("loopback", loop), (f"+{args.delay * 1000:.0f} ms", slow)):
        print(f"  {label:<12}{r[key]:>10,.0f}{r['xrdfs']:>10,.0f}{r['sequential']:>12,.0f}"
              f"{r[key] / r['xrdfs']:>9.2f}x{r[key] / r['sequential']:>8.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
