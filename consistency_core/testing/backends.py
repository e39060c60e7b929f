"""Backends for tests, registered like a plugin's:

- lister ``slowposix``: the posix lister plus a delay per directory (site option
  ``slow_delay``), so a test can act on a check while it is listing;
- reporter ``broken``: raises on every report, for what a failing reporter does to a run;
- :class:`QueueReporter`: an acting reporter object that keeps what it was given, for
  ``run_site(..., reporters={"q": QueueReporter()})``.

:func:`run_cli`, :func:`run_process` and :func:`start_process` here run the command line with
them (``python -m consistency_core.testing.backends ARGS...`` in a child process).
"""
import time

from consistency_core import plugins
from consistency_core.backends.posix import PosixLister
from consistency_core.hookspecs import hookimpl
from consistency_core.testing import runner


class SlowPosixLister(PosixLister):
    def list_dir(self, lfn, timeout):
        time.sleep(float(self.site.option("slow_delay", 0.1)))
        return super().list_dir(lfn, timeout)


class BrokenReporter:
    acts = False

    def __init__(self, site):
        self.site = site

    def report(self, result, context):
        raise RuntimeError("broken on purpose")


class QueueReporter:
    """An acting reporter that only records what it was given."""

    acts = True

    def __init__(self):
        self.given = None

    def report(self, result, context):
        self.given = result.findings


class BackendsForTests:
    @hookimpl
    def register_listers(self, register):
        register("slowposix", SlowPosixLister,
                 options={"slow_delay": ((int, float), "seconds added to each directory listing")})

    @hookimpl
    def register_reporters(self, register):
        register("broken", BrokenReporter)


def run_cli(*args, **kw) -> runner.CliResult:
    """runner.run_cli with the test backends installed."""
    return runner.run_cli(*args, plugins=[BackendsForTests()], **kw)


def run_process(*args, **kw):
    return runner.run_process(*args, with_test_backends=True, **kw)


def start_process(*args, **kw):
    return runner.start_process(*args, with_test_backends=True, **kw)


if __name__ == "__main__":
    plugins.manager().register(BackendsForTests(), name="consistency-test-backends")
    from consistency_core.cli import console_main

    console_main()
