"""A run against a server killed in the middle of the walk ends soon after its results are
written (issue 11): gfal over root:// once hung at exit in 3 runs of 11, its main thread in
XrdCl's finalisation with dozens of hedged attempts still inside XrdCl. And a dead server's
errors are counted as ``connection`` (or ``timeout``), never ``other``.

The server is killed while a listing is certainly under way: the slow proxy holds every
listing below one directory, and the kill follows the client's own (XrdCl debug) log line that
it sent one. Whatever else was listed by then, the results are written after the kill."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from consistency_core.testing.sites import generate_site as generate
from gfal_helpers import (SITE, VENV_BIN, block_dir_with_missing, planted, results, summary,
                          write_config)

RUNS = 20
EXIT_WITHIN = 5.0  # seconds from the results written to the process gone (issue 11)
GFAL_CLI = Path(__file__).with_name("gfal_cli.py")


@pytest.fixture(scope="module")
def planted_tree(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gfal-exit")
    site_dir, dump, expected = generate(tmp, seed=11, n_files=300)
    return site_dir, dump, expected, block_dir_with_missing(expected, site_dir)


class Run:
    """One ``consistency run`` in a subprocess; ``wait_for(text)`` blocks until its stderr
    shows ``text``; ``finish()`` waits for its end and notes when that was."""

    def __init__(self, argv: list, env: dict):
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, errors="replace")
        self.lines: list[str] = []
        self._seen = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.ended = 0.0

    def _read(self) -> None:
        for line in self.proc.stderr:
            with self._seen:
                self.lines.append(line)
                self._seen.notify_all()
        with self._seen:
            self.lines.append("")  # EOF
            self._seen.notify_all()

    def wait_for(self, text: str, timeout: float = 60) -> None:
        with self._seen:
            ok = self._seen.wait_for(lambda: any(text in l for l in self.lines) or
                                     (self.lines and self.lines[-1] == ""), timeout)
        assert ok and any(text in l for l in self.lines), (text, self.stderr()[-3000:])

    def finish(self, timeout: float = 120) -> int:
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"still running {timeout} s after the kill: "
                                 f"{self.stderr()[-3000:]}") from None
        self.ended = time.time()
        self._reader.join(10)
        self.proc.stdout.close()
        return code

    def stderr(self) -> str:
        """What consistency logged (without XrdCl's debug lines)."""
        return "".join(l for l in self.lines if not l.startswith("[20"))


def client_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XRD_")}
    return {**env, **extra}


def assert_ended_soon_after_results(run: Run, out: Path) -> dict:
    written = (out / f"{SITE}_summary.json").stat().st_mtime
    assert run.ended - written < EXIT_WITHIN, (run.ended - written, run.stderr()[-3000:])
    return summary(out)


def assert_no_false_findings(out: Path, expected) -> dict:
    """Whatever failed is unlisted; nothing below it is reported, nothing else is false."""
    found, unlisted = results(out), results(out)["unlisted"]

    def below(lfn):
        return any(lfn == u or lfn.startswith(u.rstrip("/") + "/") for u in unlisted)

    truth = planted(expected)
    for name in ("missing", "orphan", "size_mismatch", "empty_dirs"):
        assert set(found[name]) <= set(truth[name]), name
        assert {l for l in truth[name] if not below(l)} <= set(found[name]), name
    return found


@pytest.mark.parametrize("n", range(RUNS))
def test_root_run_against_killed_server_exits_soon_after_results(n, tmp_path, planted_tree,
                                                                xrootd_server, slow_proxy):
    site_dir, dump, expected, held = planted_tree
    srv = xrootd_server(site_dir)
    proxy = slow_proxy(srv, delay=120, match=held)
    cfg = write_config(tmp_path / "c.toml", proxy.url, dump, root=expected.root, timeout=1,
                       retries=1, retry_delay=0.1, threads=8,
                       state_dir=str(tmp_path / "state"))
    out = tmp_path / "out"
    run = Run([str(VENV_BIN / "consistency"), "-vv", "run", "--site", SITE, "--config", cfg,
               "--output", out], client_env(XRD_LOGLEVEL="Debug"))
    run.wait_for(f"kXR_dirlist (path: /{held}")  # the walk is on, that listing held
    time.sleep(0.6)  # past gfal_hedge_after (timeout / 2): hedged attempts are in flight
    srv.kill()
    proxy.stop()  # its port goes too: the client sees a dead server
    assert run.finish() == 0, run.stderr()[-3000:]
    result = assert_ended_soon_after_results(run, out)
    assert result["status"] == "completed"
    # a dead server: connection refused or reset, or XrdCl's request expiring while it
    # tries to reconnect (a timeout); never "other"
    failures = "".join(l for l in run.lines if "DEBUG consistency.gfal:" in l)
    assert result["errors"] and set(result["errors"]) <= {"connection", "timeout"}, \
        (result["errors"], failures)
    found = assert_no_false_findings(out, expected)
    assert held in found["unlisted"] or any(held.startswith(u + "/") for u in found["unlisted"])


def test_http_run_against_killed_server_exits_soon_after_results(tmp_path, planted_tree,
                                                                 xrootd_server):
    """No proxy for http: a wrapper of the real command line (tests/gfal_cli.py) says when the
    first directory is listed and then waits for the test's kill before listing more."""
    site_dir, dump, expected, _held = planted_tree
    srv = xrootd_server(site_dir)
    gate = tmp_path / "gate"
    cfg = write_config(tmp_path / "c.toml", srv.http_url, dump, root=expected.root, timeout=1,
                       retries=1, retry_delay=0.1, threads=8,
                       state_dir=str(tmp_path / "state"))
    out = tmp_path / "out"
    run = Run([sys.executable, str(GFAL_CLI), str(gate), "run", "--site", SITE, "--config",
               cfg, "--output", out], client_env())
    run.wait_for("gfal_cli: first directory listed")
    srv.kill()
    gate.touch()
    assert run.finish() == 0, run.stderr()[-3000:]
    result = assert_ended_soon_after_results(run, out)
    assert result["errors"].get("connection"), result["errors"]
    assert set(result["errors"]) <= {"connection", "timeout"}, result["errors"]
    assert_no_false_findings(out, expected)


def test_killed_server_errors_are_connection_errors():
    from consistency_core import ErrorKind
    from consistency_gfal.errors import classify

    for message in ("Failed to stat file (Transport endpoint is not connected)",
                    "Failed to stat file (Software caused connection abort)",
                    "Failed to open dir (Connection reset by peer)",
                    "Failed to stat file (Connection refused)",
                    "Could not connect to server", "Empty reply from server",
                    "Failure when receiving data from the peer"):
        assert classify(0, message, trust_code=False) is ErrorKind.CONNECTION, message
    over_root = "Failed to stat file (Operation not supported)"
    assert classify(0, over_root, trust_code=False, xrootd=True) is ErrorKind.CONNECTION
    assert classify(95, over_root) is ErrorKind.OTHER  # elsewhere it means what it says
