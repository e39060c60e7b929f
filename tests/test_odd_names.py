"""Names are bytes: every kind of odd name through the posix and dump listers, the
comparison, ``consistency list`` and ``diff`` and the result files; nothing false, no
traceback, and a name no line format can carry makes its directory unlisted, with a reason.
(The xrootd and gfal listers run the same site in backends/*/tests/test_*_names.py.)"""
from __future__ import annotations

import pytest

from consistency_core.check import check_site
from consistency_core.testing import odd_names


@pytest.mark.parametrize("lister", ["posix", "dump"])
def test_odd_names_are_found_exactly(lister, tmp_path):
    odd = odd_names.build(tmp_path)
    odd_names.check_exactly(lister, odd, None, tmp_path / "out")


def test_a_listing_dump_of_odd_names_reads_back_exactly(tmp_path):
    """``consistency list`` writes odd names; ``consistency diff`` of that dump against the
    inventory finds exactly the planted files (fast path and trees)."""
    from consistency_core.check import diff_dumps
    from consistency_core.site_dump import list_site

    odd = odd_names.build(tmp_path)
    site = odd_names.site_for("posix", odd, None, tmp_path / "out")
    listed = tmp_path / "listed.txt"
    list_site(site, str(listed))
    want = odd_names.expected(odd, "posix")
    for trees in (False, True):
        assert odd_names.found(diff_dumps(site, str(odd.dump), str(listed), trees=trees)) == want


@pytest.mark.parametrize("name", [b"new\nline", b"carriage\rreturn", b"trailing ", b"tab\t"])
def test_a_name_no_line_format_can_carry_makes_its_directory_unlisted(name, tmp_path):
    odd = odd_names.build(tmp_path)
    holder = odd_names.lfn(b"f0")
    (odd.root / "store/odd/f0").joinpath(name.decode()).write_bytes(b"x")
    result = check_site(odd_names.site_for("posix", odd, None, tmp_path / "out"))
    assert result.findings.unlisted == [holder]
    assert [p for p, _s in result.findings.missing if p.startswith(holder + "/")] == []
    (failure,) = result.walk.failures
    assert "cannot be listed exactly" in failure[2]
