"""The Dynamo backend from Python (what a Dynamo executable calls), its connection settings
and `consistency invalidate`."""
from __future__ import annotations

import pytest

import time

from consistency_core import ConfigError, ConsistencyError, load_config, run_site
from consistency_core.history import History, location
from consistency_dynamo import DynamoInventory, DynamoReporter, cms_dataset
from dynamo_helpers import (SITE, build_world, expected_rows, result_lists,
                            run_cli, table_rows, write_config)


def embedded_run(site, conn, **kw):
    """What a Dynamo executable calls (the README's example)."""
    return run_site(site, inventory=DynamoInventory(site, connection=conn),
                    reporters={"dynamo": DynamoReporter(site, connection=conn)}, **kw)


def test_embedding_with_an_existing_connection(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server)
    site = load_config(str(world.config)).site(SITE)
    conn = mariadb_server.connect()
    result = embedded_run(site, conn, act=True)
    assert result.completed and result.gates.passed
    assert sorted(lfn for lfn, _ in result.findings.missing) == world.missing
    assert sorted(lfn for lfn, _ in result.findings.orphan) == world.orphan
    assert result.reporters["dynamo"] == "ran"
    assert conn.open  # the caller's connection is left open
    assert table_rows(conn) == expected_rows(world, "subscriptions")
    history = History(location(site))
    assert [(r.id, r.status, r.acted) for r in history.runs(SITE)] == [(1, "completed", True)]
    history.close()


def test_embedding_confirms_over_runs_and_honours_the_site_state(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server, extra={
        "confirm_missing_runs": 2, "confirm_orphan_runs": 2})
    site = load_config(str(world.config)).site(SITE)
    conn = mariadb_server.connect()
    history = History(location(site))
    history.set_state(SITE, time.time(), mode="dry")
    dry = embedded_run(site, conn, act=True)
    assert not dry.acting and dry.reporters["dynamo"] == "skipped: acting needs --act"
    assert table_rows(conn) == world.seeded
    history.set_state(SITE, time.time(), mode="act")
    for state in ("halted", "disabled"):
        history.set_state(SITE, time.time(), state=state)
        with pytest.raises(ConsistencyError, match=f"{SITE} is {state}"):
            embedded_run(site, conn, act=True)
    history.set_state(SITE, time.time(), state="ready")
    # the dry run saw the findings once; this run sees them twice: confirmed, queued
    result = embedded_run(site, conn, act=True)
    assert result.confirmed["missing"] == result.findings.missing
    assert table_rows(conn) == expected_rows(world, "subscriptions")
    assert [(r.status, r.acted) for r in history.runs(SITE)] == \
        [("completed", True), ("completed", False)]
    history.close()
    assert conn.open


def test_cms_dataset_convention():
    assert cms_dataset("/store/data/Run2018A/SingleMuon/AOD/17Sep2018-v1/000/0A.root") == \
        "/SingleMuon/Run2018A-17Sep2018-v1/AOD"
    assert cms_dataset("/store/mc/RunIIFall17/QCD_Pt/AODSIM/94X_v2-v1/10000/x.root") == \
        "/QCD_Pt/RunIIFall17-94X_v2-v1/AODSIM"
    assert cms_dataset("/store/user/someone/file.root") is None
    assert cms_dataset("/store/data/Run2018A/SingleMuon/AOD") is None


def plain_site(world, **keys):
    raw = dict(load_config(str(world.config)).sites[SITE], **keys)
    path = write_config(world.config.parent / "other.toml", raw)
    return load_config(str(path)).site(SITE)


def test_dataset_rule_is_pluggable(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server)
    conn = mariadb_server.connect()
    # a rule that knows no dataset: nothing is protected by dataset any more
    site = plain_site(world, dynamo_dataset_from_lfn="os.path:isabs",
                      dynamo_protect_dataset_replicas=False)
    inv = DynamoInventory(site, connection=conn, dataset_from_lfn=lambda lfn: None)
    ignored = world.by_rule["dynamo_protect_ignored"]
    assert not inv.protect_orphans(ignored)
    assert DynamoInventory(site, connection=conn, dataset_from_lfn=cms_dataset) \
        .protect_orphans(ignored) == set(ignored)
    with pytest.raises(ConfigError, match="dynamo_dataset_from_lfn"):
        DynamoInventory(plain_site(world, dynamo_dataset_from_lfn="no_such_module:f"))


