"""An operator of dynamo-consistency 2.12 migrating: the upstream configuration file (the
one upstream ships, with the site and database filled in), the upstream command line and the
upstream Python API, against a real MariaDB with the Dynamo schema and a generated site
(issue 14 items 1, 6, 8, 9)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from consistency_core.testing.sitegen import default_ignore
from dynamo_helpers import MORGUE, SITE, build_world, result_lists, run_cli

VENV_BIN = Path(sys.executable).parent
from test_dynamo_upstream_config import UPSTREAM


def upstream_config(world, db, tmp: Path, **changes) -> Path:
    """The file upstream ships, pointed at the test's site (posix) and database."""
    data = json.loads(UPSTREAM.read_text())
    tops = sorted(os.listdir(world.site_dir / "store"))
    data.update({
        "AccessMethod": {SITE: "posix"}, "PathPrefix": {SITE: str(world.site_dir)},
        "Redirectors": {}, "Unmerged": [], "DirectoryList": tops,
        "IgnoreDirectories": list(default_ignore()), "VarLocation": str(tmp / "var"),
        "MaxMissing": 10**6, "MaxOrphan": 10**6, "DynamoDB": db.url})
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path = tmp / "consistency_config.json"
    path.write_text(json.dumps(data, indent=2))
    return path


def env_for(db, tmp: Path) -> dict:
    return {"DYNAMO_DB_PASSWORD": db.password, "CONSISTENCY_OUTPUT": str(tmp / "results")}


def summary(tmp: Path) -> dict:
    return json.loads((tmp / "results" / f"{SITE}_summary.json").read_text())


def test_consistency_run_with_the_upstream_file(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server)
    config = upstream_config(world, mariadb_server, tmp_path)
    res = run_cli("run", "--site", SITE, "--config", config,
                  env_extra=env_for(mariadb_server, tmp_path))
    assert res.returncode == 0, res.stderr
    got = result_lists(tmp_path / "results")
    assert (got["missing"], got["orphan"]) == (world.missing, world.orphan)
    assert got["size_mismatch"] == world.size_mismatch
    assert got["unlisted"] == []


def test_a_missing_top_directory_is_unlisted_and_the_others_checked(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server)
    tops = sorted(os.listdir(world.site_dir / "store"))
    config = upstream_config(world, mariadb_server, tmp_path, DirectoryList=tops + ["hidata"])
    res = run_cli("run", "--site", SITE, "--config", config,
                  env_extra=env_for(mariadb_server, tmp_path))
    assert res.returncode == 0, res.stderr
    got = result_lists(tmp_path / "results")
    assert got["unlisted"] == ["/store/hidata"]
    assert (got["missing"], got["orphan"]) == (world.missing, world.orphan)
    listed = summary(tmp_path)
    assert listed["errors"] == {"not_found": 1}
    assert not listed["gates"]["passed"]  # an unlisted directory: nothing may act


def test_without_directory_list_the_inventory_gives_the_top_directories(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server)
    stray = world.site_dir / "store" / "backfill" / "old.root"  # not in the inventory's tops
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"x")
    os.utime(stray, (0, 0))
    config = upstream_config(world, mariadb_server, tmp_path, DirectoryList=None)
    res = run_cli("run", "--site", SITE, "--config", config,
                  env_extra=env_for(mariadb_server, tmp_path))
    assert res.returncode == 0, res.stderr
    got = result_lists(tmp_path / "results")
    assert (got["missing"], got["orphan"]) == (world.missing, world.orphan)
    scope = summary(tmp_path)["scope"]["directories"]
    on_disk = {f"/store/{d}" for d in os.listdir(world.site_dir / "store")}
    assert scope and set(scope) < on_disk and "/store/backfill" not in scope
    assert set(scope) >= {"/".join(lfn.split("/")[:3]) for lfn in world.missing}


def upstream_cli(name: str, *args, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / name), *map(str, args)], capture_output=True,
                          text=True, timeout=180, env={**os.environ, **env})


