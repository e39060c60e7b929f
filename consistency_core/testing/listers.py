"""Listers for tests, registered like a plugin's: ``slowposix`` is the posix lister plus a
delay per directory (site option ``slow_delay``), so a test can act on a check while it is
listing. :func:`run_cli` and :func:`start_process` here run the command line with them
(``python -m consistency_core.testing.listers ARGS...`` in a child process)."""
import time

from consistency_core import plugins
from consistency_core.testing import runner
from consistency_core.backends.posix import PosixLister
from consistency_core.hookspecs import hookimpl


class SlowPosixLister(PosixLister):
    def list_dir(self, lfn, timeout):
        time.sleep(float(self.site.option("slow_delay", 0.1)))
        return super().list_dir(lfn, timeout)


class ListersForTests:
    @hookimpl
    def register_listers(self, register):
        register("slowposix", SlowPosixLister,
                 options={"slow_delay": ((int, float), "seconds added to each directory listing")})


def run_cli(*args, **kw) -> runner.CliResult:
    """runner.run_cli with the test listers installed."""
    return runner.run_cli(*args, plugins=[ListersForTests()], **kw)


def run_process(*args, **kw):
    return runner.run_process(*args, with_test_listers=True, **kw)


def start_process(*args, **kw):
    return runner.start_process(*args, with_test_listers=True, **kw)


if __name__ == "__main__":
    plugins.manager().register(ListersForTests(), name="consistency-test-listers")
    from consistency_core.cli import main

    main()
