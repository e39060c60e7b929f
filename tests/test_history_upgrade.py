"""The history's schema evolves by Alembic migrations: a database written by release 0.1.0
upgrades in place with every run and finding kept (SQLite and the real MariaDB); an old
database is refused until upgraded, a newer one refused outright, each in one line."""
import sqlite3

import pytest

from consistency_core import migrations
from consistency_core.history import History, HistoryError

from history_0_1_0 import ddl, fill
from operations_helpers import cli

CONFIG = """[defaults]
lister = "posix"
inventory = "dump"
history_url = "{url}"

[sites.T2_OLD]
url = "/nonexistent"
inventory_url = "/nonexistent.txt"
"""


def check_kept(history, written):
    runs = {run.id: run for run in history.runs("T2_OLD")}
    assert set(runs) == set(written)
    for run_id, (counts, rows) in written.items():
        run = runs[run_id]
        assert run.status == "completed" and run.mode == ""
        assert {k: run.counts[k] for k in counts} == counts
        assert history.findings(run_id) == [(c, lfn, size, bool(conf))
                                            for c, lfn, size, conf in rows]
    assert history.state("T2_OLD") == ("ready", "act")  # the site's mode is kept


def upgrade_and_check(tmp_path, url, written):
    config = tmp_path / "c.toml"
    config.write_text(CONFIG.format(url=url))
    with pytest.raises(HistoryError) as refused:
        History(url)
    assert "\n" not in str(refused.value) and "consistency history upgrade" in str(refused.value)
    proc = cli("history", "--config", config, "--site", "T2_OLD")
    assert proc.returncode == 1 and "history upgrade" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr

    proc = cli("history", "upgrade", "--config", config)
    assert proc.returncode == 0, proc.stderr
    assert f"history schema {migrations.BASELINE} -> {migrations.head()}" in proc.stdout
    history = History(url)
    try:
        check_kept(history, written)
    finally:
        history.close()
    again = cli("history", "upgrade", "--config", config)
    assert again.returncode == 0 and "up to date" in again.stdout
    shown = cli("history", "--config", config, "--site", "T2_OLD")
    assert shown.returncode == 0 and len(shown.stdout.splitlines()) == 1 + len(written)


def test_sqlite_history_of_0_1_0_upgrades_in_place(tmp_path):
    path = tmp_path / "state" / "history.sqlite"
    path.parent.mkdir()
    db = sqlite3.connect(path)
    for sql in ddl(mysql=False):
        db.execute(sql)
    written = fill(db.cursor(), "?")
    db.commit()
    db.close()
    upgrade_and_check(tmp_path, f"sqlite:///{path}", written)


def test_mariadb_history_of_0_1_0_upgrades_in_place(tmp_path, mariadb_server):
    conn = mariadb_server.connect()
    with conn.cursor() as cur:
        for sql in ddl(mysql=True):
            cur.execute(sql)
        written = fill(cur, "%s")
    conn.close()
    upgrade_and_check(tmp_path, mariadb_server.url_with_password, written)


def test_a_newer_schema_is_refused_in_one_line(tmp_path):
    url = f"sqlite:///{tmp_path}/h.sqlite"
    History(url).close()
    db = sqlite3.connect(tmp_path / "h.sqlite")
    db.execute("UPDATE alembic_version SET version_num = '9999'")
    db.commit()
    db.close()
    with pytest.raises(HistoryError) as refused:
        History(url)
    message = str(refused.value)
    assert "\n" not in message and "9999" in message and "newer" in message
    assert message.startswith(str(tmp_path / "h.sqlite"))


def test_a_fresh_history_is_at_the_head(tmp_path):
    history = History(f"sqlite:///{tmp_path}/h.sqlite")
    history.close()
    db = sqlite3.connect(tmp_path / "h.sqlite")
    assert db.execute("SELECT version_num FROM alembic_version").fetchall() == \
        [(migrations.head(),)]
    columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    assert "mode" in columns
    db.close()
