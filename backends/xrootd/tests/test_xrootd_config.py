"""Site problems end the run with exit 1 and one line, before any result file is written."""
import pytest

# a child process per run: XrdCl reads its environment (timeouts) once per process
from consistency_core.testing.runner import run_process as consistency
from consistency_core.testing.sites import generate_site as generate
from xrootd_helpers import SITE, write_config
from consistency_core.testing.servers import free_port


def _run_fails(site_tmp, url, *, doors=None, expect=""):
    dump = site_tmp / "inventory.txt"
    dump.write_text("/store/a/b.root 10\n")
    extra = {"doors": doors} if doors is not None else {}
    cfg = write_config(site_tmp / "c.toml", url, dump, timeout=3, **extra)
    out = site_tmp / "out"
    proc = consistency("run", "--config", cfg, "--site", SITE, "--output", out, timeout=60)
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    errors = [l for l in proc.stderr.splitlines() if "error" in l.lower()]
    assert len(errors) == 1, proc.stderr
    assert expect in errors[0], errors[0]
    assert not out.exists() or not any(out.iterdir())
    return errors[0]


@pytest.mark.parametrize("url, expect", [
    ("http://127.0.0.1:1094", "scheme must be root://"),
    ("root://", "bad host"),
    ("root://127.0.0.1:notaport", "bad port"),
    ("root://127.0.0.1:70000", "out of range"),
    ("root://127.0.0.1:1094/store?x=1", "no user, query or fragment"),
])
def test_bad_url(site_tmp, url, expect):
    line = _run_fails(site_tmp, url, expect=expect)
    assert "sites.T2_XRD.url" in line


def test_unknown_host(site_tmp):
    _run_fails(site_tmp, "root://no-such-host.invalid:1094", expect="no door answers")


def test_refused_connection_on_every_door(site_tmp):
    ports = [free_port(), free_port()]
    _run_fails(site_tmp, f"root://127.0.0.1:{ports[0]}",
               doors=[f"root://127.0.0.1:{ports[1]}"], expect="no door answers")


def test_wrong_path_prefix_is_not_an_empty_site(site_tmp, xrootd_server):
    """A prefix that does not exist must not make the whole catalog 'missing'."""
    site_dir, _dump, _expected = generate(site_tmp / "gen", seed=2, n_files=50)
    srv = xrootd_server(site_dir)
    _run_fails(site_tmp, srv.url + "/nosuchprefix", expect="wrong path prefix")


def test_bad_door_url_names_the_key(site_tmp):
    line = _run_fails(site_tmp, "root://127.0.0.1:1094", doors=["gsiftp://x"],
                      expect="doors[0]")
    assert "scheme must be root://" in line


def test_config_check_accepts_the_xrootd_keys(site_tmp):
    cfg = write_config(site_tmp / "c.toml", "root://127.0.0.1:1094/cms", "/dev/null",
                       doors=["root://127.0.0.2:1094"], locate=False)
    proc = consistency("config", "check", "--config", cfg)
    assert proc.returncode == 0, proc.stderr
