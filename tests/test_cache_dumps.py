"""Saved listings and inventories reused by age (save_cache, list_max_age, inventory_max_age)
and `consistency inventory dump`, on a real posix site tree through the CLI."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from core_helpers import consistency, make_file, planted_site, results, write_config


def run(cfg, *extra):
    return consistency("run", "--site", "T2_TEST", "--config", cfg, *extra, check_rc=0)


def summary(out: Path) -> dict:
    return json.loads((out / "T2_TEST_summary.json").read_text())


def saving_config(path, site, dump, **keys):
    cfg = write_config(path, site, dump, **keys)
    cfg.write_text(cfg.read_text() + "save_cache = true\n")  # the site's table is the last
    return cfg


def setup(tmp_path, **keys):
    site, dump, expected = planted_site(tmp_path)
    out = tmp_path / "out"
    cfg = saving_config(tmp_path / "c.toml", site, dump, output=str(out),
                        state_dir=str(tmp_path / "state"), **keys)
    return site, dump, expected, out, cfg


def test_a_saved_listing_is_reused_while_young_enough(tmp_path):
    site, _dump, expected, out, cfg = setup(tmp_path, list_max_age=1)
    run(cfg)
    cache = tmp_path / "state" / "cache"
    saved = (cache / "T2_TEST_listing.txt").read_text().splitlines()
    assert any(line.startswith("/store/mc/Camp/DS1/AODSIM/v1/0001/dark.root 55 ")
               for line in saved)
    young = next(line for line in saved if line.startswith("/store/mc/Camp/DS0/young.root "))
    assert float(young.split()[2]) > time.time() - 3600  # mtimes kept: still young on reuse
    assert summary(out)["reused"] == {}

    make_file(site, "/store/mc/Camp/DS1/AODSIM/v1/0001/new_dark.root", 3)  # after the save
    before = os.stat(cache / "T2_TEST_listing.txt").st_mtime
    run(cfg)
    got = summary(out)
    assert list(got["reused"]) == ["listing"]
    assert got["reused"]["listing"]["path"] == str(cache / "T2_TEST_listing.txt")
    assert 0 <= got["reused"]["listing"]["age_hours"] < 1
    assert results(out)["orphan"] == expected["orphan"]  # the listing of the first run
    assert os.stat(cache / "T2_TEST_listing.txt").st_mtime == before  # not re-saved

    cfg2 = saving_config(tmp_path / "c2.toml", site, tmp_path / "inventory.txt",
                         output=str(out), state_dir=str(tmp_path / "state"), list_max_age=0)
    run(cfg2)
    assert summary(out)["reused"] == {}
    assert "/store/mc/Camp/DS1/AODSIM/v1/0001/new_dark.root" in results(out)["orphan"]


def test_a_saved_listing_older_than_the_limit_is_not_reused(tmp_path):
    _site, _dump, _expected, out, cfg = setup(tmp_path, list_max_age=0.5)
    run(cfg)
    listing = tmp_path / "state" / "cache" / "T2_TEST_listing.txt"
    day_ago = time.time() - 86400
    os.utime(listing, (day_ago, day_ago))
    run(cfg)
    assert summary(out)["reused"] == {}
    assert os.stat(listing).st_mtime > day_ago + 3600  # saved again by the fresh run


def test_a_saved_inventory_is_reused_and_an_old_one_blocks_acting(tmp_path):
    _site, dump, expected, out, cfg = setup(tmp_path, inventory_max_age=3)
    run(cfg)
    saved = tmp_path / "state" / "cache" / "T2_TEST_inventory.txt"
    assert "/store/mc/Camp/DS0/AODSIM/v1/0000/lost.root 77" in saved.read_text()
    dump.write_text(dump.read_text().replace("/store/mc/Camp/DS0/AODSIM/v1/0000/lost.root 77\n",
                                             ""))
    run(cfg)
    got = summary(out)
    assert list(got["reused"]) == ["inventory"]
    assert not any("reused" in r for r in got["gates"]["reasons"])  # younger than ignore age
    assert results(out)["missing"] == expected["missing"]  # from the saved inventory
    two_days = time.time() - 2 * 86400
    os.utime(saved, (two_days, two_days))
    run(cfg)
    got = summary(out)
    assert not got["gates"]["passed"] and got["reused"]["inventory"]["age_hours"] >= 48
    assert any("the inventory was reused" in r and "ignore_age_days" in r
               for r in got["gates"]["reasons"])


def test_nothing_is_saved_without_save_cache(tmp_path):
    site, dump, _expected = planted_site(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump, output=str(tmp_path / "out"),
                       state_dir=str(tmp_path / "state"), list_max_age=1)
    run(cfg)
    assert not (tmp_path / "state" / "cache").exists()  # save_cache is off


def test_inventory_dump_command_writes_the_inventory(tmp_path):
    site, dump, _expected = planted_site(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump)
    target = tmp_path / "inv_dump.txt"
    res = consistency("inventory", "dump", "--site", "T2_TEST", "--config", cfg, "--output",
                      target, check_rc=0)
    assert str(target) in res.stdout
    want = sorted(line.split()[:2] for line in dump.read_text().splitlines()
                  if line and not line.startswith("#"))
    got = sorted(line.split()[:2] for line in target.read_text().splitlines())
    assert got == want
    bad = consistency("inventory", "dump", "--site", "T2_NOPE", "--config", cfg, "--output",
                      target)
    assert bad.returncode != 0 and "T2_NOPE" in bad.stderr and "Traceback" not in bad.stderr
