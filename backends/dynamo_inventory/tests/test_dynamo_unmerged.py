"""Unmerged-area cleaning end to end: a site served by a real xrootd, the protected-LFN list
served over HTTP as WMCore publishes it, Dynamo's database in a real MariaDB; `consistency
run --act` queues exactly the old, unprotected unmerged files for deletion."""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest

from consistency_core import load_config
from dynamo_helpers import SITE, build_world, expected_rows, run_cli, table_rows, write_config

DAY = 86400
U = "/store/unmerged/Camp22"
OLD_FREE = [f"{U}/Free/GEN-SIM/v1/000/f{i}.root" for i in range(3)]  # 30 days: candidates
YOUNG = f"{U}/Free/GEN-SIM/v1/000/young.root"  # 3 days: being merged, not reported
PROTECTED = [f"{U}/Prot/GEN-SIM/v1/000/p0.root",  # below a protected directory
             f"{U}/Prot/GEN-SIM/v1/001/p1.root",
             f"{U}/Exact/x.root"]  # protected by its own LFN
OLD_LOG = "/store/unmerged/logs/prod/2022/old.tar.gz"  # 90 days: a candidate
MID_LOG = "/store/unmerged/logs/prod/2022/mid.tar.gz"  # 30 days: younger than the logs age
PROTECTED_LIST = {"result": [f"{U}/Prot/", f"{U}/Exact/x.root", "/store/unmerged/Other"]}


def plant(site_dir: Path) -> None:
    """The unmerged area holds only the files planted here (sitegen's decoys there go)."""
    shutil.rmtree(str(site_dir) + "/store/unmerged", ignore_errors=True)
    now = time.time()
    ages = {**{x: 30 for x in OLD_FREE}, YOUNG: 3, **{x: 30 for x in PROTECTED},
            OLD_LOG: 90, MID_LOG: 30}
    for lfn, days in ages.items():
        path = Path(str(site_dir) + lfn)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"u" * 21)
        os.utime(path, (now - days * DAY, now - days * DAY))
    for dirpath, _dirs, _files in os.walk(str(site_dir) + "/store/unmerged", topdown=False):
        os.utime(dirpath, (now - 100 * DAY, now - 100 * DAY))


