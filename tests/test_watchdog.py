"""The shutdown watchdog (consistency_core.watchdog): a ``consistency run`` whose exit hangs
after its results are written ends with status 1 and a last log line, the run's record left as
it was. The hang is real, in a real subprocess: a sitecustomize module (on PYTHONPATH) either
starts a non-daemon thread that never ends (the interpreter waits for it at exit) or registers
a C exit handler that never returns (after the interpreter is gone, like XrdCl's
finalisation)."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from consistency_core.testing import sitegen

VENV_BIN = Path(sys.executable).parent
HANGS = {
    "python": "import threading, time\n"
              "threading.Thread(target=time.sleep, args=(3600,), daemon=False).start()\n",
    "c": "import ctypes\n"
         "libc = ctypes.CDLL(None)\n"
         "libc.__cxa_atexit(ctypes.cast(libc.pause, ctypes.c_void_p), None, None)\n",
}
# what the gfal lister does when gfal2 calls outlive it: the C exit handlers are skipped
SKIP = HANGS["c"] + ("from consistency_core import watchdog\n"
                     "watchdog.skip_finalisation('a test left a call that never returns')\n")


def setup_site(tmp: Path, hang: str | None) -> tuple[list, dict, Path]:
    site_dir, dump = tmp / "site", tmp / "inventory.txt"
    sitegen.generate(site_dir, dump, seed=5, n_files=50)
    cfg = tmp / "c.toml"
    cfg.write_text(f'[sites.T2_W]\nlister = "posix"\nurl = "{site_dir}"\ninventory = "dump"\n'
                   f'inventory_url = "{dump}"\nroot = "/store"\nstate_dir = "{tmp / "state"}"\n'
                   f'output = "{tmp / "out"}"\n')
    env = {**os.environ, "CONSISTENCY_SHUTDOWN_LIMIT": "1"}
    if hang:
        (tmp / "hook").mkdir()
        (tmp / "hook" / "sitecustomize.py").write_text(SKIP if hang == "skip" else HANGS[hang])
        env["PYTHONPATH"] = str(tmp / "hook")
    argv = [str(VENV_BIN / "consistency"), "run", "--site", "T2_W", "--config", str(cfg)]
    return argv, env, tmp / "out"


def recorded_statuses(state: Path) -> list[str]:
    with sqlite3.connect(state / "history.sqlite") as conn:
        return [row[0] for row in conn.execute("SELECT status FROM runs")]


@pytest.mark.parametrize("hang", sorted(HANGS))
def test_hung_shutdown_ends_with_status_1(tmp_path, hang):
    argv, env, out = setup_site(tmp_path, hang)
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "shutdown did not finish within 1 s after the results were written" in proc.stderr
    assert json.loads((out / "T2_W_summary.json").read_text())["status"] == "completed"
    # recorded before the clock started: left as it was
    assert recorded_statuses(tmp_path / "state") in (["completed"], ["gated"])


def test_clean_shutdown_is_not_touched(tmp_path):
    argv, env, out = setup_site(tmp_path, None)
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "shutdown did not finish" not in proc.stderr


def test_a_backend_that_left_calls_behind_ends_without_exit_handlers(tmp_path):
    """The C exit handler would hang for ever; skipped, the run ends at once with its own
    status and says why, and the watchdog never has to act."""
    argv, env, out = setup_site(tmp_path, "skip")
    env["CONSISTENCY_SHUTDOWN_LIMIT"] = "30"
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=25)
    assert proc.returncode == 0, proc.stderr
    assert "ending without the client libraries' exit handlers: a test left a call" in proc.stderr
    assert "shutdown did not finish" not in proc.stderr
    assert json.loads((out / "T2_W_summary.json").read_text())["status"] == "completed"


def test_the_command_run_inside_another_program_never_arms_the_watchdog(tmp_path):
    """Under click's CliRunner (tests, a program embedding the CLI) the process is not ours to
    end: no watchdog thread, and a skipped finalisation still exits through sys.exit."""
    import threading

    from click.testing import CliRunner

    from consistency_core import watchdog
    from consistency_core.cli import main

    argv, env, out = setup_site(tmp_path, None)
    watchdog.skip_finalisation("this test: an exit that must not end pytest")
    try:
        res = CliRunner(env={"CONSISTENCY_SHUTDOWN_LIMIT": "0.2"}).invoke(main, argv[1:])
    finally:
        watchdog._unsafe.clear()
    assert res.exit_code == 0, res.output
    assert (out / "T2_W_summary.json").exists()
    assert not [t for t in threading.enumerate() if t.name == "consistency-watchdog"]