def test_sites_and_readiness_from_dynamo(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server)
    config = upstream_config(world, mariadb_server, tmp_path)
    env = env_for(mariadb_server, tmp_path)
    # T2_XX_Morgue sorts first and has never run, but Dynamo says it is not ready
    res = upstream_cli("dynamo-consistency", "--config", config, "--site", "T2_XX", "--email",
                       "--update-summary", env=env)
    assert res.returncode == 0, res.stderr
    assert "dynamo-consistency: note: --email: not supported" in res.stderr
    assert "--update-summary: ignored" in res.stderr
    assert result_lists(tmp_path / "results")["missing"] == world.missing
    res = run_cli("status", "--config", config, env_extra=env)
    assert res.returncode == 0, res.stderr
    rows = {line.split()[0]: line for line in res.stdout.splitlines()[1:]
            if line.startswith("T")}
    assert set(rows) == {SITE, MORGUE, "T1_XX_Disk", "T1_XX_MSS"}
    assert "not ready" in rows[MORGUE] and "Dynamo status is 'morgue'" in rows[MORGUE]
    assert "completed" in rows[SITE]
    # nothing else matching is ready: --pick says why
    res = run_cli("run", "--pick", "Morgue", "--config", config, env_extra=env)
    assert res.returncode == 1
    assert f"{MORGUE}: Dynamo status is 'morgue'" in res.stderr


def test_set_status_maps_onto_status_set(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server)
    config = upstream_config(world, mariadb_server, tmp_path)
    env = env_for(mariadb_server, tmp_path)
    res = upstream_cli("set-status", "--config", config, SITE, "dry", env=env)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"{SITE}: ready, dry"
    res = upstream_cli("set-status", "--config", config, SITE, "disable", env=env)
    assert res.stdout.strip() == f"{SITE}: disabled, dry"
    res = upstream_cli("set-status", "--config", config, SITE, "explode", env=env)
    assert res.returncode == 2 and "invalid choice: 'explode'" in res.stderr


def test_refused_upstream_flags_say_why(tmp_path):
    res = upstream_cli("dynamo-consistency", "--no-orphan", env={})
    assert res.returncode == 2
    assert "--no-orphan is not supported: set the site dry" in res.stderr


README_EXAMPLE = """\
from dynamo_consistency import config, datatypes, remotelister, inventorylister

config.LOCATION = {config!r}
site = {site!r}

inventory_listing = inventorylister.listing(site)
remote_listing = remotelister.listing(site)

datatypes.compare(inventory_listing, remote_listing, 'results')
"""


def test_the_upstream_python_example_runs_unchanged(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server)
    config = upstream_config(world, mariadb_server, tmp_path)
    script = tmp_path / "example.py"
    script.write_text(README_EXAMPLE.format(config=str(config), site=SITE))
    res = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=180,
                         env={**os.environ, "DYNAMO_DB_PASSWORD": mariadb_server.password})
    assert res.returncode == 0, res.stderr
    mismatched = [lfn for lfn in world.size_mismatch]
    # upstream's compare: no catalog protections, a size mismatch is both missing and orphan
    assert (tmp_path / "results_missing.txt").read_text().split() == sorted(
        world.missing + mismatched)
    assert (tmp_path / "results_orphan.txt").read_text().split() == sorted(
        world.orphan + world.protected + mismatched)


def test_a_replaced_listing_function(tmp_path, mariadb_server):
    """As upstream describes: remotelister.listing re-implemented, here by walking the site
    directory by hand into a DirectoryInfo."""
    world = build_world(tmp_path, mariadb_server)
    config = upstream_config(world, mariadb_server, tmp_path)
    script = tmp_path / "replaced.py"
    script.write_text(textwrap.dedent(f"""\
        import os
        from dynamo_consistency import config, datatypes, remotelister, inventorylister

        config.LOCATION = {str(config)!r}
        base = {str(world.site_dir)!r}

        def my_listing(site):
            tree = datatypes.DirectoryInfo('/store')
            files = []
            for top in config.config_dict()['DirectoryList']:
                for dirpath, _dirs, names in os.walk(base + '/store/' + top):
                    for name in names:
                        st = os.stat(os.path.join(dirpath, name))
                        files.append((dirpath[len(base):] + '/' + name, st.st_size, st.st_mtime))
            tree.add_file_list(sorted(files))
            return tree

        remotelister.listing = my_listing
        missing, _ms, orphan, _os = datatypes.compare(
            inventorylister.listing({SITE!r}), remotelister.listing({SITE!r}), 'mine')
        print(len(missing), len(orphan))
        """))
    res = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=180,
                         env={**os.environ, "DYNAMO_DB_PASSWORD": mariadb_server.password})
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "mine_missing.txt").read_text().split() == sorted(
        world.missing + world.size_mismatch)
    assert (tmp_path / "mine_orphan.txt").read_text().split() == sorted(
        world.orphan + world.protected + world.size_mismatch)


