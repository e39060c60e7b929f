"""The outputs operators read besides the finding lists: missing files by dataset and block,
storage use per top directory, per-site log files rotated by run. A real posix site tree and
a dump inventory, through the `consistency run` command."""
from __future__ import annotations

import json
from pathlib import Path

from core_helpers import age_dirs, consistency, make_file, write_config

A = "/store/mc/Era1/PrimA/AODSIM/Proc-v1/0000"  # dataset /PrimA/Era1-Proc-v1/AODSIM
B = "/store/data/Era2/PrimB/RAW/Proc-v2/0001"   # dataset /PrimB/Era2-Proc-v2/RAW


def site_with_missing(tmp: Path):
    site = tmp / "site"
    inv = []
    for i in range(3):
        make_file(site, f"{A}/a{i}.root", 10 + i)
        inv.append((f"{A}/a{i}.root", 10 + i))
    make_file(site, f"{B}/b0.root", 1000)
    inv.append((f"{B}/b0.root", 1000))
    inv += [(f"{A}/gone{i}.root", 100 * (i + 1)) for i in range(2)]  # 2 missing, 300 bytes
    inv.append((f"{B}/gone.root", 7))  # 1 missing, 7 bytes
    inv.append(("/store/user/x/gone.root", 5))  # no CMS dataset: "-"
    make_file(site, "/store/user/x/dark.root", 40)  # an orphan: listed, not in the inventory
    age_dirs(site)
    dump = tmp / "inventory.txt"
    dump.write_text("".join(f"{lfn} {size}\n" for lfn, size in inv))
    return site, dump


def test_missing_datasets_and_storage_usage(tmp_path):
    site, dump = site_with_missing(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump, output=str(tmp_path / "out"))
    consistency("run", "--site", "T2_TEST", "--config", cfg, check_rc=0)
    out = tmp_path / "out"
    lines = (out / "T2_TEST_missing_datasets.txt").read_text().splitlines()
    assert lines == ["# dataset\tblock\tmissing files\tmissing bytes",
                     "-\t-\t1\t5",
                     "/PrimA/Era1-Proc-v1/AODSIM\t-\t2\t300",
                     "/PrimB/Era2-Proc-v2/RAW\t-\t1\t7"]
    storage = json.loads((out / "T2_TEST_storage.json").read_text())
    assert storage["site"] == "T2_TEST"
    by_path = {d["path"]: (d["listed"], d["inventory"]) for d in storage["directories"]}
    assert by_path == {
        "/store": ({"files": 5, "bytes": 33 + 1000 + 40}, {"files": 8, "bytes": 33 + 1000 + 312}),
        "/store/data": ({"files": 1, "bytes": 1000}, {"files": 2, "bytes": 1007}),
        "/store/mc": ({"files": 3, "bytes": 33}, {"files": 5, "bytes": 333}),
        "/store/user": ({"files": 1, "bytes": 40}, {"files": 1, "bytes": 5}),
    }


def test_storage_usage_per_configured_directory(tmp_path):
    site, dump = site_with_missing(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump, output=str(tmp_path / "out"),
                       directories=["mc", "data"])
    consistency("run", "--site", "T2_TEST", "--config", cfg, check_rc=0)
    storage = json.loads((tmp_path / "out" / "T2_TEST_storage.json").read_text())
    assert [(d["path"], d["listed"]["files"], d["inventory"]["files"])
            for d in storage["directories"]] == [("/store/mc", 3, 5), ("/store/data", 1, 2)]


def test_site_log_files_are_rotated_by_run(tmp_path):
    site, dump = site_with_missing(tmp_path)
    cfg = write_config(tmp_path / "c.toml", site, dump, output=str(tmp_path / "out"),
                       log_dir="logs", log_keep=2)
    logs = tmp_path / "logs"  # relative to the config file's directory
    started = []  # each run's "run started by pid N" line, from its stderr
    for _run in range(4):
        res = consistency("run", "--site", "T2_TEST", "--config", cfg, check_rc=0)
        text = (logs / "T2_TEST.log").read_text()
        # this run's log holds this run only: its lines are the command's own log lines
        assert text.splitlines() and set(text.splitlines()) <= set(res.stderr.splitlines())
        assert text.count("run started by pid") == 1 and "T2_TEST: run ended" in text
        started.append(next(line.split("INFO ", 1)[1] for line in text.splitlines()
                            if "run started by pid" in line))
    assert sorted(p.name for p in logs.iterdir()) == \
        ["T2_TEST.log", "T2_TEST.log.1", "T2_TEST.log.2"]  # log_keep earlier runs, no more
    for name, run in (("T2_TEST.log", 3), ("T2_TEST.log.1", 2), ("T2_TEST.log.2", 1)):
        assert started[run] in (logs / name).read_text(), name


def test_unwritable_log_dir_is_one_line_naming_the_key(tmp_path):
    site, dump = site_with_missing(tmp_path)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a directory")
    cfg = write_config(tmp_path / "c.toml", site, dump, output=str(tmp_path / "out"),
                       log_dir=str(blocker / "logs"))
    res = consistency("run", "--site", "T2_TEST", "--config", cfg)
    assert res.returncode != 0
    assert "log_dir" in res.stderr and str(blocker) in res.stderr
    assert "Traceback" not in res.stderr