@contextlib.contextmanager
def http_serving(directory: Path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def protected_url(tmp_path):
    """The protected list as WMStats serves it ({"result": [...]}) on a local HTTP server."""
    www = tmp_path / "www"
    www.mkdir()
    (www / "protectedlfns.json").write_text(json.dumps(PROTECTED_LIST))
    with http_serving(www) as base:
        yield f"{base}/protectedlfns.json"


@pytest.fixture
def xrootd_world(mariadb_server, xrootd_server):
    # outside pytest's tmp_path: the server runs as user xrootd and must reach the tree
    tmp = Path(tempfile.mkdtemp(prefix="dynamo-unmerged-"))
    try:
        world = build_world(tmp, mariadb_server)
        plant(world.site_dir)
        srv = xrootd_server(world.site_dir)
        yield world, srv
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def configure(world, srv, **keys):
    raw = load_config(str(world.config)).sites[SITE]
    # the area is cleaned, so it is not an ignore pattern (see the README)
    ignore = [p for p in raw["ignore"] if "/unmerged" not in p]
    raw = dict(raw, lister="xrootd", url=srv.url, ignore=ignore, unmerged_age=14, unmerged_logs_age=60, max_orphan_fraction=0.5, **keys)
    write_config(world.config, raw)


def unmerged_rows(lfns) -> list:
    return sorted((x, SITE, 1) for x in lfns)


def test_act_queues_old_unprotected_unmerged_files(xrootd_world, mariadb_server, protected_url):
    world, srv = xrootd_world
    configure(world, srv, unmerged_protected=protected_url)
    res = run_cli("run", "--site", SITE, "--config", world.config, "--act", db=mariadb_server)
    assert res.returncode == 0, res.stderr
    want = sorted(OLD_FREE + [OLD_LOG])
    listed = (world.output / f"{SITE}_unmerged.txt").read_text().split()
    assert listed == want
    orphans = (world.output / f"{SITE}_orphan.txt").read_text().split()
    assert orphans == world.orphan  # nothing of the unmerged area is an orphan
    summary = json.loads((world.output / f"{SITE}_summary.json").read_text())
    assert summary["counts"]["unmerged"] == 4 and summary["counts"]["unmerged_bytes"] == 84
    assert summary["counts"]["unmerged_protected"] == len(PROTECTED)
    rows = table_rows(mariadb_server.connect())
    expected = expected_rows(world, "subscriptions")
    expected["file_pre_subscriptions"] = sorted(expected["file_pre_subscriptions"]
                                                + unmerged_rows(want))
    assert rows == expected
    record = json.loads((world.output / f"{SITE}_dynamo.json").read_text())
    assert record["written"]["unmerged"]["queued"] == 4


def test_plain_run_lists_and_queues_nothing(xrootd_world, mariadb_server, protected_url):
    world, srv = xrootd_world
    configure(world, srv, unmerged_protected=protected_url)
    res = run_cli("run", "--site", SITE, "--config", world.config, db=mariadb_server)
    assert res.returncode == 0, res.stderr
    assert (world.output / f"{SITE}_unmerged.txt").read_text().split() == \
        sorted(OLD_FREE + [OLD_LOG])
    assert table_rows(mariadb_server.connect()) == world.seeded


def test_unmerged_candidates_are_gated_by_the_orphan_limits(xrootd_world, mariadb_server,
                                                            protected_url):
    world, srv = xrootd_world
    configure(world, srv, unmerged_protected=protected_url, max_orphan=3)
    res = run_cli("run", "--site", SITE, "--config", world.config, "--act", db=mariadb_server)
    assert res.returncode == 0, res.stderr
    summary = json.loads((world.output / f"{SITE}_summary.json").read_text())
    assert "unmerged 4 > max_orphan 3" in summary["gates"]["reasons"]
    assert table_rows(mariadb_server.connect()) == world.seeded  # the gate held everything


def test_unmerged_candidates_are_confirmed_over_runs_like_orphans(xrootd_world, mariadb_server,
                                                                  protected_url):
    world, srv = xrootd_world
    configure(world, srv, unmerged_protected=protected_url, confirm_orphan_runs=2)
    candidates = set(OLD_FREE + [OLD_LOG])
    for run, queued_then in ((1, set()), (2, candidates)):
        res = run_cli("run", "--site", SITE, "--config", world.config, "--act",
                      db=mariadb_server)
        assert res.returncode == 0, res.stderr
        queued = {r[0] for r in table_rows(mariadb_server.connect())["file_pre_subscriptions"]}
        assert queued & candidates == queued_then, f"after run {run}"


@pytest.mark.parametrize("content, why", [
    ("[]", "empty"), ("{\"other\": []}", "expected a JSON list"), ("not json", "not JSON")])
def test_a_bad_protected_list_stops_the_run(xrootd_world, mariadb_server, tmp_path, content,
                                            why):
    world, srv = xrootd_world
    bad = tmp_path / "protected.json"
    bad.write_text(content)
    configure(world, srv, unmerged_protected=str(bad))
    res = run_cli("run", "--site", SITE, "--config", world.config, "--act", db=mariadb_server)
    assert res.returncode != 0
    assert "unmerged_protected" in res.stderr and why in res.stderr
    assert len(res.stderr.strip().splitlines()[-1]) < 400 and "Traceback" not in res.stderr
    assert table_rows(mariadb_server.connect()) == world.seeded


def test_an_unreachable_protected_list_stops_the_run(xrootd_world, mariadb_server):
    world, srv = xrootd_world
    with http_serving(Path(tempfile.gettempdir())) as base:
        url = f"{base}/no-such-protected-list.json"  # a real server answering 404
        configure(world, srv, unmerged_protected=url)
        res = run_cli("run", "--site", SITE, "--config", world.config, "--act",
                      db=mariadb_server)
    assert res.returncode != 0
    assert "cannot fetch" in res.stderr and url in res.stderr
    assert table_rows(mariadb_server.connect()) == world.seeded
