"""A third party's backend: the ``example`` lister (a local tree, listed slowly on request),
lifecycle hooks that leave a trace and a command, to show a plugin works without any core
change. It imports only ``consistency_core.api``, the plugin contract."""
import json
import os
import time

import attrs
import click

from consistency_core.api import (NUMBER, DirEntry, ErrorKind, FileEntry, Listing,
                                  ListingError, hookimpl, key)

MAX_THREADS = 64


@attrs.frozen
class ExampleOptions:
    example_delay: float = key(0.0, "seconds to wait before each directory listing",
                               type=NUMBER, at_least=0)
    example_trace: str = key("", "file the lifecycle hooks append to")


class ExampleLister:
    def __init__(self, site):
        self.base = site.url
        self.delay = site.settings(ExampleOptions).example_delay

    def list_dir(self, lfn, timeout):
        time.sleep(self.delay)
        path = self.base + lfn
        try:
            names = os.listdir(path)
        except FileNotFoundError:
            raise ListingError(ErrorKind.NOT_FOUND, path) from None
        except PermissionError:
            raise ListingError(ErrorKind.PERMISSION, path) from None
        files, dirs = [], []
        for name in names:
            st = os.lstat(os.path.join(path, name))
            if os.path.isdir(os.path.join(path, name)):
                dirs.append(DirEntry(name, st.st_mtime))
            else:
                files.append(FileEntry(name, st.st_size, st.st_mtime))
        return Listing(files, dirs)


@hookimpl
def register_listers(register):
    register("example", ExampleLister, options=ExampleOptions, max_threads=MAX_THREADS)


@click.command(name="example-hello")
def hello():
    """Say hello (a command added by a plugin)."""
    click.echo("hello from the example plugin")


@hookimpl
def register_commands(cli):
    cli.add_command(hello)


def _trace(site, record):
    path = site.settings(ExampleOptions).example_trace
    if path:
        with open(path, "a") as fh:
            fh.write(json.dumps(record) + "\n")


@hookimpl
def check_started(site):
    _trace(site, {"event": "started", "site": site.name})


@hookimpl
def directory_listed(site, lfn, listing, error):
    _trace(site, {"event": "listed", "lfn": lfn, "ok": error is None})


@hookimpl
def check_finished(site, result):
    _trace(site, {"event": "finished", "status": result.status,
                  "missing": len(result.findings.missing)})
