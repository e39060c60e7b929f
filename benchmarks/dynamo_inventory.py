"""Dynamo inventory benchmark: files per second from a local MariaDB into the namespace tree.

    .venv/bin/python benchmarks/dynamo_inventory.py [--files 1M] [--repeat 3] [--json FILE]

Starts a private MariaDB on 127.0.0.1 (consistency_core/testing/servers.py), creates the Dynamo schema
(consistency_dynamo/schema.sql) and fills it with one site holding N files in CMS-like
paths: blocks of 50-500 files in datasets of 1-20 blocks, about 1% of the blocks as
incomplete replicas (half their files in block_replica_files) and 1% owned by group 0, plus
the same blocks at a second site so the site filter matters. Then, each repeat, it reads the
site's inventory exactly as a check does (``DynamoInventory(site).files()`` into
``consistency_core.check.load_inventory``) and reports files per second; for reference it
also times a plain pymysql ``SSCursor`` read of one row per file (the same join, no tree).

Exit 1 if the tree does not hold exactly the files placed at the site. The target is
200,000 files/s.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

from consistency_core.testing.servers import MariaDBServer  # noqa: E402

from consistency_core import config  # noqa: E402
from consistency_core.check import load_inventory  # noqa: E402
from consistency_dynamo import DynamoInventory  # noqa: E402
from consistency_dynamo.schema import create_schema  # noqa: E402

TARGET = 200_000
SITE, OTHER = "T2_BENCH_Site", "T1_BENCH_Disk"
PASSWORD_ENV = "BENCH_DYNAMO_PASSWORD"


def parse_size(text: str) -> int:
    text = text.strip().upper()
    scale = {"K": 10**3, "M": 10**6}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def fill(conn, n_files: int, seed: int) -> dict:
    """Place ``n_files`` files at SITE; return how many are compared / new / at the site."""
    rng = random.Random(seed)
    cur = conn.cursor()
    cur.execute("INSERT INTO sites (name) VALUES (%s), (%s)", (SITE, OTHER))
    cur.execute("SELECT id FROM sites WHERE name = %s", (SITE,))
    site_id = cur.fetchone()[0]
    conn.autocommit(False)
    placed = compared = 0
    files, replicas, partial = [], [], []
    file_id = block_id = dataset_id = 0
    old = int(time.time()) - 30 * 86400
    while placed < n_files:
        dataset_id += 1
        era, primary = f"Run20{rng.randint(16, 24)}{'ABCDEFG'[rng.randint(0, 6)]}", f"Primary{dataset_id}"
        processed, tier = f"Reco{rng.randint(1, 9)}-v{rng.randint(1, 4)}", rng.choice(("AOD", "MINIAOD", "RAW"))
        cur.execute("INSERT INTO datasets (id, name, status) VALUES (%s, %s, 'VALID')",
                    (dataset_id, f"/{primary}/{era}-{processed}/{tier}"))
        for _b in range(rng.randint(1, 20)):
            if placed >= n_files:
                break
            block_id += 1
            cur.execute("INSERT INTO blocks (id, dataset_id, name) VALUES (%s, %s, %s)",
                        (block_id, dataset_id, f"{rng.getrandbits(64):016x}"))
            k = min(rng.randint(50, 500), n_files - placed)
            kind = rng.random()
            incomplete, group = kind < 0.01, (0 if 0.01 <= kind < 0.02 else 1)
            replicas.append((block_id, site_id, group, int(not incomplete), old))
            replicas.append((block_id, 2, 1, 1, old))
            base = f"/store/data/{era}/{primary}/{tier}/{processed}/{block_id * 1000:09d}"
            for j in range(k):
                file_id += 1
                files.append((file_id, block_id, rng.randint(10**8, 5 * 10**9),
                              f"{base}/{rng.getrandbits(128):032X}.root"))
                if incomplete and j % 2:
                    partial.append((block_id, site_id, file_id))
            placed += k // 2 if incomplete else k
            compared += 0 if incomplete or group == 0 else k
            if len(files) >= 20000:
                _flush(cur, files, replicas, partial)
    _flush(cur, files, replicas, partial)
    conn.commit()
    conn.autocommit(True)
    cur.execute("SELECT COUNT(*) FROM files")
    return {"at_site": placed, "compared": compared, "catalog_files": cur.fetchone()[0]}


def _flush(cur, files, replicas, partial) -> None:
    cur.executemany("INSERT INTO files (id, block_id, size, name) VALUES (%s, %s, %s, %s)", files)
    cur.executemany("INSERT INTO block_replicas (block_id, site_id, group_id, is_complete,"
                    " last_update) VALUES (%s, %s, %s, %s, FROM_UNIXTIME(%s))", replicas)
    if partial:
        cur.executemany("INSERT INTO block_replica_files VALUES (%s, %s, %s)", partial)
    files.clear(), replicas.clear(), partial.clear()


def read_tree(site) -> tuple[float, int, int]:
    inventory = DynamoInventory(site)
    try:
        t0 = time.perf_counter()
        tree = load_inventory(inventory, time.time() - 86400)
        elapsed = time.perf_counter() - t0
    finally:
        inventory.close()
    n = new = 0
    for _lfn, _size, is_new in tree.files("/store"):
        n += 1
        new += is_new
    return elapsed, n, new


def plain_rows(db) -> tuple[float, int]:
    import pymysql.cursors

    conn = db.connect()
    cur = conn.cursor(pymysql.cursors.SSCursor)
    t0 = time.perf_counter()
    cur.execute("SELECT f.name, f.size, UNIX_TIMESTAMP(br.last_update), br.group_id = 0"
                " FROM block_replicas br JOIN files f ON f.block_id = br.block_id"
                " WHERE br.site_id = 1 AND br.is_complete = 1")
    n = sum(1 for _row in cur)
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed, n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", default="1M", help="files at the site (default 1M)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    n_files = parse_size(args.files)

    with MariaDBServer(tempfile.mkdtemp(prefix="mdb-bench-")) as db:
        os.environ[PASSWORD_ENV] = db.password
        conn = db.connect()
        create_schema(conn)
        t0 = time.perf_counter()
        counts = fill(conn, n_files, args.seed)
        fill_s = time.perf_counter() - t0
        conn.close()
        print(f"filled: {counts['at_site']} files at {SITE} ({counts['compared']} compared, "
              f"the rest new), {counts['catalog_files']} catalog files, in {fill_s:.1f}s", flush=True)
        site = config.build_site(SITE, {
            "lister": "posix", "inventory": "dynamo", "inventory_url": db.url,
            "dynamo_password_env": PASSWORD_ENV}, "(benchmark)")
        runs, ok = [], True
        for i in range(args.repeat):
            elapsed, n, new = read_tree(site)
            rate = n / elapsed
            runs.append(rate)
            good = n == counts["at_site"] and n - new == counts["compared"]
            ok &= good
            print(f"run {i + 1}: {n} files ({n - new} compared, {new} new) in {elapsed:.2f}s = "
                  f"{rate:,.0f} files/s{'' if good else '  WRONG COUNT'}", flush=True)
        plain_s, plain_n = plain_rows(db)
    best, median = max(runs), statistics.median(runs)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"dynamo inventory -> tree: best {best:,.0f} files/s, median {median:,.0f} files/s "
          f"(target {TARGET:,}: {'met' if median >= TARGET else 'NOT met'}); peak RSS {rss:.0f} MB")
    print(f"reference, plain pymysql SSCursor one row per file (no tree): "
          f"{plain_n / plain_s:,.0f} rows/s")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "files": counts["at_site"], "best_files_per_s": best, "median_files_per_s": median,
            "runs_files_per_s": runs, "plain_rows_per_s": plain_n / plain_s,
            "fill_seconds": fill_s, "peak_rss_mb": rss, "target": TARGET, "ok": ok}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
