"""The ``consistency`` command line, end to end on a real local tree."""
import json
import os
import signal
import subprocess
import time

import pytest

from consistency_core.testing.results import read_results
from consistency_core.testing.runner import PROGRAM
from consistency_core.testing.runner import run_cli as consistency
from consistency_core.testing.sites import planted_config as write_config
from consistency_core.testing.sites import planted_site


def test_run_reports_exactly_the_planted_findings(tmp_path):
    site, dump, expected = planted_site(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump)
    out = tmp_path / "out"
    proc = consistency("run", "--site", "T2_TEST", "--config", cfg, "--output", out, check_rc=0)
    assert read_results(out, "T2_TEST") == expected
    summary = json.loads((out / "T2_TEST_summary.json").read_text())
    assert summary["status"] == "completed"
    assert summary["counts"]["missing"] == 1 and summary["counts"]["orphan"] == 1
    assert summary["gates"]["passed"] is False  # 1 missing of 9 files is over 5 %
    assert "missing" in proc.stdout and "T2_TEST" in proc.stdout


def test_command_line_flags_override_the_config(tmp_path):
    site, dump, expected = planted_site(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump)
    out = tmp_path / "out"
    consistency("run", "--site", "T2_TEST", "--config", cfg, "--url", tmp_path / "nowhere",
                "--output", out, check_rc=1)
    assert not out.exists()


def test_gates_pass_when_within_limits(tmp_path):
    site, dump, _ = planted_site(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump, max_missing_fraction=0.5,
                       max_orphan_fraction=0.5)
    out = tmp_path / "out"
    consistency("run", "--site", "T2_TEST", "--config", cfg, "--output", out, check_rc=0)
    assert json.loads((out / "T2_TEST_summary.json").read_text())["gates"]["passed"] is True


def test_list_writes_a_dump_of_the_site(tmp_path):
    site, dump, _ = planted_site(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump)
    listing = tmp_path / "listing.txt"
    consistency("list", "--site", "T2_TEST", "--config", cfg, "--output", listing, check_rc=0)
    got = {}
    for line in listing.read_text().splitlines():
        lfn, size, mtime = line.split()
        got[lfn] = (int(size), int(mtime))
    on_disk = {}
    for root, _dirs, files in os.walk(site):
        for f in files:
            p = os.path.join(root, f)
            st = os.stat(p)
            on_disk["/" + os.path.relpath(p, site)] = (st.st_size, int(st.st_mtime))
    assert got == on_disk


def test_diff_of_list_and_inventory_matches_run(tmp_path):
    site, dump, expected = planted_site(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump)
    listing = tmp_path / "listing.txt"
    consistency("list", "--site", "T2_TEST", "--config", cfg, "--output", listing, check_rc=0)
    out = tmp_path / "diffout"
    consistency("diff", dump, listing, "--output", out, "--site", "T2_TEST", "--config", cfg,
                check_rc=0)
    got = read_results(out, "T2_TEST")
    assert got["missing"] == expected["missing"]
    assert got["orphan"] == expected["orphan"]
    assert got["size_mismatch"] == expected["size_mismatch"]


def test_diff_reads_compressed_dumps_and_honours_unlisted_marks(tmp_path):
    import bz2
    import gzip

    inv = "/store/a/x.root 10\n/store/b/y.root 5\n/store/c/z.root 1\n"
    lst = "# unlisted: /store/b\n/store/a/x.root 10\n/store/c/orphan.root 4 1000\n"
    with gzip.open(tmp_path / "inv.txt.gz", "wt") as fh:
        fh.write(inv)
    with bz2.open(tmp_path / "lst.txt.bz2", "wt") as fh:
        fh.write(lst)
    out = tmp_path / "out"
    consistency("diff", tmp_path / "inv.txt.gz", tmp_path / "lst.txt.bz2", "--output", out,
                check_rc=0)
    got = read_results(out, "diff")
    assert got["missing"] == ["/store/c/z.root"]
    assert got["orphan"] == ["/store/c/orphan.root"]
    assert got["unlisted"] == ["/store/b"]


def test_malformed_dump_names_file_and_line_and_writes_nothing(tmp_path):
    site, dump, _ = planted_site(tmp_path)
    with open(dump, "a") as fh:
        fh.write("/store/mc/broken.root twelve\n")
    n = len(dump.read_text().splitlines())
    cfg = write_config(tmp_path / "c.toml", site, dump)
    out = tmp_path / "out"
    proc = consistency("run", "--site", "T2_TEST", "--config", cfg, "--output", out, check_rc=1)
    assert f"{dump}:{n}:" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_config_errors_are_one_line_exit_2(tmp_path):
    site, dump, _ = planted_site(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump, thread=4)
    proc = consistency("run", "--site", "T2_TEST", "--config", cfg, check_rc=2)
    assert proc.stderr == (f"consistency: error: {cfg}: sites.T2_TEST: unknown key 'thread' "
                           "(did you mean 'threads'?)\n")

    cfg = write_config(tmp_path / "c2.toml", site, dump, threads="many")
    proc = consistency("run", "--site", "T2_TEST", "--config", cfg, check_rc=2)
    assert "sites.T2_TEST.threads" in proc.stderr and "integer" in proc.stderr

    cfg = write_config(tmp_path / "c3.toml", site, dump)
    proc = consistency("run", "--site", "NOPE", "--config", cfg, check_rc=2)
    assert "unknown site 'NOPE'" in proc.stderr and "T2_TEST" in proc.stderr

    proc = consistency("run", "--site", "T2_TEST", "--config", cfg, "--lister", "ftp", check_rc=2)
    assert "sites.T2_TEST.lister: unknown lister 'ftp' (installed: " in proc.stderr
    assert "posix" in proc.stderr and "may be missing" in proc.stderr

    (tmp_path / "bad.toml").write_text("[sites.X\nlister=1")
    proc = consistency("config", "check", "--config", tmp_path / "bad.toml", check_rc=2)
    assert "bad.toml: cannot parse" in proc.stderr

    proc = consistency("run", "--config", cfg, check_rc=2)
    assert "--site" in proc.stderr

    # flags are checked by the same declarations as the keys they override
    proc = consistency("run", "--site", "T2_TEST", "--config", cfg, "--threads", "0", check_rc=2)
    assert proc.stderr == f"consistency: error: {cfg}: sites.T2_TEST.threads: must be at least 1, got 0\n"
    proc = consistency("run", "--site", "T2_TEST", "--config", cfg, "--timeout", "-1", check_rc=2)
    assert "sites.T2_TEST.timeout: must not be negative" in proc.stderr


