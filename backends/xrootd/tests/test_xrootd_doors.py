"""Several doors per site: requests spread over them, a failing or slow door demoted, a door
serving another namespace refused, data servers found with locate."""
import time

from consistency_xrootd.lister import XrootdLister
# a child process per run: XrdCl reads its environment (timeouts) once per process
from consistency_core.testing.runner import run_process as consistency
from consistency_core.testing.results import planted
from consistency_core.testing.sites import check
from consistency_core.testing.sites import generate_site as generate
from xrootd_helpers import SITE, after, site_config, write_config


def _lister(url, dump, doors, **keys):
    lister = XrootdLister(site_config(url, dump, doors=doors, **keys))
    return lister


def _served(lister):
    return {d.url.port: (d.served, d.failed) for d in lister.pool.doors}


def test_requests_spread_over_doors_of_one_namespace(site_tmp, xrootd_server):
    site_dir, dump, expected = generate(site_tmp, seed=31, n_files=600)
    a, b = xrootd_server(site_dir), xrootd_server(site_dir)
    lister = _lister(a.url, dump, [b.url])
    found, result = check(lister.site, lister=lister)
    assert found == planted(expected)
    served = _served(lister)
    total = served[a.port][0] + served[b.port][0]
    # both doors carry a real share; how much depends on their answer times on a loaded machine
    assert min(served[a.port][0], served[b.port][0]) >= 0.05 * total, served


def test_door_killed_mid_walk_others_carry_on(site_tmp, xrootd_server, slow_proxy):
    site_dir, dump, expected = generate(site_tmp, seed=32, n_files=600)
    a, b = xrootd_server(site_dir), xrootd_server(site_dir)
    pa, pb = slow_proxy(a, delay=0.03), slow_proxy(b, delay=0.03)
    lister = _lister(pa.url, dump, [pb.url], timeout=2, retries=2, retry_delay=0.2, threads=2)
    after(0.5, a.kill)
    t0 = time.monotonic()
    found, result = check(lister.site, lister=lister)
    assert result.walk.elapsed > 1, "the kill must land mid-walk"
    assert found == planted(expected)
    assert not result.walk.errors and result.walk.attempts_failed
    served = _served(lister)
    assert served[pa.port][1] >= 1, served  # the dead door failed ...
    assert served[pb.port][0] > served[pa.port][0], served  # ... and the other carried on
    assert time.monotonic() - t0 < 20


def test_slow_door_gets_fewer_requests(site_tmp, xrootd_server, slow_proxy):
    site_dir, dump, expected = generate(site_tmp, seed=33, n_files=600)
    a, b = xrootd_server(site_dir), xrootd_server(site_dir)
    slow, quick = slow_proxy(a, delay=0.15), slow_proxy(b, delay=0.005)
    lister = _lister(slow.url, dump, [quick.url], threads=8)
    found, _result = check(lister.site, lister=lister)
    assert found == planted(expected)
    served = _served(lister)
    assert served[quick.port][0] > 4 * served[slow.port][0], served


def test_door_down_at_start_is_left_out(site_tmp, xrootd_server):
    site_dir, dump, expected = generate(site_tmp, seed=34, n_files=300)
    a, b = xrootd_server(site_dir), xrootd_server(site_dir)
    a.stop()
    lister = _lister(a.url, dump, [b.url], timeout=3)
    found, result = check(lister.site, lister=lister)
    assert found == planted(expected)
    assert [d.url.port for d in lister.pool.doors] == [b.port]


def test_door_with_another_namespace_is_refused(site_tmp, xrootd_server):
    site_dir, dump, expected = generate(site_tmp / "one", seed=35, n_files=300)
    other_dir, _d, _e = generate(site_tmp / "two", seed=36, n_files=300, now=time.time() - 3600)
    a, b = xrootd_server(site_dir), xrootd_server(other_dir)
    lister = _lister(a.url, dump, [b.url])
    found, _result = check(lister.site, lister=lister)
    assert found == planted(expected)
    assert [d.url.port for d in lister.pool.doors] == [a.port]


def test_locate_finds_the_data_server(site_tmp, xrootd_server):
    site_dir, dump, expected = generate(site_tmp, seed=37, n_files=300)
    srv = xrootd_server(site_dir)
    lister = XrootdLister(site_config(srv.url, dump, locate=True))
    found, _result = check(lister.site, lister=lister)
    assert found == planted(expected)
    assert [d.url.port for d in lister.pool.doors] == [srv.port]


def test_locate_behind_a_real_redirector(site_tmp, redirector):
    """A manager (xrootd + cmsd) cannot list; with locate = true its data servers are found
    and the site is listed through them."""
    site_dir, dump, expected = generate(site_tmp, seed=38, n_files=400)
    cluster = redirector(site_dir, n=2)
    lister = XrootdLister(site_config(cluster.url, dump, locate=True))
    found, _result = check(lister.site, lister=lister)
    assert found == planted(expected)
    served = _served(lister)
    assert sorted(served) == sorted(cluster.server_ports)
    assert all(ok > 10 for ok, _failed in served.values()), served


def test_redirector_without_locate_stops_with_one_line(site_tmp, redirector):
    site_dir, dump, _expected = generate(site_tmp, seed=39, n_files=50)
    cluster = redirector(site_dir, n=1)
    cfg = write_config(site_tmp / "c.toml", cluster.url, dump)
    proc = consistency("run", "--config", cfg, "--site", SITE, "--output", site_tmp / "out")
    assert proc.returncode == 1
    assert "locate = true" in proc.stderr.strip().splitlines()[-1]
    assert not (site_tmp / "out").exists()
