"""The real ``consistency`` command line with one extra plugin, for the http kill test: at the
first directory listed it says so on stderr, then holds the walk until the file GATE exists
(the test kills the server in between). Usage: python tests/gfal_cli.py GATE ARGS..."""
import os
import sys
import threading
import time

from consistency_core import plugins
from consistency_core.hookspecs import hookimpl


class GatePlugin:
    def __init__(self, gate: str):
        self.gate = gate
        self.first = threading.Lock()

    @hookimpl
    def directory_listed(self, site, lfn, listing, error):
        if listing is None or not self.first.acquire(blocking=False):
            return
        print("gfal_cli: first directory listed", file=sys.stderr, flush=True)
        deadline = time.monotonic() + 60
        while not os.path.exists(self.gate) and time.monotonic() < deadline:
            time.sleep(0.01)


if __name__ == "__main__":
    plugins.manager().register(GatePlugin(sys.argv.pop(1)), name="gfal-test-gate")
    from consistency_core.cli import console_main

    console_main()