def test_password_from_mycnf_and_never_in_the_url(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server)
    mycnf = tmp_path / "my.cnf"
    mycnf.write_text(f"[dynamo]\nuser={mariadb_server.user}\npassword={mariadb_server.password}\n"
                     f"host=127.0.0.1\nport={mariadb_server.port}\n"
                     f"database={mariadb_server.database}\n")
    raw = dict(load_config(str(world.config)).sites[SITE], inventory_url="",
               dynamo_mycnf=str(mycnf), dynamo_mycnf_group="dynamo")
    del raw["dynamo_password_env"]
    write_config(world.config, raw)
    res = run_cli("run", "--site", SITE, "--config", world.config)
    assert res.returncode == 0, res.stderr
    assert result_lists(world.output)["missing"] == world.missing
    assert mariadb_server.password not in res.stdout + res.stderr

    url = mariadb_server.url_with_password
    res = run_cli("run", "--site", SITE, "--config", world.config, "--inventory-url", url)
    assert res.returncode == 2
    assert "must not hold a password" in res.stderr
    assert mariadb_server.password not in res.stdout + res.stderr


def test_unknown_dynamo_site_and_bad_queue_are_config_errors(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server)
    text = world.config.read_text()
    world.config.write_text(text + 'dynamo_site = "T3_Nowhere"\n')
    res = run_cli("run", "--site", SITE, "--config", world.config, db=mariadb_server)
    assert res.returncode == 2
    assert "T3_Nowhere" in res.stderr and "dynamo_site" in res.stderr
    raw = dict(load_config(str(world.config)).sites[SITE], dynamo_queue="fts")
    del raw["dynamo_site"]
    write_config(world.config, raw)
    res = run_cli("run", "--site", SITE, "--config", world.config, db=mariadb_server)
    assert res.returncode == 2
    assert "dynamo_queue" in res.stderr


def test_invalidate_records_confirmed_missing_once(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server)
    res = run_cli("invalidate", "--site", SITE, "--config", world.config, db=mariadb_server)
    assert res.returncode == 1 and "no result" in res.stderr
    assert run_cli("run", "--site", SITE, "--config", world.config,
                   db=mariadb_server).returncode == 0
    conn = mariadb_server.connect()
    lost = sorted(set(world.missing) | set(world.size_mismatch))  # damaged replicas too
    assert world.size_mismatch
    want = sorted((SITE, lfn) for lfn in lost)
    for again in (False, True):
        res = run_cli("invalidate", "--site", SITE, "--config", world.config, db=mariadb_server)
        assert res.returncode == 0, res.stderr
        assert table_rows(conn)["local_invalidations"] == want
        assert f"{len(lost)} confirmed missing or damaged" in res.stdout
        assert f"{0 if again else len(lost)} recorded now" in res.stdout


def test_invalidate_refuses_a_result_whose_gates_failed(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server, extra={"max_missing": 1})
    assert run_cli("run", "--site", SITE, "--config", world.config,
                   db=mariadb_server).returncode == 0
    res = run_cli("invalidate", "--site", SITE, "--config", world.config, db=mariadb_server)
    assert res.returncode == 1
    assert "safety gates" in res.stderr and "max_missing" in res.stderr
    assert table_rows(mariadb_server.connect())["local_invalidations"] == []


def test_invalidate_takes_only_files_confirmed_over_runs(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server, extra={"confirm_missing_runs": 2})
    conn = mariadb_server.connect()
    lost = set(world.missing) | set(world.size_mismatch)
    for run, want in ((1, []), (2, sorted((SITE, lfn) for lfn in lost))):
        assert run_cli("run", "--site", SITE, "--config", world.config,
                       db=mariadb_server).returncode == 0
        res = run_cli("invalidate", "--site", SITE, "--config", world.config, db=mariadb_server)
        assert res.returncode == 0, res.stderr
        assert table_rows(conn)["local_invalidations"] == want, f"after run {run}"


def test_invalidate_records_nothing_for_a_site_set_dry(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server)
    assert run_cli("run", "--site", SITE, "--config", world.config,
                   db=mariadb_server).returncode == 0
    res = run_cli("status", "--config", world.config, "set", SITE, "dry")
    assert res.returncode == 0, res.stderr
    res = run_cli("invalidate", "--site", SITE, "--config", world.config, db=mariadb_server)
    assert res.returncode == 0, res.stderr
    assert "set dry" in res.stdout
    assert table_rows(mariadb_server.connect())["local_invalidations"] == []


def test_inventory_dump_of_a_dynamo_site(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server)
    target = tmp_path / "dynamo_inventory.txt"
    res = run_cli("inventory", "dump", "--site", SITE, "--config", world.config, "--output",
                  target, db=mariadb_server)
    assert res.returncode == 0, res.stderr
    rows = {line.split()[0]: int(line.split()[1]) for line in target.read_text().splitlines()}
    conn = mariadb_server.connect()
    with conn.cursor() as cur:  # every file of a complete replica at the site, with its size
        cur.execute("SELECT f.name, f.size FROM files f JOIN block_replicas br"
                    " ON br.block_id = f.block_id JOIN sites s ON s.id = br.site_id"
                    " WHERE s.name = %s AND br.is_complete = 1", (SITE,))
        complete = dict(cur.fetchall())
    assert complete and all(rows[lfn] == size for lfn, size in complete.items())
    assert set(world.missing) <= set(rows)
