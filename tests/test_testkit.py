"""The test kit itself (consistency_core.testing): what a third-party backend's tests rely on."""
import tomllib

import pytest

from consistency_core.testing import configs, results, runner, seeds
from consistency_core.testing.sites import planted_config, planted_site

pytest_plugins = ["pytester"]


def test_config_writer_round_trips_through_toml(tmp_path):
    sites = {"T2_ODD": {"url": 'file:///a "quoted" \\ path/é', "threads": 3, "timeout": 1.5,
                        "act": True, "ignore": ["/store/unmerged/", "x"]}}
    path = configs.write_config(tmp_path / "c.toml", sites, defaults={"retries": 0})
    assert tomllib.loads(path.read_text()) == {"defaults": {"retries": 0}, "sites": sites}
    with pytest.raises(TypeError):
        configs.toml_value({"a": 1})


def test_in_process_and_child_process_runs_agree(tmp_path):
    runs = {}
    for name, run in (("in", runner.run_cli), ("child", runner.run_process)):
        site, dump, expected = planted_site(tmp_path / name)
        cfg = planted_config(tmp_path / name / "c.toml", site, dump)
        out = tmp_path / name / "out"
        runs[name] = run("run", "--site", "T2_TEST", "--config", cfg, "--output", out,
                         check_rc=0)
        assert results.read_results(out, "T2_TEST") == expected
    strip = str(tmp_path)  # the outputs differ only by their directory
    assert (runs["in"].stdout.replace(f"{strip}/in", "X").splitlines()[1:]
            == runs["child"].stdout.replace(f"{strip}/child", "X").splitlines()[1:])
    assert "INFO" in runs["in"].stderr  # the run's log goes to its stderr, as in a process


def test_in_process_errors_are_what_a_process_prints(tmp_path):
    proc = runner.run_cli("run", "--site", "NOPE", "--config", tmp_path / "none.toml")
    child = runner.run_process("run", "--site", "NOPE", "--config", tmp_path / "none.toml")
    assert (proc.returncode, proc.stderr) == (child.returncode, child.stderr)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_seeds_are_fixed_and_the_environment_changes_them(monkeypatch):
    monkeypatch.delenv(seeds.ENV, raising=False)
    first = seeds.seeds(3, "x")
    assert first == seeds.seeds(3, "x") != seeds.seeds(3, "y")
    monkeypatch.setenv(seeds.ENV, "12345")
    assert seeds.seeds(3, "x") != first
    monkeypatch.setenv(seeds.ENV, "twelve")
    with pytest.raises(ValueError, match=seeds.ENV):
        seeds.base_seed()


def test_fixtures_mark_tests_and_a_failure_says_how_to_reproduce(pytester, monkeypatch):
    monkeypatch.setenv(seeds.ENV, "777")
    pytester.makepyfile(test_one="""
        def test_db(mariadb_server): pass
        def test_xrd(xrootd_server): pass
        def test_plain(seed): assert seed < 0
    """)
    # --collect-only: nothing is started, only selected
    listed = pytester.runpytest("-p", "consistency_core.testing.plugin", "--collect-only", "-q",
                                "-m", "not mariadb and not xrootd")
    listed.stdout.fnmatch_lines(["*test_plain*", "*2 deselected*"])
    ran = pytester.runpytest("-p", "consistency_core.testing.plugin", "-k", "plain")
    ran.stdout.fnmatch_lines([f"{seeds.ENV}=777 *",
                              f"*reproduce with: {seeds.ENV}=777 pytest 'test_one.py::test_plain'*"])
    assert ran.ret == 1
