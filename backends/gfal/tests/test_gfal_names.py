"""Names are bytes, over the gfal lister (file://, and root:// and http:// against a real
xrootd/XrdHttp): every kind of odd name found exactly; a name gfal2 cannot carry makes its
directory unlisted at once, with the reason."""
from __future__ import annotations

import pytest

from consistency_core import ErrorKind, ListingError, plugins
from consistency_core.check import check_site
from consistency_core.testing import odd_names
from gfal_helpers import _keep_xrd_environment  # noqa: F401

LISTERS = ("gfal-file", "gfal-root", "gfal-http")


@pytest.mark.parametrize("lister", LISTERS)
def test_odd_names_are_found_exactly(lister, tmp_path, xrootd_server):
    odd = odd_names.build(tmp_path)
    server = xrootd_server(odd.root) if lister != "gfal-file" else None
    odd_names.check_exactly(lister, odd, server, tmp_path / "out")


@pytest.mark.parametrize("lister", LISTERS)
def test_a_directory_whose_own_name_is_not_utf8(lister, tmp_path, xrootd_server):
    """gfal sends the name's bytes percent-encoded: root:// lists below it; XrdHttp answers
    with a listing libxml2 refuses, and file:// cannot send it: refused at once."""
    odd = odd_names.build(tmp_path)
    server = xrootd_server(odd.root) if lister != "gfal-file" else None
    site = odd_names.site_for(lister, odd, server, tmp_path / "out")
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
        lister_obj.close()


@pytest.mark.parametrize("name", [b"new\nline", b"trailing "])
def test_a_name_no_line_format_can_carry_over_file_urls(name, tmp_path):
    odd = odd_names.build(tmp_path)
    holder = odd_names.lfn(b"f1")
    (odd.root / "store/odd/f1").joinpath(name.decode()).write_bytes(b"x")
    result = check_site(odd_names.site_for("gfal-file", odd, None, tmp_path / "out"))
    assert holder in result.findings.unlisted
    assert [p for p, _s in result.findings.missing if p.startswith(holder + "/")] == []
    (failure,) = [f for f in result.walk.failures if f[0] == holder]
    assert "cannot be listed exactly" in failure[2]
