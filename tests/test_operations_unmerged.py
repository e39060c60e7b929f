"""The ``unmerged`` finding class (issue 14, item 3): old orphans in {root}/unmerged are
deletion candidates of their own, gated by the orphan limits and confirmed like orphans.
On a real local site (posix lister, dump inventory) and a real SQLite history."""
import os
import time

from consistency_core import config as config_mod
from consistency_core import run_site
from consistency_core.check import diff_dumps
from consistency_core.site_dump import list_site

from consistency_core.testing.backends import QueueReporter
from consistency_core.testing.backends import run_cli as cli
from consistency_core.testing.sites import OLD, small_site
from consistency_core.testing.sites import small_sites_config as write_config

UNMERGED_OLD = [f"/store/unmerged/Run/old{i}.root" for i in range(4)]
UNMERGED_YOUNG = "/store/unmerged/Run/young.root"  # 3 days old: not reported (not unmerged yet)




def unmerged_site(tmp_path, **keys):
    site = small_site(tmp_path / "T2_U")
    for lfn in UNMERGED_OLD:
        site.put(lfn, 11)
    site.put(UNMERGED_YOUNG, 13)
    three_days = time.time() - 3 * 86400
    os.utime(site.storage / UNMERGED_YOUNG.lstrip("/"), (three_days, three_days))
    for path in (site.storage / "store" / "unmerged", site.storage / "store" / "unmerged" / "Run"):
        os.utime(path, (OLD, OLD))
    defaults = {"output": str(tmp_path / "results"), "state_dir": str(tmp_path / "state"),
                "max_missing_fraction": 0.5, "max_orphan_fraction": 0.5,
                "confirm_orphan_runs": 2, "confirm_orphan_days": 0, **keys}
    config = write_config(tmp_path / "c.toml", {"T2_U": site}, **defaults)
    assert cli("status", "set", "T2_U", "act", "--config", config).returncode == 0  # sites start dry
    return config, site


def test_off_by_default_they_stay_orphans(tmp_path):
    config, site = unmerged_site(tmp_path)
    result = run_site("T2_U", config=str(config), reporters={})
    assert result.findings.unmerged == []
    assert sorted(lfn for lfn, _ in result.findings.orphan) == \
        sorted(site.orphan + UNMERGED_OLD + [UNMERGED_YOUNG])


def test_old_unmerged_files_are_their_own_class_confirmed_like_orphans(tmp_path):
    config, site = unmerged_site(tmp_path, unmerged_age=7)
    cfg = config_mod.load(str(config)).site("T2_U")
    queue = QueueReporter()
    first = run_site(cfg, act=True, reporters={"q": queue})
    assert first.findings.unmerged == [(lfn, 11) for lfn in UNMERGED_OLD]
    # the young one is no orphan either: orphan deletion must not take what is being merged
    assert sorted(lfn for lfn, _ in first.findings.orphan) == sorted(site.orphan)
    assert first.gates.passed and queue.given.unmerged == []  # seen once: not confirmed
    second = run_site(cfg, act=True, reporters={"q": queue})
    assert queue.given.unmerged == [(lfn, 11) for lfn in UNMERGED_OLD]
    assert second.delta["unmerged"] == {"new": 0, "still": 4, "resolved": 0}
    summary = second.summary()
    assert summary["counts"]["unmerged"] == 4 and summary["counts"]["unmerged_bytes"] == 44
    assert summary["would_act"]["unmerged"] == 4

    results = tmp_path / "results"
    assert (results / "T2_U_unmerged.txt").read_text().split() == UNMERGED_OLD
    assert (results / "T2_U_confirmed_unmerged.txt").read_text().split() == UNMERGED_OLD
    found = cli("findings", "--site", "T2_U", "--config", config, "--class", "unmerged",
                "--confirmed")
    assert found.returncode == 0, found.stderr
    assert [line.split("\t")[:3] for line in found.stdout.splitlines()] == \
        [["unmerged", lfn, "11"] for lfn in UNMERGED_OLD]
    hist = cli("history", "--site", "T2_U", "--config", config).stdout.splitlines()
    header = hist[0].split()
    assert header[header.index("unmerged") - 1] == "empty_dirs"
    prom = tmp_path / "t2_u.prom"
    assert cli("run", "--site", "T2_U", "--config", config, "--metrics", prom).returncode == 0
    assert 'consistency_findings{class="unmerged",site="T2_U"} 4.0' in prom.read_text()
    assert 'consistency_confirmed_findings{class="unmerged",site="T2_U"} 4.0' in prom.read_text()
    assert cli("report", "--config", config, "--output", tmp_path / "www").returncode == 0
    page = (tmp_path / "www" / "index.html").read_text()
    assert 'class="unmerged warm" data-value="4"' in page


def test_unmerged_files_are_gated_by_the_orphan_limits(tmp_path):
    config, _site = unmerged_site(tmp_path, unmerged_age=7, max_orphan=3)
    result = run_site("T2_U", config=str(config), act=True, reporters={"q": QueueReporter()})
    assert not result.gates.passed
    assert result.gates.reasons == ("unmerged 4 > max_orphan 3",)  # 3 orphans pass
    assert result.reporters["q"].startswith("skipped: safety gates: unmerged 4")


def test_diff_of_dumps_finds_them_too(tmp_path):
    config, site = unmerged_site(tmp_path, unmerged_age=7)
    cfg = config_mod.load(str(config)).site("T2_U")
    listing = tmp_path / "listing.txt"
    list_site(cfg, str(listing))
    result = diff_dumps(cfg, str(site.dump), str(listing))
    assert result.findings.unmerged == [(lfn, 11) for lfn in UNMERGED_OLD]
    assert [lfn for lfn, _ in result.findings.orphan] == sorted(site.orphan)  # young: not reported