def test_the_upstream_file_with_a_real_xrootd_door(tmp_path, mariadb_server, xrootd_server):
    """Upstream's own access method: XRootD through a Redirectors entry; a DirectoryList
    entry the site does not have is unlisted (not found), not the end of the run."""
    world = build_world(tmp_path, mariadb_server)
    srv = xrootd_server(world.site_dir, http=False)
    tops = sorted(os.listdir(world.site_dir / "store"))
    config = upstream_config(world, mariadb_server, tmp_path, AccessMethod={},
                             PathPrefix={}, Redirectors={SITE: srv.url.split("://")[1]},
                             DirectoryList=["hidata", *tops])
    res = run_cli("run", "--site", SITE, "--config", config,
                  env_extra=env_for(mariadb_server, tmp_path))
    assert res.returncode == 0, res.stderr
    got = result_lists(tmp_path / "results")
    assert got["unlisted"] == ["/store/hidata"]
    assert (got["missing"], got["orphan"]) == (world.missing, world.orphan)
    assert got["size_mismatch"] == world.size_mismatch
    assert summary(tmp_path)["backends"]["lister"] == "xrootd"
    # none of the directories there: a wrong prefix, one line, nothing written
    (tmp_path / "results" / f"{SITE}_summary.json").unlink()
    config = upstream_config(world, mariadb_server, tmp_path, AccessMethod={}, PathPrefix={},
                             Redirectors={SITE: srv.url.split("://")[1] + "/nosuch"})
    res = run_cli("run", "--site", SITE, "--config", config,
                  env_extra=env_for(mariadb_server, tmp_path))
    assert res.returncode == 1 and "wrong path prefix" in res.stderr
    assert not (tmp_path / "results" / f"{SITE}_summary.json").exists()


def test_sites_from_dynamo_in_toml_overlaid_by_site_tables(tmp_path, mariadb_server, monkeypatch):
    from consistency_core import ConsistencyError, load_config

    world = build_world(tmp_path, mariadb_server)
    config = tmp_path / "sites.toml"
    config.write_text(f'''[defaults]
sites_from = "dynamo"
inventory = "dynamo"
inventory_url = "{mariadb_server.url}"
dynamo_password_env = "TEST_PW"
lister = "xrootd"
url = "root://xrootd.example:1094"

[sites.{SITE}]
lister = "posix"
url = "{world.site_dir}"

[sites.T3_XX_OnlyHere]
''')
    monkeypatch.setenv("TEST_PW", mariadb_server.password)
    cfg = load_config(str(config))
    assert sorted(cfg.sites) == sorted([SITE, MORGUE, "T1_XX_Disk", "T1_XX_MSS",
                                        "T3_XX_OnlyHere"])
    assert cfg.not_ready == {MORGUE: "Dynamo status is 'morgue'"}
    assert (cfg.site(SITE).lister, cfg.site(MORGUE).lister) == ("posix", "xrootd")
    monkeypatch.setenv("TEST_PW", "wrong")
    with pytest.raises(ConsistencyError, match=r"sites\.toml: defaults\.sites_from: dynamo "
                                               r"database .*: cannot connect"):
        load_config(str(config))


def test_the_upstream_flags_as_consistency_arguments():
    from consistency_dynamo.upstream_cli import run_argv, status_argv

    assert run_argv(["--config", "c.json", "--site", "T2_", "--lock", "gfal", "--debug"]) == (
        ["-vv", "run", "--pick", "T2_", "--act", "--config", "c.json"],
        ["--lock: ignored; checks sharing a lister are limited by lister_concurrency"], {})
    assert run_argv([])[0] == ["run", "--pick", ".", "--act"]
    assert status_argv(["--config", "c.json", "T2_X", "halt"]) == [
        "status", "set", "T2_X", "halt", "--config", "c.json"]
    assert run_argv(["--cnf", "/etc/dynamo.cnf"])[2] == {
        "CONSISTENCY_DYNAMO_MYCNF": "/etc/dynamo.cnf"}


def test_the_cnf_flag_gives_the_database_password(tmp_path, mariadb_server):
    world = build_world(tmp_path, mariadb_server)
    config = upstream_config(world, mariadb_server, tmp_path)
    cnf = tmp_path / "my.cnf"
    cnf.write_text(f"[client]\npassword = {mariadb_server.password}\n")
    env = {k: v for k, v in os.environ.items() if k != "DYNAMO_DB_PASSWORD"}  # only my.cnf
    env["CONSISTENCY_OUTPUT"] = str(tmp_path / "results")
    res = subprocess.run([str(VENV_BIN / "dynamo-consistency"), "--config", str(config),
                          "--site", SITE, "--cnf", str(cnf)], capture_output=True, text=True,
                         timeout=180, env=env)
    assert res.returncode == 0, res.stderr
    assert result_lists(tmp_path / "results")["missing"] == world.missing
