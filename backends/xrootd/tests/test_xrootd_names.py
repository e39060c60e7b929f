"""Names are bytes, over the xrootd lister against a real xrootd: every kind of odd name
found exactly; a name XRootD cannot carry ('?', not UTF-8, 254 bytes or more) makes its
directory unlisted at once, with the reason, never vanished and never after a timeout."""
from __future__ import annotations

import pytest

from consistency_core import ErrorKind, ListingError, config, plugins
from consistency_core.check import check_site
from consistency_core.testing import odd_names
from xrootd_helpers import site_tmp  # noqa: F401


def test_odd_names_are_found_exactly(site_tmp, xrootd_server):  # noqa: F811
    odd = odd_names.build(site_tmp)
    odd_names.check_exactly("xrootd", odd, xrootd_server(odd.root), site_tmp / "out")


def test_a_question_mark_is_never_a_vanished_directory(site_tmp, xrootd_server):  # noqa: F811
    """'?' would end the path (CGI follows): the directory looked "not found", vanished, and
    its catalog files were reported missing. A name the bindings cannot decode cost the full
    timeout on every attempt. Both are now unlisted at once, with the reason."""
    root = site_tmp / "site"
    rows = [("/store/a/q?x/f.root", 4), ("/store/b/caf\udce9.root", 5), ("/store/c/ok.root", 6)]
    odd_names.plant(root, rows)
    dump = site_tmp / "inventory.txt"
    odd_names.write_dump(dump, rows)
    server = xrootd_server(root)
    raw = {"lister": "xrootd", "url": server.url, "inventory": "dump", "inventory_url": str(dump),
           "root": "/store", "threads": 4, "retries": 1, "retry_delay": 0.05, "timeout": 5,
           "max_missing_fraction": 1.0, "max_orphan_fraction": 1.0}
    result = check_site(config.build_site("T2_Q", raw, "(test)"))
    assert result.findings.missing == [] and result.findings.orphan == []
    assert result.findings.unlisted == ["/store/a/q?x", "/store/b"]
    assert dict(result.walk.attempts_failed) == {ErrorKind.OTHER: 2}  # no timeout, no retry
    assert result.walk.vanished == 0


def test_a_directory_whose_own_name_is_not_utf8_is_refused_unsent(
        site_tmp, xrootd_server):  # noqa: F811
    odd = odd_names.build(site_tmp)
    site = odd_names.site_for("xrootd", odd, xrootd_server(odd.root), site_tmp / "out")
    lister = plugins.get_backend("lister", site.lister).factory(site)
    try:
        with pytest.raises(ListingError) as err:
            lister.list_dir(odd.dirs["latin1"][2], 30)
        assert err.value.kind is ErrorKind.OTHER and not err.value.retry
        assert "not UTF-8 cannot be sent" in err.value.message
    finally:
        lister.close()