def test_config_check_accepts_a_valid_file(tmp_path):
    site, dump, _ = planted_site(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump)
    proc = consistency("config", "check", "--config", cfg, check_rc=0)
    assert "T2_TEST" in proc.stdout


def test_dynamo_consistency_json_config_is_understood(tmp_path):
    site, dump, expected = planted_site(tmp_path)
    legacy = {"RootPath": "/store", "DirectoryList": ["mc", "data"], "IgnoreDirectories": ["unmerged"],
              "IgnoreAge": 1, "NumThreads": 2, "Retries": 1, "Timeout": 30, "MaxMissing": 10,
              "MaxOrphan": 10, "AccessMethod": {"T2_TEST": "posix"},
              "PathPrefix": {"T2_TEST": str(site)}, "Redirectors": {}}
    cfg = tmp_path / "consistency_config.json"
    cfg.write_text(json.dumps(legacy))
    out = tmp_path / "out"
    consistency("run", "--site", "T2_TEST", "--config", cfg, "--inventory", "dump",
                "--inventory-url", dump, "--output", out, check_rc=0)
    assert read_results(out, "T2_TEST") == expected


def test_dynamo_consistency_json_errors_name_the_file(tmp_path):
    from consistency_core import ConfigError, load_config

    cfg = tmp_path / "consistency_config.json"
    cfg.write_text(json.dumps({"RootPath": "/store", "AccessMethod": {"T2_X": "ftp"}}))
    with pytest.raises(ConfigError) as info:
        load_config(str(cfg))
    assert str(info.value) == (f"{cfg}: AccessMethod.T2_X: unknown access method 'ftp' "
                               "(valid: XRootD, SRM)")
    cfg.write_text(json.dumps({"RootPath": "/store", "NumThreads": "many"}))
    with pytest.raises(ConfigError, match=r": NumThreads: expected integer, got 'many'$"):
        load_config(str(cfg))


def test_unlisted_directory_for_real_permission_denied(tmp_path):
    """Run as an unprivileged user, so chmod 000 really denies the listing."""
    site, dump, expected = planted_site(tmp_path)
    locked = site / "store/mc/Camp/DS0/AODSIM"
    out = tmp_path / "out"
    cfg = write_config(tmp_path / "c.toml", site, dump, max_missing_fraction=1.0,
                       max_orphan_fraction=1.0, state_dir=str(out / "state"))
    out.mkdir()
    for p in [tmp_path, out, *tmp_path.parents]:
        os.chmod(p, os.stat(p).st_mode | 0o005)
    os.chmod(out, 0o777)
    for root, dirs, files in os.walk(tmp_path):
        for name in dirs + files:
            os.chmod(os.path.join(root, name), os.stat(os.path.join(root, name)).st_mode | 0o005)
    os.chmod(locked, 0)
    try:
        proc = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                               str(PROGRAM), "run", "--site", "T2_TEST",
                               "--config", str(cfg), "--output", str(out)],
                              capture_output=True, text=True, timeout=60, cwd=tmp_path)
    finally:
        os.chmod(locked, 0o755)
    assert proc.returncode == 0, proc.stderr
    got = read_results(out, "T2_TEST")
    assert got["unlisted"] == ["/store/mc/Camp/DS0/AODSIM"]
    assert got["missing"] == []  # lost.root is below the denied directory
    assert got["orphan"] == expected["orphan"]
    summary = json.loads((out / "T2_TEST_summary.json").read_text())
    assert summary["errors"] == {"permission_denied": 1}
    assert not summary["gates"]["passed"]
    assert any("unlisted" in r for r in summary["gates"]["reasons"])


def test_directory_nobody_may_list_is_unlisted_even_for_root(tmp_path):
    site, dump, expected = planted_site(tmp_path)
    locked = site / "store/mc/Camp/DS0/AODSIM"
    os.chmod(locked, 0)
    cfg = write_config(tmp_path / "c.toml", site, dump)
    out = tmp_path / "out"
    try:
        consistency("run", "--site", "T2_TEST", "--config", cfg, "--output", out, check_rc=0)
    finally:
        os.chmod(locked, 0o755)
    got = read_results(out, "T2_TEST")
    assert got["unlisted"] == ["/store/mc/Camp/DS0/AODSIM"]
    assert got["missing"] == [] and got["orphan"] == expected["orphan"]
    summary = json.loads((out / "T2_TEST_summary.json").read_text())
    assert summary["errors"] == {"permission_denied": 1}
