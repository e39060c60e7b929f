"""A latin-1 name through the run history (SQLite and a real MariaDB), the CLI, the
reports, and corrupt dumps refused before any finding."""
from __future__ import annotations

import gzip
import os

import pytest

from consistency_core import names

from operations_helpers import OLD, small_site, write_config
from operations_helpers import cli as _cli


def cli(*args, **popen):
    return _cli(*args, errors="surrogateescape", **popen)  # the output holds the names' bytes

LATIN = "/store/data/d00/caf\udce9.root"  # on disk as b"caf\xe9.root"


def latin_site(tmp_path):
    site = small_site(tmp_path, missing=0, orphan=0)
    rows = site.dump_rows() + [(LATIN, 5)]  # in the catalog, not on disk: missing
    site.dump.write_bytes(b"".join(names.to_bytes(f"{lfn} {size} {int(OLD)}\n")
                                   for lfn, size in sorted(rows)))
    orphan = os.fsencode(site.storage) + names.to_bytes("/store/data/d01/orph\udce9 n.root")
    with open(orphan, "wb") as fh:
        fh.write(b"x" * 3)
    os.utime(orphan, (OLD, OLD))
    os.utime(os.path.dirname(orphan), (OLD, OLD))
    return site


@pytest.mark.parametrize("db", ["sqlite", "mariadb"])
def test_a_latin1_name_is_recorded_read_back_and_confirmed(tmp_path, db, request):
    site = latin_site(tmp_path)
    url = (request.getfixturevalue("mariadb_server").url_with_password if db == "mariadb"
           else f"sqlite:///{tmp_path / 'history.db'}")
    config = write_config(tmp_path / "c.toml", {"LAT": site}, output=str(tmp_path / "out"),
                          state_dir=str(tmp_path / "state"), history_url=url,
                          max_missing_fraction=0.5, max_orphan_fraction=0.5)
    first = cli("run", "--site", "LAT", "--config", config)
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    missing = (tmp_path / "out" / "LAT_missing.txt").read_bytes()
    assert missing == b"/store/data/d00/caf\xe9.root\n"
    orphans = (tmp_path / "out" / "LAT_orphan.txt").read_bytes()
    assert orphans == b"/store/data/d01/orph\xe9 n.root\n"

    second = cli("run", "--site", "LAT", "--config", config)
    assert second.returncode == 0, second.stderr
    confirmed = (tmp_path / "out" / "LAT_confirmed_missing.txt").read_bytes()
    assert confirmed == b"/store/data/d00/caf\xe9.root\n"  # the history matched it again

    from consistency_core.history import History
    history = History(url)
    try:
        (run2, run1) = history.runs("LAT")[:2]
        assert run1.status == run2.status == "completed"
        assert history.findings(run2.id, "missing") == [("missing", LATIN, 5, True)]
        assert history.findings(run1.id, "orphan") == [
            ("orphan", "/store/data/d01/orph\udce9 n.root", 3, False)]
    finally:
        history.close()

    # printed as the bytes result files hold, also where stdout is strict UTF-8
    shown = cli("findings", "--site", "LAT", "--config", config,
                env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"})
    assert shown.returncode == 0, shown.stderr
    assert "missing\t/store/data/d00/caf\udce9.root\t5\tconfirmed\n" in shown.stdout
    report = cli("report", "--config", config, "--output", tmp_path / "report")
    assert report.returncode == 0, report.stderr
    listed = (tmp_path / "report" / "sites" / "LAT" / "missing.txt").read_bytes()
    assert listed == b"/store/data/d00/caf\xe9.root\n"


def test_a_cut_gzip_dump_is_refused_before_any_finding(tmp_path):
    site = latin_site(tmp_path)
    whole = gzip.compress(site.dump.read_bytes())
    cut = tmp_path / "inventory.txt.gz"
    cut.write_bytes(whole[:len(whole) * 2 // 3])
    config = write_config(tmp_path / "c.toml", {"CUT": site}, output=str(tmp_path / "out"),
                          state_dir=str(tmp_path / "state"))
    text = config.read_text().replace(str(site.dump), str(cut))
    config.write_text(text)
    run = cli("run", "--site", "CUT", "--config", config)
    assert run.returncode == 1
    assert "inventory.txt.gz" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "out" / "CUT_missing.txt").exists()


@pytest.mark.parametrize("content, error", [
    (b"/store/data/d00/f000.root 100 1\n/store/data/d00/f001.root 10", "2: the last line has no"),
    (b"/store/data/d00/f000.root 100 1\n/store/x 1 1\n/store/data/d00/f000.root 101 1\n",
     "lines 1 and 3 give '/store/data/d00/f000.root' two different sizes"),
])
def test_a_corrupt_plain_dump_is_one_line_and_no_finding(tmp_path, content, error):
    site = small_site(tmp_path, missing=0, orphan=0)
    site.dump.write_bytes(content)
    config = write_config(tmp_path / "c.toml", {"BAD": site}, output=str(tmp_path / "out"),
                          state_dir=str(tmp_path / "state"))
    run = cli("run", "--site", "BAD", "--config", config)
    assert run.returncode == 1, run.stderr
    assert error in run.stderr and str(site.dump) in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out" / "BAD_missing.txt").exists()
