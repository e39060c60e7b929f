"""Run the ``consistency`` command line from a test.

:func:`run_cli` invokes it in this process with click's CliRunner: fast, and what a test
wants unless a process boundary is what it tests. :func:`run_process` and
:func:`start_process` run it in a child process, for what only a process shows: signals, what
happens when the process exits, plugin discovery at start-up, the installed console script.
Both return an object with ``returncode``, ``stdout`` and ``stderr``.

``plugins``: extra consistency plugins (objects with hook implementations) registered for the
in-process run only. ``with_test_backends=True`` runs the child through
:mod:`consistency_core.testing.backends`, which adds the kit's test backends.
"""
from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import traceback
from pathlib import Path

import attrs

PROGRAM = Path(sys.executable).with_name("consistency")


@attrs.frozen
class CliResult:
    """What an in-process run printed and its exit status (like subprocess.CompletedProcess)."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def check(self, returncode: int = 0) -> "CliResult":
        assert self.returncode == returncode, (self.returncode, self.stdout, self.stderr)
        return self


def run_cli(*args, env: dict | None = None, cwd=None, input: str | None = None,
            plugins=(), check_rc: int | None = None) -> CliResult:
    """``consistency ARGS`` in this process; ``env`` is added to os.environ for the run."""
    from click.testing import CliRunner

    from consistency_core.cli import main

    argv = tuple(map(str, args))
    runner = CliRunner(env={k: str(v) for k, v in (env or {}).items()})
    with _cwd(cwd), _own_logging(), _registered(plugins):
        res = runner.invoke(main, argv, input=input, prog_name="consistency")
    stderr = res.stderr
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        # what the interpreter prints for an uncaught exception: a test must see it
        stderr += "".join(traceback.format_exception(res.exception))
    result = CliResult(argv, res.exit_code, res.stdout, stderr)
    return result if check_rc is None else result.check(check_rc)


def run_process(*args, env: dict | None = None, cwd=None, timeout: float = 180,
                with_test_backends: bool = False, check_rc: int | None = None,
                **popen) -> subprocess.CompletedProcess:
    """``consistency ARGS`` in a child process (the console script unless with_test_backends)."""
    proc = subprocess.run(_argv(args, with_test_backends), env=_environ(env), cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, **popen)
    if check_rc is not None:
        assert proc.returncode == check_rc, (proc.returncode, proc.stdout, proc.stderr)
    return proc


def start_process(*args, env: dict | None = None, cwd=None, with_test_backends: bool = False,
                  **popen) -> subprocess.Popen:
    """``consistency ARGS`` in the background; stdout and stderr are pipes (text)."""
    return subprocess.Popen(_argv(args, with_test_backends), env=_environ(env), cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def _argv(args, with_test_backends: bool) -> list[str]:
    program = ([sys.executable, "-m", "consistency_core.testing.backends"] if with_test_backends
               else [str(PROGRAM)])
    return [*program, *map(str, args)]


def _environ(env: dict | None) -> dict[str, str]:
    return {**os.environ, **{k: str(v) for k, v in (env or {}).items()}}


@contextlib.contextmanager
def _cwd(path):
    if path is None:
        yield
        return
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


@contextlib.contextmanager
def _own_logging():
    """The CLI configures logging with basicConfig, which does nothing while pytest's capture
    handlers sit on the root logger: take them off for the run, so the log goes to the run's
    stderr as it would in a process of its own, then put everything back."""
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    root.handlers.clear()
    try:
        yield
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = saved
        root.setLevel(level)


@contextlib.contextmanager
def _registered(extra):
    if not extra:
        yield
        return
    from consistency_core import plugins

    pm = plugins.manager()
    for plugin in extra:
        pm.register(plugin)
    _forget_backends(plugins)
    try:
        yield
    finally:
        for plugin in extra:
            pm.unregister(plugin)
        _forget_backends(plugins)


def _forget_backends(plugins) -> None:
    """Drop what plugins has cached about backends (everything but the manager itself)."""
    for value in vars(plugins).values():
        if callable(getattr(value, "cache_clear", None)) and value is not plugins.manager:
            value.cache_clear()
