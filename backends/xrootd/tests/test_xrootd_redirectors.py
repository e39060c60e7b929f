"""Doors found through global redirectors: a real XRootD cluster on loopback (a manager,
xrootd + cmsd, and two data servers, xrootd + cmsd each) stands for the global redirector
and the servers subscribed to it; a site with no url and no doors is listed through the
server whose host:port matches its site_domain, and the answer is cached."""
import json
import time

import pytest

from consistency_core import ConsistencyError
from consistency_xrootd.lister import XrootdLister
from consistency_xrootd.redirectors import cache_file
from consistency_core.testing.results import planted
from consistency_core.testing.sites import check
from consistency_core.testing.sites import generate_site as generate
from xrootd_helpers import site_config


def located_site(dump, cluster, state, port, **keys):
    return site_config("", dump, global_redirectors=[cluster.url], site_domain=f":{port}",
                       state_dir=str(state), **keys)


def served_ports(lister):
    return sorted(d.url.port for d in lister.pool.doors if d.served)


def stop_manager(cluster):
    """The global redirector goes away for real (its cmsd and xrootd are the first two)."""
    for proc in cluster.procs[:2]:
        proc.kill()
        proc.wait(5)


def test_a_site_without_doors_is_listed_through_the_located_one(site_tmp, redirector):
    site_dir, dump, expected = generate(site_tmp, seed=41, n_files=300)
    cluster = redirector(site_dir, n=2)
    port = cluster.server_ports[1]
    site = located_site(dump, cluster, site_tmp / "state", port)
    lister = XrootdLister(site)
    assert [u.port for u in lister.urls] == [port]
    found, _result = check(site, lister=lister)
    assert found == planted(expected)
    assert served_ports(lister) == [port]
    saved = json.loads(open(cache_file(site)).read())
    assert saved["redirectors"] == [cluster.url]
    assert sorted(int(a.rsplit(":", 1)[1]) for a in saved["located"]) == \
        sorted(cluster.server_ports)


def test_located_doors_are_cached_for_redirector_max_age(site_tmp, redirector):
    site_dir, dump, expected = generate(site_tmp, seed=42, n_files=100)
    cluster = redirector(site_dir, n=2)
    port = cluster.server_ports[0]
    site = located_site(dump, cluster, site_tmp / "state", port, redirector_max_age=1)
    XrootdLister(site)  # locates and caches
    stop_manager(cluster)
    lister = XrootdLister(site)  # within the age: no locate needed
    found, _result = check(site, lister=lister)
    assert found == planted(expected) and served_ports(lister) == [port]

    # past the age and no redirector answers: the older answer is used, with a warning
    path = cache_file(site)
    saved = json.loads(open(path).read())
    saved["time"] = time.time() - 3 * 86400
    open(path, "w").write(json.dumps(saved))
    lister = XrootdLister(site)
    assert [u.port for u in lister.urls] == [port]

    # nothing cached and no redirector answers: one line naming the key
    fresh = located_site(dump, cluster, site_tmp / "state2", port)
    with pytest.raises(ConsistencyError) as err:
        XrootdLister(fresh)
    assert "global_redirectors" in str(err.value) and cluster.url.split("//")[1] in str(err.value)
    assert "\n" not in str(err.value)


def test_no_located_server_matching_the_domain_is_one_clear_error(site_tmp, redirector):
    site_dir, dump, _expected = generate(site_tmp, seed=43, n_files=50)
    cluster = redirector(site_dir, n=1)
    site = site_config("", dump, global_redirectors=[cluster.url],
                       site_domain="t2.nowhere.example", state_dir=str(site_tmp / "state"))
    with pytest.raises(ConsistencyError) as err:
        XrootdLister(site)
    assert "site_domain 't2.nowhere.example'" in str(err.value)
    assert str(cluster.server_ports[0]) in str(err.value)  # what was located, for the operator
    nodomain = site_config("", dump, global_redirectors=[cluster.url],
                           state_dir=str(site_tmp / "state"))
    with pytest.raises(ConsistencyError, match="site_domain"):
        XrootdLister(nodomain)
