"""Helpers for the gfal lister's tests: planted sites, configs, CLI runs, the tree on disk."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from consistency_core.testing.servers import XrootdServer, ensure_user

from consistency_core import config
from consistency_core.check import check_site
from consistency_core.engine import Walker
from consistency_core.plugins import get_backend
from consistency_core.testing import sitegen
from consistency_core.tree import Tree, join

VENV_BIN = Path(sys.executable).parent
SITE = "T2_GFAL"
CATEGORIES = ("missing", "orphan", "size_mismatch", "empty_dirs", "unlisted")
PROTOCOLS = ("file", "root", "http")
# every in-process site uses this timeout: XrdCl's root:// request timeout is fixed per process
TIMEOUT = 5


@pytest.fixture(autouse=True)
def _keep_xrd_environment():
    """The lister sets XRD_* defaults in os.environ (for XrdCl); give them back afterwards so
    other test modules see the environment they started with."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("XRD_")}
    yield
    for key in [k for k in os.environ if k.startswith("XRD_")]:
        if key not in saved:
            del os.environ[key]
    os.environ.update(saved)


def generate(tmp: Path, *, seed: int, n_files: int = 600, **kw):
    site, dump = tmp / "site", tmp / "inventory.txt"
    expected = sitegen.generate(site, dump, seed=seed, n_files=n_files, **kw)
    return site, dump, expected


def url_for(protocol: str, server, site_dir: Path) -> str:
    return {"file": f"file://{site_dir}", "root": server.url if server else "",
            "http": server.http_url if server else ""}[protocol]


def site_keys(url: str, dump: Path | str = "", **keys) -> dict:
    return {"lister": "gfal", "url": url, "inventory": "dump", "inventory_url": str(dump),
            "ignore": list(sitegen.default_ignore()), "retry_delay": 0.1, "threads": 8,
            "timeout": TIMEOUT, **keys}


def site_config(url: str, dump: Path | str = "", **keys) -> config.SiteConfig:
    return config.build_site(SITE, site_keys(url, dump, **keys), "(test)")


def write_config(path: Path, url: str, dump: Path | str, **keys) -> Path:
    lines = [f"[sites.{SITE}]"] + [f"{k} = {json.dumps(v)}" for k, v in
                                   site_keys(url, dump, **keys).items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def consistency(*args, timeout: float = 180,
                env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "consistency"), *map(str, args)],
                          env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=timeout)


def results(out: Path, site: str = SITE) -> dict[str, list[str]]:
    return {name: sorted([l.split("\t")[0] for l in (out / f"{site}_{name}.txt").read_text().splitlines()])
            for name in CATEGORIES}


def summary(out: Path, site: str = SITE) -> dict:
    return json.loads((out / f"{site}_summary.json").read_text())


def planted(expected, *, below: str | None = None) -> dict[str, list[str]]:
    """The planted findings (minus those at or below ``below``, which is then unlisted)."""
    def keep(lfn):
        return below is None or not (lfn == below or lfn.startswith(below + "/"))

    found = {name: sorted(l for l in getattr(expected, name) if keep(l))
             for name in ("missing", "orphan", "size_mismatch", "empty_dirs")}
    found["unlisted"] = [below] if below else []
    return found


def lister_for(site: config.SiteConfig):
    return get_backend("lister", site.lister).factory(site)


def walk(site: config.SiteConfig, lister=None, check: bool = True):
    """List the whole site with the engine; returns ({lfn: (size, mtime)}, {dir}, stats, lister)."""
    lister = lister or lister_for(site)
    files, dirs = {}, set()

    def keep(lfn, listing, error):
        if listing is not None:
            dirs.add(lfn)
            for f in listing.files:
                files[join(lfn, f.name)] = (f.size, int(f.mtime))

    if check:
        lister.check()
    stats = Walker(lister, site, Tree(cutoff=time.time()), on_listed=keep).run(site.top_dirs)
    return files, dirs, stats, lister


def disk_view(site_dir: Path, root: str = "/store") -> tuple[dict, set]:
    """The tree on disk below root: ({lfn: (size, mtime)}, {dir lfn})."""
    files, dirs = {}, set()
    for path, subdirs, names in os.walk(site_dir / root.strip("/")):
        lfn = "/" + str(Path(path).relative_to(site_dir))
        dirs.add(lfn)
        for name in names:
            st = os.stat(os.path.join(path, name))
            files[join(lfn, name)] = (st.st_size, int(st.st_mtime))
    return files, dirs


def check(site: config.SiteConfig):
    """check_site in this process, writing nothing: (found dict, result)."""
    result = check_site(site)
    f = result.findings
    found = {"missing": sorted(l for l, _s in f.missing), "orphan": sorted(l for l, _s in f.orphan),
             "size_mismatch": sorted(l for l, _i, _r in f.size_mismatch),
             "empty_dirs": sorted(f.empty_dirs), "unlisted": sorted(f.unlisted)}
    return found, result


def block_dir_with_missing(expected, site_dir: Path) -> str:
    """A directory on disk the inventory holds files in (the parent of a planted missing file)."""
    parents = sorted({lfn.rpartition("/")[0] for lfn in expected.missing})
    return next(p for p in parents if (site_dir / p.lstrip("/")).is_dir())


class TlsXrootdServer(XrootdServer):
    """An XrootdServer whose XrdHttp port also speaks TLS (https://, davs://), with a
    self-signed certificate for 127.0.0.1 (clients need gfal2's HTTP PLUGIN:INSECURE)."""

    def __init__(self, data_dir, cert_dir: Path):
        super().__init__(data_dir)
        self.cert, self.key = cert_dir / "cert.pem", cert_dir / "key.pem"

    def _prepare(self) -> None:
        super()._prepare()
        cfg = self.base_dir / "xrootd.cfg"
        cfg.write_text(cfg.read_text() + f"xrd.tls {self.cert} {self.key}\nxrd.tlsca noverify\n")

    def https_url(self, scheme: str = "https") -> str:
        return f"{scheme}://127.0.0.1:{self.http_port}"


def self_signed_cert(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(directory / "key.pem"), "-out", str(directory / "cert.pem"),
                    "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    user = ensure_user()  # the server reads them as user xrootd
    for path in (directory, directory / "key.pem", directory / "cert.pem"):
        os.chown(path, user.pw_uid, user.pw_gid)
    os.chmod(directory / "key.pem", 0o600)
    return directory


@pytest.fixture
def tls_xrootd_server(tmp_path):
    """Factory: ``srv = tls_xrootd_server(data_dir)``; ``srv.https_url("davs")``."""
    servers: list[TlsXrootdServer] = []
    certs = Path(tempfile.mkdtemp(prefix="gfal-tls-"))
    self_signed_cert(certs)

    def start(data_dir) -> TlsXrootdServer:
        srv = TlsXrootdServer(data_dir, certs)
        servers.append(srv)
        return srv.start()

    yield start
    for srv in reversed(servers):
        srv.close()
    shutil.rmtree(certs, ignore_errors=True)
