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
                                     "more than the example lister supports (at most 64)")
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


def test_plugin_command_may_not_take_an_existing_name(tmp_path):
    env = _distribution(tmp_path / "dup", "consistency-dup", "dup", "consistency_dup",
                        "import click\n"
                        "from consistency_core.api import hookimpl\n"
                        "@hookimpl\n"
                        "def register_commands(cli):\n"
                        "    cli.add_command(click.Command('plugins'))\n")
    proc = consistency("plugins", env=env, check_rc=1)
    assert _one_error_line(proc) == ("consistency: error: plugin 'dup' (consistency-dup 1.0) adds "
                                     "command 'plugins', which already exists")


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


# In-process: no process boundary is under test below.

def _config_check(tmp_path, text: str):
    from click.testing import CliRunner

    from consistency_core.cli import main

    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    return cfg, CliRunner().invoke(main, ["config", "check", "--config", str(cfg)])


SITE_TOML = '[sites.S]\nlister = "posix"\ninventory = "dump"\n'


@pytest.mark.parametrize("typo, meant", [("thraeds", "threads"), ("max_orphans", "max_orphan"),
                                         ("gfal_context_renwe", "gfal_context_renew")])
def test_unknown_key_suggests_the_closest(tmp_path, typo, meant):
    cfg, res = _config_check(tmp_path, SITE_TOML + f"{typo} = 4\n")
    assert res.exit_code == 2
    assert res.stderr == (f"consistency: error: {cfg}: sites.S: unknown key {typo!r} "
                          f"(did you mean {meant!r}?)\n")


def test_unknown_key_in_defaults_is_named_with_its_table(tmp_path):
    cfg, res = _config_check(tmp_path, "[defaults]\nignor = []\n" + SITE_TOML)
    assert res.exit_code == 2
    assert res.stderr == (f"consistency: error: {cfg}: defaults: unknown key 'ignor' "
                          "(did you mean 'ignore'?)\n")


@pytest.mark.parametrize("line, error", [
    ("gfal_context_renew = 0", "sites.S.gfal_context_renew: must be at least 1, got 0"),
    ("gfal_hedge_after = -1", "sites.S.gfal_hedge_after: must not be negative, got -1"),
    ("dynamo_batch_size = 0", "sites.S.dynamo_batch_size: must be at least 1, got 0"),
    ("dynamo_queue = 'fts'", "sites.S.dynamo_queue: expected one of subscriptions, registry, "
                             "got 'fts'"),
    ("dynamo_reconnect_seconds = -2", "sites.S.dynamo_reconnect_seconds: must not be negative, "
                                      "got -2"),
    ("doors = ['a', 1]", "sites.S.doors: expected a list of strings, got ['a', 1]"),
    ("locate = 'yes'", "sites.S.locate: expected boolean, got 'yes'"),
    ("threads = 0", "sites.S.threads: must be at least 1, got 0"),
    ("retries = -1", "sites.S.retries: must not be negative, got -1"),
    ("timeout = true", "sites.S.timeout: expected number, got True"),
    ("root = 'store'", "sites.S.root: must be an absolute LFN, got 'store'"),
])
def test_every_key_is_checked_where_it_is_declared(tmp_path, line, error):
    """Core and backend keys alike: type, range and choices come from the attrs field."""
    cfg, res = _config_check(tmp_path, SITE_TOML + line + "\n")
    assert res.exit_code == 2
    assert res.stderr == f"consistency: error: {cfg}: {error}\n"


def test_core_keys_are_derived_from_site_config_fields():
    import attrs

    from consistency_core.config import CORE_KEYS, SiteConfig

    declared = {f.name for f in attrs.fields(SiteConfig) if "help" in f.metadata}
    assert set(CORE_KEYS) == declared and "threads" in declared
    assert CORE_KEYS["threads"][:2] == ((int,), 8)
    assert CORE_KEYS["threads"][2].startswith("directories listed concurrently")
    with pytest.raises(ValueError, match="must be at least 1"):
        attrs.evolve(SiteConfig(name="S", lister="posix", inventory="dump"), threads=0)


def test_backend_options_are_read_typed_with_their_defaults():
    from consistency_core.config import build_site
    from consistency_gfal.settings import GfalOptions, GfalSettings

    site = build_site("S", {"lister": "gfal", "inventory": "dump", "url": "root://h",
                            "gfal_hedge_after": 2}, "f")
    opts = site.settings(GfalOptions)
    assert opts.gfal_hedge_after == 2 and opts.gfal_context_renew == 100
    assert GfalSettings.from_site(site).hedge_after == 2.0


