"""Names are bytes: every kind of odd name through every lister, the comparison and the
result files, against the real file system, xrootd and XrdHttp; nothing false, no traceback,
and a name a lister cannot carry makes its directory unlisted at once, with a reason."""
from __future__ import annotations

import pytest

from consistency_core import ErrorKind, config
from consistency_core.check import check_site

import odd_names
from gfal_helpers import _keep_xrd_environment  # noqa: F401
from xrootd_helpers import site_tmp  # noqa: F401

LISTERS = ("posix", "dump", "xrootd", "gfal-file", "gfal-root", "gfal-http")


def site_for(lister: str, odd, server, output) -> config.SiteConfig:
    url = {"posix": str(odd.root), "dump": str(odd.listing), "gfal-file": f"file://{odd.root}",
           "xrootd": server and server.url, "gfal-root": server and server.url,
           "gfal-http": server and server.http_url}[lister]
    raw = {"lister": lister.split("-")[0], "url": url, "inventory": "dump",
           "inventory_url": str(odd.dump), "root": "/store", "threads": 4, "retries": 2,
           "retry_delay": 0.05, "timeout": 30, "output": str(output),
           "max_missing_fraction": 1.0, "max_orphan_fraction": 1.0}
    return config.build_site("T2_ODD", raw, "(test)")


@pytest.mark.parametrize("lister", LISTERS)
def test_odd_names_are_found_exactly_by_every_lister(lister, site_tmp, xrootd_server):  # noqa: F811
    odd = odd_names.build(site_tmp)
    server = xrootd_server(odd.root) if lister in ("xrootd", "gfal-root", "gfal-http") else None
    site = site_for(lister, odd, server, site_tmp / "out")
    result = check_site(site)
    want = odd_names.expected(odd, lister)
    got = odd_names.found(result)
    assert {k: (sorted(set(got[k]) - set(want[k])), sorted(set(want[k]) - set(got[k])))
            for k in want} == {k: ([], []) for k in want}, result.walk.failures
    # a name that cannot be carried is refused at once (one attempt, never a timeout)
    blocked = len(want["unlisted"])
    assert dict(result.walk.errors) == ({ErrorKind.OTHER: blocked} if blocked else {})
    assert sum(result.walk.attempts_failed.values()) == blocked
    for lfn, _kind, message in result.walk.failures:
        assert any(why in message for why in ("UTF-8", "'?'", "cuts names at 254")), message
    # the result files carry the names' bytes, one a line, and read back exactly
    out = site_tmp / "out"
    for cls in ("missing", "orphan", "size_mismatch", "unlisted"):
        assert odd_names.read_result(out / f"T2_ODD_{cls}.txt") == want[cls], cls


def test_a_listing_dump_of_odd_names_reads_back_exactly(site_tmp):  # noqa: F811
    """``consistency list`` writes odd names; ``consistency diff`` of that dump against the
    inventory finds exactly the planted files (fast path and trees)."""
    from consistency_core.check import diff_dumps
    from consistency_core.listing import list_site

    odd = odd_names.build(site_tmp)
    site = site_for("posix", odd, None, site_tmp / "out")
    listed = site_tmp / "listed.txt"
    list_site(site, str(listed))
    want = odd_names.expected(odd, "posix")
    for trees in (False, True):
        assert odd_names.found(diff_dumps(site, str(odd.dump), str(listed), trees=trees)) == want


@pytest.mark.parametrize("name", [b"new\nline", b"carriage\rreturn", b"trailing ", b"tab\t"])
def test_a_name_no_line_format_can_carry_makes_its_directory_unlisted(name, site_tmp):  # noqa: F811
    odd = odd_names.build(site_tmp)
    holder = odd_names.lfn(b"f0")
    (odd.root / "store/odd/f0").joinpath(name.decode()).write_bytes(b"x")
    for lister in ("posix", "gfal-file"):
        result = check_site(site_for(lister, odd, None, site_tmp / "out"), write=False)
        want = odd_names.expected(odd, lister)
        blocked = sorted({*want["unlisted"], holder})
        assert result.findings.unlisted == blocked
        assert [p for p, _s in result.findings.missing if p.startswith(holder + "/")] == []
        (failure,) = [f for f in result.walk.failures if f[0] == holder]
        assert "cannot be listed exactly" in failure[2] or "UTF-8" in failure[2]


def test_xrootd_never_takes_a_question_mark_for_a_vanished_directory(
        site_tmp, xrootd_server):  # noqa: F811
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
    result = check_site(config.build_site("T2_Q", raw, "(test)"), write=False)
    assert result.findings.missing == [] and result.findings.orphan == []
    assert result.findings.unlisted == ["/store/a/q?x", "/store/b"]
    assert dict(result.walk.attempts_failed) == {ErrorKind.OTHER: 2}  # no timeout, no retry
    assert result.walk.vanished == 0


@pytest.mark.parametrize("lister", ["gfal-root", "gfal-http", "gfal-file", "xrootd"])
def test_a_directory_whose_own_name_is_not_utf8(lister, site_tmp, xrootd_server):  # noqa: F811
    """gfal sends the name's bytes percent-encoded; root:// lists it, XrdHttp answers with a
    listing libxml2 refuses, and file:// and xrootd cannot send it: refused at once."""
    from consistency_core import ListingError, plugins

    odd = odd_names.build(site_tmp)
    server = xrootd_server(odd.root) if lister != "gfal-file" else None
    site = site_for(lister, odd, server, site_tmp / "out")
    dirpath = odd.dirs["latin1"][2]  # /store/odd/c0/caf\udce9, holding latin-1 file names
    inner = odd_names.lfn(b"c0", b"caf\xe9", b"sub")
    odd_names.plant(odd.root, [(inner + "/ok.root", 3)])
    lister_obj = plugins.get_backend("lister", site.lister).factory(site)
    try:
        if lister == "gfal-root":
            listing = lister_obj.list_dir(inner, 30)
            assert [(f.name, f.size) for f in listing.files] == [("ok.root", 3)]
        with pytest.raises(ListingError) as err:
            lister_obj.list_dir(dirpath, 30)
        assert err.value.kind is ErrorKind.OTHER and not err.value.retry
        assert "UTF-8" in err.value.message
    finally:
        if hasattr(lister_obj, "close"):
            lister_obj.close()
