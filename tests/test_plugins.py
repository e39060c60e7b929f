"""Plugins: a third party's package, installed for real, is found and used with no core change."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core_helpers import VENV_BIN, consistency, planted_site, results, write_config

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


def _distribution(target: Path, dist: str, entry: str, module: str, source: str) -> dict:
    """A minimal installed distribution (dist-info and one module), as pip would leave it."""
    info = target / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[consistency]\n{entry} = {module}\n")
    (target / f"{module}.py").write_text(source)
    return {"PYTHONPATH": str(target)}


def _one_error_line(proc) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_plugins_command_lists_builtin_and_third_party(plugin_env):
    proc = consistency("plugins", env=plugin_env, check_rc=0)
    out = proc.stdout
    assert "posix  [built-in, consistency-core" in out
    assert "dump  [built-in, consistency-core" in out and "inventory dump" in out
    assert "example  [consistency-example-plugin 0.3.1]" in out
    assert "lister example (threads at most 64)" in out
    assert "hook check_finished" in out
    # every backend's keys with type, default and help; commands plugins added
    assert ("example_delay (number, default 0, at least 0): seconds to wait before each "
            "directory listing") in out
    assert "example_trace (string, default ''): file the lifecycle hooks append to" in out
    assert "command example-hello" in out
    assert "lister xrootd (threads default" in out and "doors (list, default [])" in out
    assert "gfal_context_renew (integer, default 100, at least 1)" in out
    assert "dynamo_queue (string, default 'subscriptions', one of subscriptions, registry)" in out
    assert "command invalidate" in out


def test_command_added_by_a_plugin_runs(plugin_env):
    proc = consistency("example-hello", env=plugin_env, check_rc=0)
    assert proc.stdout == "hello from the example plugin\n"


def test_allow_list_limits_the_plugins_loaded(tmp_path, plugin_env):
    env = {**plugin_env, "CONSISTENCY_PLUGINS": "consistency-xrootd"}
    proc = consistency("plugins", env=env, check_rc=0)
    assert "example" not in proc.stdout and "gfal" not in proc.stdout
    assert "lister xrootd" in proc.stdout and "lister posix" in proc.stdout  # built-ins stay
    site, dump, _ = planted_site(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump, lister="example")
    proc = consistency("run", "--site", "T2_TEST", "--config", cfg, env=env, check_rc=2)
    assert "CONSISTENCY_PLUGINS='consistency-xrootd' limits the plugins loaded" in proc.stderr


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
    assert results(out) == expected
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
    assert _one_error_line(proc) == (f"consistency: error: {cfg}: sites.T2_TEST.example_delay: "
                                     "expected number, got 'slow'")
    cfg = write_config(tmp_path / "c1.toml", site, dump, lister="example", example_delay=-1)
    proc = consistency("run", "--site", "T2_TEST", "--config", cfg, env=plugin_env, check_rc=2)
    assert _one_error_line(proc).endswith("sites.T2_TEST.example_delay: must not be negative, "
                                          "got -1")
    # without the plugin installed the key is unknown: one line, no list of every key
    cfg = write_config(tmp_path / "c2.toml", site, dump, example_delay=0.1)
    proc = consistency("run", "--site", "T2_TEST", "--config", cfg, check_rc=2)
    line = _one_error_line(proc)
    assert "unknown key 'example_delay'" in line and "may not be installed" in line
    assert "threads" not in line and str(cfg) in line


def test_threads_above_what_a_lister_supports_is_a_config_error(tmp_path, plugin_env):
    site, dump, _ = planted_site(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump, lister="example", threads=65)
    proc = consistency("config", "check", "--config", cfg, env=plugin_env, check_rc=2)
    assert _one_error_line(proc) == (f"consistency: error: {cfg}: sites.T2_TEST.threads: 65 is "
                                     "above what lister 'example' supports (64 at most)")
    cfg = write_config(tmp_path / "c2.toml", site, dump, lister="example", threads=64)
    consistency("config", "check", "--config", cfg, env=plugin_env, check_rc=0)


def test_uninstalled_plugins_lister_names_the_installed_ones(tmp_path):
    """Its name and its keys in the config: one line about the lister, not about the keys."""
    site, dump, _ = planted_site(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump, lister="example", example_delay=0.1)
    for args in (("config", "check", "--config", cfg),
                 ("run", "--site", "T2_TEST", "--config", cfg)):
        line = _one_error_line(consistency(*args, check_rc=2))
        assert line.startswith(f"consistency: error: {cfg}: sites.T2_TEST.lister: unknown "
                               "lister 'example' (installed: dump, gfal, posix, xrootd; a "
                               "plugin providing it may be missing: is it installed?")
        assert "example_delay" not in line


def test_same_backend_name_from_two_distributions(tmp_path, plugin_env):
    clash = _distribution(tmp_path / "clash", "consistency-clash", "clash", "consistency_clash",
                          "from consistency_core.api import hookimpl\n"
                          "@hookimpl\n"
                          "def register_listers(register):\n"
                          "    register('example', object)\n")
    env = {"PYTHONPATH": f"{plugin_env['PYTHONPATH']}:{clash['PYTHONPATH']}"}
    line = _one_error_line(consistency("plugins", env=env, check_rc=1))
    assert line.startswith("consistency: error: lister 'example' is registered by two plugins: ")
    assert "plugin 'example' (consistency-example-plugin 0.3.1)" in line
    assert "plugin 'clash' (consistency-clash 1.0)" in line


def test_misspelled_hook_is_an_error_naming_the_plugin(tmp_path):
    env = _distribution(tmp_path / "typo", "consistency-typo", "typo", "consistency_typo",
                        "from consistency_core.api import hookimpl\n"
                        "@hookimpl\n"
                        "def register_lister(register):\n"
                        "    register('typo', object)\n")
    proc = consistency("plugins", env=env, check_rc=1)
    assert _one_error_line(proc) == (
        "consistency: error: plugin 'typo' (consistency-typo 1.0) implements unknown hook "
        "'register_lister' (did you mean 'register_listers'?)")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_walk_cleanly(tmp_path, plugin_env, signum):
    site, dump, expected = planted_site(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump, lister="example", example_delay=0.3,
                       threads=1, max_missing_fraction=1.0, max_orphan_fraction=1.0)
    out = tmp_path / "out"
    proc = subprocess.Popen([str(VENV_BIN / "consistency"), "run", "--site", "T2_TEST",
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
    got = results(out)
    assert got["unlisted"], "what was not listed must be unlisted"
    assert set(got["missing"]) <= set(expected["missing"])
    assert set(got["orphan"]) <= set(expected["orphan"])
    assert "interrupted" in stdout


def test_broken_plugin_is_named_in_one_line(tmp_path):
    env = _distribution(tmp_path / "broken_site", "consistency-broken", "broken",
                        "consistency_broken_mod", "raise ImportError('needs libfoo')\n")
    proc = consistency("plugins", env=env, check_rc=1)
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
