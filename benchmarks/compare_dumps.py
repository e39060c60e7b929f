"""Compare benchmark: ``consistency diff`` against DuckDB's anti-join on the same two dumps.

    .venv/bin/python benchmarks/compare_dumps.py --sizes 1M,10M

For each size N it writes (once, cached under --workdir) an inventory dump and a site listing
dump of N synthetic CMS-like files each (``consistency_core.testing.sitegen.generate_dumps``:
deep ``/store/mc/<campaign>/<dataset>/<tier>/<version>/<block>/<uuid>.root`` paths, 0.1% of
the inventory missing from the listing, 0.5% orphans, plus size mismatches and young decoys),
then runs, each in its own process, measuring wall time and peak memory (RSS of the process
and all its children, sampled, and the kernel's ``ru_maxrss``):

- ``consistency diff INVENTORY LISTING --output DIR``;
- the reference: DuckDB reads both text files (``read_csv``, space delimited) and computes
  missing (inventory anti-join listing on path) and orphans (listing anti-join inventory), with
  the same ignore age as ``consistency diff`` so the counts are comparable.

Both must find the same number of missing files and orphans, and the planted ones; the
benchmark fails (exit 1) otherwise. It prints a table; ``--json FILE`` also saves it.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BIN = os.path.dirname(sys.executable)
PAGE = os.sysconf("SC_PAGE_SIZE")


def parse_size(text: str) -> int:
    text = text.strip().upper()
    scale = {"K": 10**3, "M": 10**6, "G": 10**9}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def label(n: int) -> str:
    for unit, scale in (("M", 10**6), ("k", 10**3)):
        if n >= scale and n % scale == 0:
            return f"{n // scale}{unit}"
    return str(n)


# ------------------------------------------------------------------------------ measuring
def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and every descendant, from /proc."""
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


def measure(argv: list[str], cwd: str, env: dict | None = None) -> dict:
    """Run ``argv``; return wall seconds, peak RSS (sampled process tree and ru_maxrss), output."""
    out_path = os.path.join(cwd, f".{os.path.basename(argv[0])}-{time.monotonic_ns()}.out")
    with open(out_path, "w+b") as out:
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
        peak = [0]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], _tree_rss(proc.pid))
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - t0
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    os.unlink(out_path)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return {"rc": proc.returncode, "wall": wall, "peak_rss": max(peak[0], usage.ru_maxrss * 1024),
            "maxrss": usage.ru_maxrss * 1024, "children_maxrss": children, "output": text}


