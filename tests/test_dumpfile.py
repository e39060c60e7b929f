"""Dump files: odd names read back exactly, cut or conflicting dumps refused with the file
and line(s) named, before anything is compared (real files, real gzip/bzip2 streams)."""
from __future__ import annotations

import bz2
import gzip

import pytest

from consistency_core import config, dumpfile
from consistency_core.backends.dump import DumpLister
from consistency_core.check import diff_dumps
from consistency_core.dumpfile import DumpError

ROWS = [("/store/a b/c 5", 10, 1700000000), ("/store/x\udce9", 3, None), ("/store/p%E9", 4, 1),
        ("/store/ lead/f", 6, 2), ("/store/tab\tin/f", 7, 3), ("/store/nb\u00a0sp", 8, 4)]


def site(tmp_path, **raw):
    raw = {"lister": "dump", "inventory": "dump", "root": "/", "output": str(tmp_path / "out"),
           **raw}
    return config.build_site("T", raw, "(test)")


def test_odd_names_are_written_and_read_back_exactly(tmp_path):
    path = tmp_path / "d.txt"
    dumpfile.write(str(path), ROWS, unlisted=["/store/un listed"])
    unlisted: list[str] = []
    back = list(dumpfile.read(str(path), unlisted))
    # a name with white space always gets an mtime, so it reads back whole (0: as old as none)
    assert back == sorted((lfn, size, float(m) if m is not None else None) for lfn, size, m in ROWS)
    assert unlisted == ["/store/un listed"]
    assert b"/store/x\xe9 3\n" in path.read_bytes()


def test_the_shortest_path_wins_and_the_writer_keeps_it_unambiguous(tmp_path):
    path = tmp_path / "d.txt"
    path.write_text("/a 5 10\n/b c 7\n")
    assert list(dumpfile.read(str(path))) == [("/a", 5, 10.0), ("/b c", 7, None)]
    dumpfile.write(str(path), [("/a 5", 10, None)])
    assert list(dumpfile.read(str(path))) == [("/a 5", 10, 0.0)]


def test_identical_duplicates_are_fine_conflicting_ones_name_both_lines(tmp_path):
    path = tmp_path / "d.txt"
    lines = [f"/store/f{i} {i} 5\n" for i in range(2000)]
    path.write_text("".join(lines + ["/store/f7 7 5\n"]))
    assert len(list(dumpfile.read(str(path)))) == 2001
    path.write_text("".join(lines + ["/store/f7 8 5\n"]))
    with pytest.raises(DumpError, match=r"d.txt: lines 8 and 2001 give '/store/f7' two "
                                         "different sizes"):
        list(dumpfile.read(str(path)))


@pytest.mark.parametrize("suffix, compress", [(".gz", gzip.compress), (".bz2", bz2.compress),
                                              ("", None)])
def test_a_cut_dump_is_refused_as_inventory_listing_and_site(tmp_path, suffix, compress):
    whole = "".join(f"/store/d{i % 7}/f{i}.root {100 + i} 1700000000\n" for i in range(5000))
    good = tmp_path / f"good.txt{suffix}"
    cut = tmp_path / f"cut.txt{suffix}"
    data = whole.encode()
    if compress:
        good.write_bytes(compress(data))
        cut.write_bytes(compress(data)[: len(compress(data)) // 2])  # cut mid-stream
    else:
        good.write_bytes(data)
        cut.write_bytes(data[: len(data) // 2 + 3])  # cut inside a line
    s = site(tmp_path)
    for inv, lst in ((cut, good), (good, cut)):
        for trees in (False, True):
            with pytest.raises(DumpError, match=rf"cut.txt{suffix}:\d+: "):
                diff_dumps(s, str(inv), str(lst), trees=trees)
    assert not (tmp_path / "out").exists()
    lister = DumpLister(site(tmp_path, url=str(cut)))
    with pytest.raises(DumpError, match=rf"cut.txt{suffix}"):
        lister.check()


def test_a_compressed_dump_without_a_final_newline_is_cut_too(tmp_path):
    path = tmp_path / "d.txt.gz"
    path.write_bytes(gzip.compress(b"/a 1 5\n/b 2"))
    with pytest.raises(DumpError, match=r"d.txt.gz:2: the last line has no newline"):
        list(dumpfile.read(str(path)))
