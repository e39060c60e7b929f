"""The real ``consistency`` command line, with one extra lister registered in-process:
``slowposix``, the posix lister plus a delay per directory (site option ``slow_delay``), so a
test can act on a check while it is listing. Usage: python tests/operations_cli.py ARGS..."""
import sys
import time

from consistency_core import plugins
from consistency_core.backends.posix import PosixLister
from consistency_core.hookspecs import hookimpl


class SlowPosixLister(PosixLister):
    def list_dir(self, lfn, timeout):
        time.sleep(float(self.site.option("slow_delay", 0.1)))
        return super().list_dir(lfn, timeout)


class SlowPlugin:
    @hookimpl
    def register_listers(self, register):
        register("slowposix", SlowPosixLister,
                 options={"slow_delay": ((int, float), "seconds added to each directory listing")})


if __name__ == "__main__":
    plugins.manager().register(SlowPlugin(), name="nightly-slowposix")
    from consistency_core.cli import main

    main()