# ---------------------------------------------------------------------------------- steps
def generate(workdir: str, n: int, seed: int) -> dict:
    """The two dumps of size ``n`` (cached: regenerated only if missing or differently made)."""
    from consistency_core.testing import sitegen

    d = os.path.join(workdir, label(n))
    meta_path = os.path.join(d, "expected.json")
    want = {"n_files": n, "seed": seed, "n_missing": n // 1000, "n_orphan": n // 200}
    paths = {"inventory": os.path.join(d, "inventory.txt"), "listing": os.path.join(d, "listing.txt")}
    if os.path.exists(meta_path):
        with open(meta_path) as fh:
            meta = json.load(fh)
        if meta.get("made") == want and all(map(os.path.exists, paths.values())):
            return {**paths, "expected": meta["expected"], "generated": None}
    os.makedirs(d, exist_ok=True)
    t0 = time.monotonic()
    # Planted counts as the issue asks: ~0.1% missing, ~0.5% orphans (sitegen caps at 10k).
    exp = sitegen.generate_dumps(paths["inventory"], paths["listing"], seed=seed, n_files=n,
                                 n_missing=n // 1000, n_orphan=n // 200)
    took = time.monotonic() - t0
    expected = {"missing": len(exp.missing), "orphan": len(exp.orphan),
                "ignored_orphan": len(exp.ignored_orphan), "size_mismatch": len(exp.size_mismatch),
                "n_inventory": exp.n_inventory, "n_listing": exp.n_remote, "now": exp.now}
    with open(meta_path, "w") as fh:
        json.dump({"made": want, "expected": expected}, fh, indent=1)
    return {**paths, "expected": expected, "generated": took}


def run_ours(dumps: dict, workdir: str) -> dict:
    out = os.path.join(workdir, "results")
    shutil.rmtree(out, ignore_errors=True)
    # No config: default rules (ignore age 1 day, no ignore patterns), root /.
    r = measure([os.path.join(BIN, "consistency"), "-q", "diff", dumps["inventory"],
                 dumps["listing"], "--output", out, "--site", "bench"], cwd=workdir)
    if r["rc"] != 0:
        raise SystemExit(f"consistency diff failed (exit {r['rc']}):\n{r['output']}")
    with open(os.path.join(out, "bench_summary.json")) as fh:
        counts = json.load(fh)["counts"]
    r.update(missing=counts["missing"], orphan=counts["orphan"],
             size_mismatch=counts["size_mismatch"])
    return r


DUCKDB_SCRIPT = r"""
import sys, duckdb
inv, lst, cutoff = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = duckdb.connect()
cols = "{'path': 'VARCHAR', 'size': 'BIGINT', 'mtime': 'BIGINT'}"
def source(path):
    return (f"read_csv('{path}', delim=' ', header=false, comment='#', null_padding=true, "
            f"auto_detect=false, columns={cols})")
old = "(mtime IS NULL OR mtime <= %d)" % cutoff
# One pass over each file: a full outer join on path gives both anti-joins at once.
missing, orphan = con.execute(
    f"SELECT count(*) FILTER (WHERE l.path IS NULL AND {old.replace('mtime', 'i.mtime')}), "
    f"count(*) FILTER (WHERE i.path IS NULL AND {old.replace('mtime', 'l.mtime')}) "
    f"FROM {source(inv)} i FULL OUTER JOIN {source(lst)} l ON i.path = l.path").fetchone()
print(missing, orphan)
"""


def run_duckdb(dumps: dict, workdir: str) -> dict:
    # Same ignore age as ``consistency diff``'s default (1 day), from the time of the run.
    cutoff = int(time.time() - 86400)
    r = measure([sys.executable, "-c", DUCKDB_SCRIPT, dumps["inventory"], dumps["listing"],
                 str(cutoff)], cwd=workdir)
    if r["rc"] != 0:
        raise SystemExit(f"duckdb reference failed (exit {r['rc']}):\n{r['output']}")
    missing, orphan = map(int, r["output"].split()[-2:])
    r.update(missing=missing, orphan=orphan, size_mismatch=None)
    return r


# ----------------------------------------------------------------------------------- main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1M", help="comma-separated entries per side (1M,10M)")
    ap.add_argument("--workdir", default="/tmp/consistency-bench",
                    help="where the dumps are generated and kept between runs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each tool; the best is kept")
    ap.add_argument("--no-duckdb", action="store_true", help="skip the DuckDB reference")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)

    rows, failed = [], False
    for n in map(parse_size, args.sizes.split(",")):
        workdir = os.path.join(args.workdir, label(n))
        os.makedirs(workdir, exist_ok=True)
        dumps = generate(args.workdir, n, args.seed)
        if dumps["generated"] is not None:
            print(f"{label(n)}: generated the dumps in {dumps['generated']:.0f}s", flush=True)
        exp = dumps["expected"]
        tools = [("consistency diff", run_ours)]
        if not args.no_duckdb:
            tools.append(("duckdb anti-join", run_duckdb))
        results = {}
        for name, fn in tools:
            runs = [fn(dumps, workdir) for _ in range(args.repeat)]
            best = min(runs, key=lambda r: r["wall"])
            best["peak_rss"] = min(r["peak_rss"] for r in runs)
            results[name] = best
            rows.append({"size": label(n), "tool": name, "wall_s": round(best["wall"], 2),
                         "peak_rss_mb": round(best["peak_rss"] / 2**20),
                         "missing": best["missing"], "orphan": best["orphan"],
                         "size_mismatch": best["size_mismatch"]})
            print(_row(rows[-1]), flush=True)
        ours = results["consistency diff"]
        planted = (exp["missing"], exp["orphan"] + exp["ignored_orphan"], exp["size_mismatch"])
        if (ours["missing"], ours["orphan"], ours["size_mismatch"]) != planted:
            print(f"{label(n)}: consistency diff found {ours['missing']} missing, "
                  f"{ours['orphan']} orphans, {ours['size_mismatch']} size mismatches; "
                  f"planted {planted}", file=sys.stderr)
            failed = True
        ref = results.get("duckdb anti-join")
        if ref and (ref["missing"], ref["orphan"]) != (ours["missing"], ours["orphan"]):
            print(f"{label(n)}: counts differ from DuckDB's ({ref['missing']} missing, "
                  f"{ref['orphan']} orphans)", file=sys.stderr)
            failed = True

    print()
    print(_table(rows))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)
    return 1 if failed else 0


HEADER = ("size", "tool", "wall s", "peak RSS MB", "missing", "orphan", "size mismatch")


def _row(r: dict) -> str:
    return (f"{r['size']:>5}  {r['tool']:<17} {r['wall_s']:>7.1f} {r['peak_rss_mb']:>11} "
            f"{r['missing']:>8} {r['orphan']:>7} {'' if r['size_mismatch'] is None else r['size_mismatch']:>13}")


def _table(rows: list[dict]) -> str:
    head = (f"{HEADER[0]:>5}  {HEADER[1]:<17} {HEADER[2]:>7} {HEADER[3]:>11} {HEADER[4]:>8} "
            f"{HEADER[5]:>7} {HEADER[6]:>13}")
    return "\n".join([head] + [_row(r) for r in rows])


if __name__ == "__main__":
    sys.path.insert(0, REPO)
    raise SystemExit(main())
