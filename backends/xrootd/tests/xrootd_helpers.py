"""Helpers for the xrootd lister's tests: generated sites, configs, CLI runs, ground truth."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import tempfile
import time
from pathlib import Path

import pytest

from consistency_core import config
from consistency_core.engine import Walker
from consistency_core.testing import sitegen
from consistency_core.tree import Tree

VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def site_tmp():
    """A scratch dir outside pytest's tmp_path: a concurrent pytest session makes
    /tmp/pytest-of-USER private again, and the server (user xrootd) would lose its tree."""
    path = Path(tempfile.mkdtemp(prefix="xrdtest-"))
    yield path
    for dirpath, dirnames, _files in os.walk(path):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)
    shutil.rmtree(path, ignore_errors=True)
SITE = "T2_XRD"
CATEGORIES = ("missing", "orphan", "size_mismatch", "empty_dirs", "unlisted")


def generate(tmp: Path, *, seed: int = 7, n_files: int = 600, **kw):
    """A planted site under tmp/site (+ tmp/inventory.txt); returns (site_dir, dump, expected)."""
    site, dump = tmp / "site", tmp / "inventory.txt"
    expected = sitegen.generate(site, dump, seed=seed, n_files=n_files, **kw)
    return site, dump, expected


def site_config(url: str, dump: Path | str = "", *, name: str = SITE, **keys) -> config.SiteConfig:
    raw = {"lister": "xrootd", "url": url, "inventory": "dump", "inventory_url": str(dump),
           "ignore": list(sitegen.default_ignore()), "retry_delay": 0.2, "threads": 32, **keys}
    return config.build_site(name, raw, "(test)")


def write_config(path: Path, url: str, dump: Path | str, **keys) -> Path:
    keys = {"lister": "xrootd", "url": url, "inventory": "dump", "inventory_url": str(dump),
            "ignore": list(sitegen.default_ignore()), "retry_delay": 0.2, "threads": 32, **keys}
    lines = [f"[sites.{SITE}]"]
    for key, value in keys.items():
        lines.append(f"{key} = " + (f'"{value}"' if isinstance(value, str) else
                                    repr(value).replace("True", "true").replace("False", "false")
                                    .replace("'", '"')))
    path.write_text("\n".join(lines) + "\n")
    return path


def consistency(*args, timeout: float = 120, env: dict | None = None):
    return subprocess.run([str(VENV_BIN / "consistency"), *map(str, args)],
                          env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=timeout)


def results(out: Path, site: str = SITE) -> dict[str, list[str]]:
    found = {}
    for name in CATEGORIES:
        lines = (out / f"{site}_{name}.txt").read_text().splitlines()
        found[name] = sorted(l.split()[0] for l in lines if l.strip() and not l.startswith("#"))
    return found


def planted(expected) -> dict[str, list[str]]:
    return {"missing": sorted(expected.missing), "orphan": sorted(expected.orphan),
            "size_mismatch": sorted(expected.size_mismatch),
            "empty_dirs": sorted(expected.empty_dirs), "unlisted": []}


def disk_view(site_dir: Path, root: str = "/store") -> tuple[dict, set]:
    """Ground truth from the file system: ({file lfn: (size, int mtime)}, {dir lfn})."""
    files, dirs = {}, set()
    base = str(site_dir)
    for dirpath, dirnames, filenames in os.walk(base + root):
        lfn_dir = dirpath[len(base):]
        dirs.add(lfn_dir)
        for name in filenames:
            st = os.stat(os.path.join(dirpath, name))
            files[f"{lfn_dir}/{name}"] = (st.st_size, int(st.st_mtime))
    return files, dirs


def walk(site: config.SiteConfig, lister=None, stop: threading.Event | None = None):
    """Walk the site with the real engine; returns (files, dirs, stats, tree, lister)."""
    from consistency_core import plugins

    lister = lister or plugins.get_backend("lister", site.lister).factory(site)
    files, dirs = {}, set()

    def keep(lfn, listing, error):
        if listing is not None:
            dirs.add(lfn)
            for f in listing.files:
                files[f"{lfn}/{f.name}"] = (f.size, int(f.mtime))

    if hasattr(lister, "check"):
        lister.check()
    tree = Tree(cutoff=time.time())
    stats = Walker(lister, site, tree, stop=stop, on_listed=keep).run(site.top_dirs)
    return files, dirs, stats, tree, lister


def xrdfs_view(server, root: str = "/store") -> tuple[dict, set]:
    """What ``xrdfs ls -l -R`` prints: ({file: (size, int mtime)}, {dir})."""
    proc = server.xrdfs("ls", "-l", "-R", root, timeout=120)
    files, dirs = {}, {root}
    for line in proc.stdout.splitlines():
        parts = line.split(None, 6)
        if len(parts) != 7:
            continue
        mode, _owner, _group, size, day, clock, path = parts
        mtime = int(time.mktime(time.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M:%S")))
        if mode.startswith("d"):
            dirs.add(path)
        else:
            files[path] = (int(size), mtime)
    return files, dirs


def check(site: config.SiteConfig, **kw):
    """check_site in this process, writing nothing; returns (found dict, result)."""
    from consistency_core import check_site

    result = check_site(site, write=False, **kw)
    f = result.findings
    found = {"missing": sorted(l for l, _s in f.missing), "orphan": sorted(l for l, _s in f.orphan),
             "size_mismatch": sorted(l for l, _i, _r in f.size_mismatch),
             "empty_dirs": sorted(f.empty_dirs), "unlisted": sorted(f.unlisted)}
    return found, result


def below(paths, dirs) -> list[str]:
    """``paths`` without those at or below any of ``dirs``."""
    return sorted(p for p in paths if not any(p == d or p.startswith(d + "/") for d in dirs))


def planted_outside(expected, unlisted) -> dict[str, list[str]]:
    """What a check must report when ``unlisted`` directories could not be listed: nothing
    at or below them, and no empty directory above them (it may hold files unseen)."""
    want = {k: below(v, unlisted) for k, v in planted(expected).items()}
    want["empty_dirs"] = [d for d in want["empty_dirs"]
                          if not any(u.startswith(d + "/") for u in unlisted)]
    want["unlisted"] = sorted(unlisted)
    return want


def after(seconds: float, action) -> threading.Thread:
    """Run ``action`` on a thread after ``seconds`` (a fault injected mid-walk)."""
    timer = threading.Timer(seconds, action)
    timer.daemon = True
    timer.start()
    return timer


class Redirector:
    """A real XRootD cluster on 127.0.0.1: a manager (xrootd + cmsd, no data) and ``n`` data
    servers (xrootd + cmsd each) exporting the same ``data_dir``, as user xrootd."""

    def __init__(self, data_dir: Path, n: int = 2):
        from consistency_core.testing.servers import free_port

        self.base = Path(tempfile.mkdtemp(prefix="xrdcl-"))
        self.data_dir = Path(data_dir)
        self.cms_port = free_port()
        self.port = free_port()
        self.server_ports = [free_port() for _ in range(n)]
        self.procs: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        return f"root://127.0.0.1:{self.port}"

    def _config(self, name: str, role: str, port: int, data: bool) -> Path:
        d = self.base / name
        for sub in ("admin", "run", "log"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        lines = [f"all.role {role}", f"all.manager 127.0.0.1:{self.cms_port}", "all.export /",
                 f"all.adminpath {d / 'admin'}", f"all.pidpath {d / 'run'}", f"xrd.port {port}",
                 "xrd.allow host localhost", "xrd.allow host [::1]",
                 "cms.delay startup 1", "cms.delay servers 1", "cms.delay lookup 1"]
        if data:
            lines.append(f"oss.localroot {self.data_dir}")
        (d / "cfg").write_text("\n".join(lines) + "\n")
        return d

    def _spawn(self, d: Path, program: str) -> None:
        out = open(d / "log" / f"{program}.out", "ab")
        self.procs.append(subprocess.Popen(
            [program, "-n", d.name, "-c", str(d / "cfg"), "-l", str(d / "log" / f"{program}.log"),
             "-R", "xrootd"], stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True))
        out.close()

    def start(self, timeout: float = 30) -> "Redirector":
        from consistency_core.testing.servers import ensure_user

        ensure_user()
        dirs = [("mgr", "manager", self.port, False)] + [
            (f"srv{i}", "server", p, True) for i, p in enumerate(self.server_ports)]
        made = [self._config(*spec) for spec in dirs]
        subprocess.run(["chown", "-R", "xrootd:xrootd", str(self.base), str(self.data_dir)],
                       check=True)
        os.chmod(self.base, 0o755)
        parent = self.data_dir.parent  # the servers (user xrootd) must reach their localroot
        while parent != parent.parent:
            mode = os.stat(parent).st_mode & 0o7777
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)
            parent = parent.parent
        for d in made:  # cmsd first: an xrootd that finds no cmsd socket waits a long time
            self._spawn(d, "cmsd")
            time.sleep(0.2)
            self._spawn(d, "xrootd")
        self._wait_for_servers(timeout)
        return self

    def _wait_for_servers(self, timeout: float) -> None:
        from pyxrootd import client

        fs = client.FileSystem(self.url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st, found = fs.deeplocate("/", 0, 1)
            if st.get("ok") and found and len(found) == len(self.server_ports):
                return
            time.sleep(0.2)
        self.close()
        raise RuntimeError(f"xrootd cluster did not come up in {timeout}s (logs in {self.base})")

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture
def redirector():
    """Factory: ``redirector(data_dir, n=2)`` starts a manager and n data servers."""
    clusters: list[Redirector] = []

    def start(data_dir, n: int = 2) -> Redirector:
        cluster = Redirector(data_dir, n)
        clusters.append(cluster)
        return cluster.start()

    yield start
    for cluster in clusters:
        cluster.close()
