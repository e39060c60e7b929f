"""Upstream's configuration file, read whole (issue 14 item 1). The fixture is the file
dynamo-consistency 2.12 ships (origin and MIT licence: fixtures/upstream/NOTICE.txt)."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from consistency_core import ConfigError, load_config
from consistency_core.legacy_config import KNOWN

UPSTREAM = Path(__file__).parent / "fixtures" / "upstream" / "consistency_config.json"


def upstream(tmp_path, **changes) -> Path:
    data = json.loads(UPSTREAM.read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path = tmp_path / "consistency_config.json"
    path.write_text(json.dumps(data))
    return path


def test_every_shipped_key_is_mapped_or_noted(tmp_path, caplog):
    shipped = set(json.loads(UPSTREAM.read_text()))
    assert shipped <= KNOWN
    with caplog.at_level(logging.INFO, logger="consistency.config"):
        cfg = load_config(str(upstream(tmp_path)))
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    site = cfg.site("T3_US_MIT")
    assert (site.lister, site.url) == ("xrootd", "root://t3serv006.mit.edu")
    assert (site.root, site.directories, site.ignore) == ("/store", ("mc", "data", "hidata"),
                                                          ("/RAW",))
    assert (site.timeout, site.retries, site.threads) == (60.0, 1, 1)
    assert (site.max_missing, site.max_orphan, site.ignore_age_days) == (100, 1000, 1.0)
    assert site.state_dir == str(tmp_path / "var")
    assert site.option("dynamo_queue") == "subscriptions"  # UseTransferQueue 0
    assert cfg.site("T2_US_MIT").unmerged_age == pytest.approx(2419200 / 86400)  # Unmerged
    assert cfg.site("T3_US_MIT").unmerged_age == 0


def test_a_typo_is_a_warning_with_the_closest_key(tmp_path, caplog):
    path = upstream(tmp_path, MaxMisssing=5)
    with caplog.at_level(logging.WARNING, logger="consistency.config"):
        cfg = load_config(str(path))
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: unknown key 'MaxMisssing' ignored (did you mean 'MaxMissing'?)"]
    assert cfg.site("T3_US_MIT").max_missing == 100


@pytest.mark.parametrize("key,value,where", [
    ("Timeout", "soon", "Timeout: expected number"),
    ("NumThreads", 0, "NumThreads: must be at least 1"),
    ("RootPath", "store", "RootPath: must be an absolute LFN"),
    ("AccessMethod", {"T3_US_MIT": "FTP"}, "AccessMethod.T3_US_MIT: unknown access method"),
    ("GFALThreads", -1, None),  # only used by SRM sites: none here
])
def test_errors_name_the_users_key_and_file(tmp_path, key, value, where):
    path = upstream(tmp_path, **{key: value})
    if where is None:
        load_config(str(path))
        return
    with pytest.raises(ConfigError) as err:
        load_config(str(path))
    assert str(err.value).startswith(f"{path}: {where}")


def test_the_gfal_threads_of_srm_sites(tmp_path):
    cfg = load_config(str(upstream(tmp_path, AccessMethod={"T3_US_MIT": "SRM"})))
    site = cfg.site("T3_US_MIT")
    assert (site.lister, site.threads) == ("gfal", 32)


def test_the_dynamo_database_in_the_json(tmp_path, monkeypatch):
    monkeypatch.setenv("CONSISTENCY_SITES_FROM", "")
    cfg = load_config(str(upstream(tmp_path, DynamoDB="mysql://dynamo@db.example:3306/dynamo")))
    assert cfg.defaults["inventory_url"] == "mysql://dynamo@db.example:3306/dynamo"
    assert cfg.defaults["sites_from"] == "dynamo"
    mycnf = tmp_path / "my.cnf"
    mycnf.write_text("[mysql-dynamo]\nuser = dynamo\n")
    cfg = load_config(str(upstream(tmp_path, DynamoDB={
        "config_file": str(mycnf), "config_group": "mysql-dynamo", "db": "dynamo"})))
    site = cfg.site("T3_US_MIT")
    assert site.inventory_url == "mysql:///dynamo"
    assert (site.option("dynamo_mycnf"), site.option("dynamo_mycnf_group")) == (
        str(mycnf), "mysql-dynamo")
    with pytest.raises(ConfigError, match=r"DynamoDB\.password: unknown key"):
        load_config(str(upstream(tmp_path, DynamoDB={"password": "x"})))


def test_environment_overrides(tmp_path, monkeypatch):
    path = upstream(tmp_path)
    monkeypatch.setenv("NumThreads", "3")  # upstream's rule: a top-level key of the file
    assert load_config(str(path)).site("T3_US_MIT").threads == 3
    monkeypatch.setenv("CONSISTENCY_THREADS", "4")  # ours, above the file
    cfg = load_config(str(path))
    assert cfg.site("T3_US_MIT").threads == 4
    assert cfg.site("T3_US_MIT", {"threads": 7}).threads == 7  # flags above both
    monkeypatch.setenv("CONSISTENCY_THREADS", "many")
    with pytest.raises(ConfigError,
                       match="^environment variable CONSISTENCY_THREADS: expected integer"):
        load_config(str(path))


def test_environment_overrides_a_toml_config_for_every_site(tmp_path, monkeypatch):
    path = tmp_path / "consistency.toml"
    path.write_text('[defaults]\nlister = "posix"\ninventory = "dump"\nthreads = 2\n'
                    '[sites.A]\nthreads = 3\n[sites.B]\n')
    monkeypatch.setenv("CONSISTENCY_THREADS", "5")
    monkeypatch.setenv("CONSISTENCY_DIRECTORIES", '["mc", "data"]')
    cfg = load_config(str(path))
    assert [(cfg.site(n).threads, cfg.site(n).directories) for n in "AB"] == [
        (5, ("mc", "data"))] * 2


def test_without_directory_list_the_top_directories_come_from_the_inventory(tmp_path):
    cfg = load_config(str(upstream(tmp_path, DirectoryList=None)))
    site = cfg.site("T3_US_MIT")
    assert (site.directories, site.directories_from) == ((), "inventory")


def test_an_error_found_with_the_site_still_names_the_users_key(tmp_path):
    path = upstream(tmp_path, AccessMethod={"T3_US_MIT": "SRM"}, GFALThreads=1000)
    cfg = load_config(str(path))
    with pytest.raises(ConfigError) as err:
        cfg.site("T3_US_MIT")
    assert str(err.value).startswith(f"{path}: GFALThreads (site T3_US_MIT): 1000 is more "
                                     "than the gfal lister supports")
