"""The Dynamo backend end to end: `consistency run --inventory dynamo --act` against a real
MariaDB with the Dynamo schema and a generated site tree."""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest

from consistency_core import load_config
from dynamo_helpers import (SITE, build_world, expected_rows, result_lists, run_cli,
                            table_rows, write_config)


def check_findings(world, output=None):
    got = result_lists(output or world.output)
    assert got["missing"] == world.missing
    assert got["orphan"] == world.orphan
    assert got["size_mismatch"] == world.size_mismatch
    assert got["empty_dirs"] == world.empty_dirs
    assert got["unlisted"] == []
    return got


@pytest.mark.parametrize("queue", ["subscriptions", "registry"])
def test_act_queues_exactly_the_repairs_and_a_rerun_nothing(tmp_path, mariadb_server, queue, seed):
    print(f"sitegen seed {seed}")
    world = build_world(tmp_path, mariadb_server, queue=queue, seed=seed, n_files=1000)
    res = run_cli("run", "--site", SITE, "--config", world.config, "--inventory", "dynamo",
                  "--act", db=mariadb_server)
    assert res.returncode == 0, res.stderr
    got = check_findings(world)
    assert got["missing_no_disk"] == world.no_disk
    assert got["unrecoverable"] == sorted(world.unrecoverable + world.damaged_unrecoverable)
    assert world.repairs and world.damaged_unrecoverable
    rows = (world.output / f"{SITE}_size_mismatch.txt").read_text().splitlines()
    assert [r.split("\t")[0] for r in rows] == world.size_mismatch
    dmg3 = [r.split("\t") for r in rows if "/dmg3.root" in r]
    assert dmg3 == [["/store/mc/DynamoTest/Damaged/AODSIM/Plant-v1/00000/dmg3.root",
                     "600", "599"]]  # LFN, inventory size, site size
    groups = [line.split("\t") for line in
              (world.output / f"{SITE}_missing_datasets.txt").read_text().splitlines()[1:]]
    assert sum(int(n) for _ds, _block, n, _size in groups) == len(world.missing)
    deleting = "/Deleting/DynamoTest-Plant-v1/AODSIM"  # the planted del3, 500 bytes, block b1
    assert [deleting, f"{deleting}#b1", "1", "500"] in groups
    assert all(block.startswith(ds + "#") for ds, block, _n, _size in groups)  # from Dynamo
    want = expected_rows(world, queue)
    conn = mariadb_server.connect()
    assert table_rows(conn) == want
    summary = json.loads((world.output / f"{SITE}_summary.json").read_text())
    assert summary["reporters"]["dynamo"] == "ran"
    assert summary["counts"]["orphan_protected"] == len(world.protected)
    record = json.loads((world.output / f"{SITE}_dynamo.json").read_text())
    assert record["status"] == "complete"
    assert record["written"]["deletions"]["queued"] == len(world.deletions)
    assert record["written"]["transfers"]["queued"] == len(world.transfers)
    assert record["written"]["repairs"]["queued"] == len(world.repairs)
    assert record["damaged_unrecoverable"] == len(world.damaged_unrecoverable)

    res = run_cli("run", "--site", SITE, "--config", world.config, "--act", db=mariadb_server)
    assert res.returncode == 0, res.stderr
    assert table_rows(conn) == want  # nothing queued twice
    record = json.loads((world.output / f"{SITE}_dynamo.json").read_text())
    assert record["written"]["deletions"] == {"queued": 0, "requeued": 0,
                                              "already": len(world.deletions)}
    assert record["written"]["transfers"]["already"] == len(world.transfers)


def test_without_act_nothing_is_queued(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server)
    res = run_cli("run", "--site", SITE, "--config", world.config, db=mariadb_server)
    assert res.returncode == 0, res.stderr
    check_findings(world)
    assert table_rows(mariadb_server.connect()) == world.seeded
    summary = json.loads((world.output / f"{SITE}_summary.json").read_text())
    assert summary["reporters"]["dynamo"].startswith("skipped")
    assert "--act" in summary["reporters"]["dynamo"]


def test_tripped_safety_gate_queues_nothing(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server, extra={"max_orphan": 1})
    res = run_cli("run", "--site", SITE, "--config", world.config, "--act", db=mariadb_server)
    assert res.returncode == 0, res.stderr
    check_findings(world)
    assert table_rows(mariadb_server.connect()) == world.seeded
    summary = json.loads((world.output / f"{SITE}_summary.json").read_text())
    assert "max_orphan" in summary["reporters"]["dynamo"]
    assert not (world.output / f"{SITE}_dynamo.json").exists()


