"""Plugins: a third party's package, installed for real, is found and used with no core change."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from consistency_core.testing.results import read_results
from consistency_core.testing.runner import PROGRAM
from consistency_core.testing.runner import run_process as consistency  # plugins load at start
from consistency_core.testing.sites import planted_config as write_config
from consistency_core.testing.sites import planted_site

PLUGIN_SRC = Path(__file__).parent / "plugin_pkg"


@pytest.fixture(scope="session")
def plugin_env(tmp_path_factory):
    """Build and install tests/plugin_pkg into its own target dir (not the shared venv)."""
    target = tmp_path_factory.mktemp("plugin_site")
    build = tmp_path_factory.mktemp("plugin_build")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "--target", str(target), str(PLUGIN_SRC)],
                   check=True, capture_output=True, cwd=build)
    return {"PYTHONPATH": str(target)}


def test_plugins_command_lists_builtin_and_third_party(plugin_env):
    proc = consistency("plugins", env=plugin_env, check_rc=0)
    assert "consistency-example-plugin 0.3.1" in proc.stdout
    assert "lister example" in proc.stdout
    assert "hook check_finished" in proc.stdout
    assert "consistency-core" in proc.stdout and "lister posix" in proc.stdout
    assert "inventory dump" in proc.stdout


def test_plugin_is_absent_without_its_package():
    proc = consistency("plugins", check_rc=0)
    assert "example" not in proc.stdout


def test_third_party_lister_and_hooks_run_a_check(tmp_path, plugin_env):
    site, dump, expected = planted_site(tmp_path)
    trace = tmp_path / "trace.jsonl"
    cfg = write_config(tmp_path / "c.toml", site, dump, lister="example",
                       example_trace=str(trace))
    out = tmp_path / "out"
    consistency("run", "--site", "T2_TEST", "--config", cfg, "--output", out, env=plugin_env,
                check_rc=0)
    assert read_results(out, "T2_TEST") == expected
    events = [json.loads(line) for line in trace.read_text().splitlines()]
    assert events[0] == {"event": "started", "site": "T2_TEST"}
    assert events[-1] == {"event": "finished", "status": "completed", "missing": 1}
    assert sum(e["event"] == "listed" for e in events) > 10
    summary = json.loads((out / "T2_TEST_summary.json").read_text())
    assert summary["backends"]["lister"] == "example"


def test_plugin_options_are_validated_like_core_keys(tmp_path, plugin_env):
    site, dump, _ = planted_site(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump, lister="example", example_delay="slow")
    proc = consistency("run", "--site", "T2_TEST", "--config", cfg, env=plugin_env, check_rc=2)
    assert "sites.T2_TEST.example_delay" in proc.stderr
    # without the plugin installed the key is unknown
    cfg = write_config(tmp_path / "c2.toml", site, dump, example_delay=0.1)
    proc = consistency("run", "--site", "T2_TEST", "--config", cfg, check_rc=2)
    assert "unknown key 'example_delay'" in proc.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_walk_cleanly(tmp_path, plugin_env, signum):
    site, dump, expected = planted_site(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump, lister="example", example_delay=0.3,
                       threads=1, max_missing_fraction=1.0, max_orphan_fraction=1.0)
    out = tmp_path / "out"
    proc = subprocess.Popen([str(PROGRAM), "run", "--site", "T2_TEST",
                             "--config", str(cfg), "--output", str(out), "--act"],
                            env={**os.environ, **plugin_env}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(2.0)
    proc.send_signal(signum)
    t0 = time.monotonic()
    stdout, stderr = proc.communicate(timeout=20)
    assert time.monotonic() - t0 < 5
    assert proc.returncode == 1, stderr
    summary = json.loads((out / "T2_TEST_summary.json").read_text())
    assert summary["status"] == "interrupted"
    assert summary["gates"]["passed"] is False
    got = read_results(out, "T2_TEST")
    assert got["unlisted"], "what was not listed must be unlisted"
    assert set(got["missing"]) <= set(expected["missing"])
    assert set(got["orphan"]) <= set(expected["orphan"])
    assert "interrupted" in stdout


def test_broken_plugin_is_named_in_one_line(tmp_path):
    target = tmp_path / "broken_site"
    dist = target / "consistency_broken-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: consistency-broken\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[consistency]\nbroken = consistency_broken_mod\n")
    (target / "consistency_broken_mod.py").write_text("raise ImportError('needs libfoo')\n")
    proc = consistency("plugins", env={"PYTHONPATH": str(target)}, check_rc=1)
    assert proc.stderr.strip() == ("consistency: error: plugin 'broken' (consistency-broken) "
                                   "cannot be loaded: ImportError: needs libfoo")


def test_backend_defaults_apply_only_where_nothing_else_sets_the_key(tmp_path):
    from consistency_core.config import build_site
    from consistency_xrootd.lister import RECOMMENDED_THREADS

    site = build_site("S", {"lister": "xrootd", "inventory": "dump", "url": "root://h"}, "f")
    assert site.threads == RECOMMENDED_THREADS > 8
    site = build_site("S", {"lister": "xrootd", "inventory": "dump", "threads": 12}, "f")
    assert site.threads == 12
    assert build_site("S", {"lister": "posix", "inventory": "dump"}, "f").threads == 8