@pytest.mark.parametrize("code, kind", [
    ("ENOENT", "NOT_FOUND"), ("EACCES", "PERMISSION"), ("EPERM", "PERMISSION"),
    ("ETIMEDOUT", "TIMEOUT"), ("ECONNREFUSED", "CONNECTION"), ("ECONNRESET", "CONNECTION"),
    ("EHOSTUNREACH", "CONNECTION"), ("ENETUNREACH", "CONNECTION"), ("ESTALE", "CONNECTION"),
    ("EIO", "OTHER"),
])
def test_error_kind_from_errno(code, kind):
    import errno

    from consistency_core.api import ErrorKind

    assert ErrorKind.from_errno(getattr(errno, code)) is ErrorKind[kind]
    assert ErrorKind.from_errno(None) is ErrorKind.OTHER


def test_builtin_backends_satisfy_the_protocols(tmp_path):
    from consistency_core import api
    from consistency_core.backends.dump import DumpInventory, DumpLister
    from consistency_core.backends.posix import PosixLister
    from consistency_core.config import build_site

    dump = tmp_path / "d.txt"
    dump.write_text("/store/a 1\n")
    site = build_site("S", {"lister": "posix", "inventory": "dump", "url": str(tmp_path),
                            "inventory_url": str(dump)}, "f")
    assert isinstance(PosixLister(site), api.Lister)
    assert isinstance(DumpLister(build_site("S", {"lister": "dump", "inventory": "dump",
                                                  "url": str(dump)}, "f")), api.Lister)
    assert isinstance(DumpInventory(site), api.Inventory)
    assert not isinstance(DumpInventory(site), api.Lister)


def test_old_import_paths_still_work():
    import consistency_core
    from consistency_core import api, hookspecs

    assert consistency_core.hookimpl is api.hookimpl is hookspecs.hookimpl
    assert consistency_core.ErrorKind is api.ErrorKind
    assert consistency_core.SiteConfig is api.SiteConfig


@pytest.fixture
def fresh_plugins():
    from consistency_core import plugins

    plugins.reset()
    yield plugins
    plugins.reset()


def test_tests_load_only_this_repositorys_plugins(fresh_plugins, monkeypatch):
    """The guard: in a test run, a developer's other installed plugins stay out."""
    monkeypatch.delenv("CONSISTENCY_PLUGINS", raising=False)
    assert fresh_plugins._allowed() == set(fresh_plugins.FIRST_PARTY)
    monkeypatch.setenv("CONSISTENCY_PLUGINS", "a, b")
    assert fresh_plugins._allowed() == {"a", "b"}


def test_in_process_plugin_with_old_style_options(fresh_plugins, tmp_path):
    """``options={key: (type, help)}`` (the earlier form) still registers checked keys."""
    from consistency_core.api import hookimpl
    from consistency_core.config import ConfigError, build_site

    class OldStyle:
        @hookimpl
        def register_inventories(self, register):
            register("oldstyle", object, options={"old_limit": (int, "a limit")})

    fresh_plugins.manager().register(OldStyle(), name="oldstyle")
    site = build_site("S", {"lister": "posix", "inventory": "oldstyle", "old_limit": 3}, "f")
    assert site.option("old_limit") == 3
    with pytest.raises(ConfigError, match=r"^f: sites.S.old_limit: expected integer, got 'x'$"):
        build_site("S", {"lister": "posix", "inventory": "oldstyle", "old_limit": "x"}, "f")


def test_readme_key_table_matches_the_declarations():
    """The README's table of core keys is what SiteConfig declares (type, default, help)."""
    import json
    import re

    from consistency_core.config import CORE_FIELDS
    from consistency_core.options import default_of, type_name

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    rows = re.findall(r"^\| `(\w+)` \| (\w+) \| (.+?) \| (.+) \|$", readme, re.M)
    table = {name: (type_, default, help_.replace("`", ""))  # code marks are the README's own
             for name, type_, default, help_ in rows}

    def shown(value):
        return "—" if value is None else f"`{json.dumps(value)}`"

    assert table == {name: (type_name(f), shown(default_of(f)), f.metadata["help"])
                     for name, f in CORE_FIELDS.items()}


def test_a_listers_own_max_threads_attribute_is_its_limit(fresh_plugins):
    """A lister class may carry its limit (``max_threads``) instead of its registration."""
    from consistency_core.api import hookimpl
    from consistency_core.config import ConfigError, build_site

    class Capped:
        max_threads = 4

        def list_dir(self, lfn, timeout):
            raise NotImplementedError

    class CappedPlugin:
        @hookimpl
        def register_listers(self, register):
            register("capped", Capped)

    fresh_plugins.manager().register(CappedPlugin(), name="capped")
    assert build_site("S", {"lister": "capped", "inventory": "dump", "threads": 4}, "f").threads == 4
    with pytest.raises(ConfigError, match=r"^f: sites.S.threads: 5 is more than the capped "
                                          r"lister supports \(at most 4\)$"):
        build_site("S", {"lister": "capped", "inventory": "dump", "threads": 5}, "f")