def test_each_protection_can_be_switched_off(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server)
    for rule, lfns in sorted(world.by_rule.items()):
        config = tmp_path / f"{rule}.toml"
        text = world.config.read_text() + f"{rule} = false\n"
        config.write_text(text)
        out = tmp_path / f"out-{rule}"
        res = run_cli("run", "--site", SITE, "--config", config, "--output", out,
                      db=mariadb_server)
        assert res.returncode == 0, res.stderr
        assert result_lists(out)["orphan"] == sorted(world.orphan + lfns), rule


def test_act_through_a_local_xrootd_server(mariadb_server, xrootd_server):
    # outside pytest's tmp_path: the server runs as user xrootd and must reach the tree
    tmp = Path(tempfile.mkdtemp(prefix="dynamo-xrd-"))
    try:
        world = build_world(tmp, mariadb_server)
        srv = xrootd_server(world.site_dir)
        raw = dict(load_config(str(world.config)).sites[SITE], lister="xrootd", url=srv.url)
        write_config(world.config, raw)
        res = run_cli("run", "--site", SITE, "--config", world.config, "--act", db=mariadb_server)
        assert res.returncode == 0, res.stderr
        check_findings(world)
        assert table_rows(mariadb_server.connect()) == expected_rows(world, "subscriptions")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.parametrize("queue", ["subscriptions", "registry"])
def test_done_rows_are_requeued_and_operator_decisions_left_alone(tmp_path, mariadb_server, queue):
    world = build_world(tmp_path, mariadb_server, queue=queue)
    orphan = next(o for o in world.orphan if o in world.file_ids)  # one with a files row
    missing = sorted(world.transfers)[0]
    source = world.transfers[missing]
    conn = mariadb_server.connect()
    with conn.cursor() as cur:
        if queue == "registry":
            cur.execute("INSERT INTO deletion_queue (file, site, status) VALUES (%s, %s, 'done')",
                        (orphan, SITE))
            cur.execute("INSERT INTO transfer_queue (file, site_from, site_to, status)"
                        " VALUES (%s, %s, %s, 'failed')", (missing, source, SITE))
        else:
            cur.execute("INSERT INTO file_subscriptions (file_id, site_id, status, created,"
                        " `delete`) VALUES (%s, %s, 'done', NOW(), 1)",
                        (world.file_ids[orphan], world.site_id))
            cur.execute("INSERT INTO file_subscriptions (file_id, site_id, status, created,"
                        " `delete`) VALUES (%s, %s, 'cancelled', NOW(), 0)",
                        (world.file_ids[missing], world.site_id))
    res = run_cli("run", "--site", SITE, "--config", world.config, "--act", db=mariadb_server)
    assert res.returncode == 0, res.stderr
    want = expected_rows(world, queue)  # the done deletion is back to new: same rows
    if queue == "registry":
        want["transfer_queue"].remove((missing, source, SITE, "new"))
        want["transfer_queue"] = sorted(want["transfer_queue"] + [(missing, source, SITE, "failed")])
    else:
        row = (world.file_ids[missing], world.site_id, "new", 0)
        want["file_subscriptions"].remove(row)
        want["file_subscriptions"] = sorted(want["file_subscriptions"] + [row[:2] + ("cancelled", 0)])
    assert table_rows(conn) == want
    record = json.loads((world.output / f"{SITE}_dynamo.json").read_text())
    assert record["written"]["deletions"]["requeued"] == 1
    assert record["written"]["transfers"]["already"] == 1


@pytest.mark.parametrize("queue", ["subscriptions", "registry"])
def test_tables_with_only_the_listed_columns(tmp_path, mariadb_server, queue):
    world = build_world(tmp_path, mariadb_server, queue=queue, minimal=True)
    for again in (False, True):
        res = run_cli("run", "--site", SITE, "--config", world.config, "--act", db=mariadb_server)
        assert res.returncode == 0, res.stderr
        if again:  # a damaged replica whose bad copy is being deleted is not reported again
            world.size_mismatch = world.damaged_unrecoverable_all
        check_findings(world)
        assert table_rows(mariadb_server.connect()) == expected_rows(world, queue)
    for _ in range(2):
        res = run_cli("invalidate", "--site", SITE, "--config", world.config, db=mariadb_server)
        assert res.returncode == 0, res.stderr
    assert table_rows(mariadb_server.connect())["local_invalidations"] == \
        sorted((SITE, lfn) for lfn in set(world.missing) | set(world.size_mismatch))
