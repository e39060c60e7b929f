"""A third party's backend: the ``example`` lister (a local tree, listed slowly on request)
and lifecycle hooks that leave a trace, to show a plugin works without any core change."""
import json
import os
import time

from consistency_core import DirEntry, ErrorKind, FileEntry, Listing, ListingError, hookimpl


class ExampleLister:
    def __init__(self, site):
        self.base = site.url
        self.delay = site.option("example_delay", 0.0)

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
    register("example", ExampleLister, options={
        "example_delay": ((int, float), "seconds to wait before each directory listing"),
        "example_trace": (str, "file the lifecycle hooks append to"),
    })


def _trace(site, record):
    path = site.option("example_trace")
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
