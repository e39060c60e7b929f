"""Security basics, tested on the real thing: markup in names renders inert in the HTML
report (headless Chromium, with a script that would leave a mark if it ran), database
passwords never reach a file, log, metric, history row or page, result and state files are
owner-and-group only, and the source has no shell strings and no SQL built from values."""
from __future__ import annotations

import ast
import os
import shutil
import stat
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from consistency_core.backends.posix import PosixLister
from consistency_core.hookspecs import hookimpl
from consistency_core.model import ErrorKind, ListingError
from consistency_core.testing.configs import write_config
from consistency_core.testing.runner import run_cli, run_process
from consistency_core.testing.sites import OLD, small_site, small_sites_config

REPO = Path(__file__).resolve().parent.parent
SITE = "T2_E"
# if this ever ran as script, the page's <body> would carry data-pwned and its title change
PAYLOAD = "<img src=x onerror=\"document.body.setAttribute('data-pwned',1);document.title='pwned'\">"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


# -- markup in names ------------------------------------------------------------------------
class DeniedPosixLister(PosixLister):
    """The posix lister, refusing (permission denied) directories whose name holds "deny":
    running as root, chmod cannot make a directory unreadable."""

    def list_dir(self, lfn, timeout):
        if "deny" in lfn.rsplit("/", 1)[-1]:
            raise ListingError(ErrorKind.PERMISSION, f"{lfn}: Permission denied", retry=False)
        return super().list_dir(lfn, timeout)


class DeniedPlugin:
    @hookimpl
    def register_listers(self, register):
        register("deniedposix", DeniedPosixLister)


class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.text, self.title = [], [], "", None
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [name for name, _v in attrs]
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        self.text += data
        if self._in_title:
            self.title = data


def rendered(path: Path, tmp_path) -> Dom:
    proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'chromium'}",
                           "--virtual-time-budget=2000", "--dump-dom", path.as_uri()],
                          capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = Dom()
    dom.feed(proc.stdout)
    return dom


def test_markup_in_names_and_reasons_renders_inert_in_chromium(tmp_path):
    site = small_site(tmp_path / SITE)
    site.put(f"/store/data/d00/{PAYLOAD}.root", 5)  # an orphan named like markup
    site.put(f"/store/data/{PAYLOAD}ok/f.root", 6)  # a listed directory named like markup
    site.put(f"/store/data/{PAYLOAD}deny/g.root", 7)  # unlisted: its name is in a gate reason
    for path, _dirs, _files in os.walk(site.storage):
        os.utime(path, (OLD, OLD))
    config = small_sites_config(tmp_path / "c.toml", {SITE: site}, lister="deniedposix",
                                output=str(tmp_path / "results"),
                                state_dir=str(tmp_path / "state"), max_orphan_fraction=0.9)
    proc = run_cli("run", "--site", SITE, "--config", config, plugins=[DeniedPlugin()])
    assert proc.returncode == 0, proc.stderr
    orphans = (tmp_path / "results" / f"{SITE}_orphan.txt").read_text()
    assert f"/store/data/d00/{PAYLOAD}.root" in orphans
    report = tmp_path / "report"
    proc = run_cli("report", "--config", config, "--output", report, plugins=[DeniedPlugin()])
    assert proc.returncode == 0, proc.stderr

    page = rendered(report / "sites" / f"{SITE}.html", tmp_path)
    assert f"first: /store/data/{PAYLOAD}deny" in page.text  # the reason, shown as text
    pages = [report / "index.html", *sorted((report / "sites" / SITE).glob("*.txt"))]
    doms = [page] + [rendered(p, tmp_path) for p in pages]
    assert any(f"{PAYLOAD}.root" in d.text for d in doms[2:])  # the lists, shown as text
    for dom in doms:
        assert "img" not in dom.tags and "data-pwned" not in dom.attrs
        assert dom.title != "pwned"


# -- passwords --------------------------------------------------------------------------------
SECRET = "Zq9-xW7-s3cr3t"


@pytest.fixture
def history_user(mariadb_server):
    """A MariaDB user whose password is distinctive enough to search every byte for."""
    db = mariadb_server.database
    mariadb_server.root_sql(
        f"CREATE USER IF NOT EXISTS 'histuser'@'127.0.0.1' IDENTIFIED BY '{SECRET}';"
        f"GRANT ALL ON `{db}`.* TO 'histuser'@'127.0.0.1'; FLUSH PRIVILEGES;")
    return (f"mysql://histuser:{SECRET}@127.0.0.1:{mariadb_server.port}/{db}",
            f"mysql://histuser:{SECRET}@127.0.0.1:{mariadb_server.port}/no_such_db")


def database_text(mariadb_server) -> str:
    conn = mariadb_server.connect()
    out = []
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW TABLES")
            for (table,) in cur.fetchall():
                cur.execute(f"SELECT * FROM `{table}`")  # a table name from SHOW TABLES
                out += [repr(row) for row in cur.fetchall()]
    finally:
        conn.close()
    return "\n".join(out)


def test_database_passwords_never_leave_the_config(tmp_path, mariadb_server, history_user):
    good, bad = history_user
    site = small_site(tmp_path / SITE)
    config = small_sites_config(tmp_path / "c.toml", {SITE: site}, history_url=good,
                                output=str(tmp_path / "results"),
                                state_dir=str(tmp_path / "state"), max_orphan_fraction=0.9)
    told = []
    for args in (("-v", "run", "--site", SITE, "--config", config,
                  "--metrics", tmp_path / "metrics" / "run.prom"),
                 ("-v", "run", "--site", SITE, "--config", config, "--act"),
                 ("-v", "history", "--site", SITE, "--config", config),
                 ("-v", "status", "--config", config),
                 ("-v", "report", "--config", config, "--output", tmp_path / "report")):
        proc = run_process(*args)
        assert proc.returncode == 0, proc.stderr
        told += [proc.stdout, proc.stderr]
    broken = small_sites_config(tmp_path / "broken.toml", {SITE: site}, history_url=bad,
                                output=str(tmp_path / "results"),
                                state_dir=str(tmp_path / "state"))
    proc = run_process("-v", "run", "--site", SITE, "--config", broken)
    assert proc.returncode != 0 and "no_such_db" in proc.stderr
    told += [proc.stdout, proc.stderr]
    dynamo = write_config(tmp_path / "dynamo.toml", {SITE: {
        "lister": "posix", "url": str(site.storage), "root": "/store", "inventory": "dynamo",
        "inventory_url": good, "output": str(tmp_path / "results"),
        "state_dir": str(tmp_path / "state2")}})
    proc = run_process("-v", "run", "--site", SITE, "--config", dynamo)
    assert proc.returncode != 0 and "must not hold a password" in proc.stderr
    told += [proc.stdout, proc.stderr]

    assert SECRET not in "".join(told)
    configs = {config, broken, dynamo}
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p not in configs
             and "chromium" not in p.parts]
    assert any(p.name == f"{SITE}_summary.json" for p in files)
    assert any(p.suffix == ".prom" for p in files) and any(p.suffix == ".html" for p in files)
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path
    rows = database_text(mariadb_server)
    assert SITE in rows  # the history's runs are there, and hold no password
    assert SECRET not in rows


# -- file modes -------------------------------------------------------------------------------
def test_result_and_state_files_are_owner_and_group_only(tmp_path):
    site = small_site(tmp_path / SITE)
    config = small_sites_config(tmp_path / "c.toml", {SITE: site},
                                output=str(tmp_path / "results"),
                                state_dir=str(tmp_path / "state"), max_orphan_fraction=0.9)
    for args in (("run", "--site", SITE, "--config", config,
                  "--metrics", tmp_path / "metrics" / "run.prom"),
                 ("report", "--config", config, "--output", tmp_path / "report")):
        proc = run_process(*args, umask=0o002)  # a permissive umask does not widen them
        assert proc.returncode == 0, proc.stderr
    ours = [tmp_path / d for d in ("results", "state", "metrics", "report")]
    seen = 0
    for top in ours:
        for path in [top, *top.rglob("*")]:
            if path.is_symlink():
                continue
            mode = stat.S_IMODE(path.stat().st_mode)
            want = 0o750 if path.is_dir() else 0o640
            assert mode == want, f"{path}: {oct(mode)}"
            seen += 1
    assert (tmp_path / "state" / "history.sqlite").exists() and seen > 20


# -- the source -------------------------------------------------------------------------------
SOURCE_DIRS = [REPO / "consistency_core", *sorted(REPO.glob("backends/*/consistency_*"))]
SQL_START = ("SELECT ", "INSERT ", "UPDATE ", "DELETE ", "REPLACE ", "CREATE ", "ALTER ",
             "DROP ")
PLACEHOLDERS = {"in_list", "placeholders"}  # build "%s, %s, ..." for an IN (...) list


def python_files(dirs=None):
    for top in dirs or [REPO]:
        for path in sorted(top.rglob("*.py")):
            if not {".venv", "build", ".git"} & set(path.parts):
                yield path


def test_no_shell_strings_anywhere():
    offenders = []
    for path in python_files():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "shell" and not (
                    isinstance(node.value, ast.Constant) and node.value.value is False):
                offenders.append(f"{path}:{node.value.lineno}: shell=")
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                    node.value.id == "os" and node.attr in ("system", "popen"):
                offenders.append(f"{path}:{node.lineno}: os.{node.attr}")
    assert offenders == []


def _looks_like_sql(text: str) -> bool:
    return text.lstrip().upper().startswith(SQL_START)


def _parameters(func) -> set[str]:
    a = func.args
    names = {x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs)}
    names |= {x.arg for x in (a.vararg, a.kwarg) if x is not None}
    return names - {"self", "cls"}


def _values_in(expr: ast.AST, params: set[str]) -> list[str]:
    """Parameters (values handed in) an interpolated expression uses, outside a
    placeholder-list call."""
    if isinstance(expr, ast.Call) and getattr(expr.func, "id", None) in PLACEHOLDERS:
        return []
    return [n.id for n in ast.walk(expr) if isinstance(n, ast.Name) and n.id in params]


def sql_built_from_values(source: str, where: str = "<source>") -> list[str]:
    """SQL text built with % from anything, or with f-strings / .format from a function's
    parameters (values); a placeholder list (in_list(values)) and identifiers made from
    constants are allowed."""
    found = []
    tree = ast.parse(source, where)
    funcs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    owner = {}
    for func in funcs:
        for node in ast.walk(func):
            owner.setdefault(id(node), func)  # innermost wins: walk order is outer first
            owner[id(node)] = func
    for node in ast.walk(tree):
        params = _parameters(owner[id(node)]) if id(node) in owner else set()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and \
                isinstance(node.left, ast.Constant) and isinstance(node.left.value, str) and \
                _looks_like_sql(node.left.value):
            found.append(f"{where}:{node.lineno}: SQL built with %")
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            if _looks_like_sql(text):
                for value in node.values:
                    if isinstance(value, ast.FormattedValue) and _values_in(value.value, params):
                        found.append(f"{where}:{node.lineno}: f-string SQL with "
                                     f"{_values_in(value.value, params)}")
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "format" and \
                isinstance(node.func.value, ast.Constant) and \
                isinstance(node.func.value.value, str) and _looks_like_sql(node.func.value.value):
            for arg in node.args:
                if _values_in(arg, params):
                    found.append(f"{where}:{node.lineno}: .format SQL with values")
    return found


def test_the_sql_check_catches_sql_built_from_values():
    bad = ("def f(cur, lfn, n):\n"
           "    cur.execute(f\"SELECT id FROM files WHERE name = '{lfn}'\")\n"
           "    cur.execute(\"DELETE FROM files WHERE id = %d\" % n)\n"
           "    cur.execute(\"SELECT 1 FROM t WHERE a = '{}'\".format(lfn))\n")
    assert len(sql_built_from_values(bad)) == 3
    good = ("def f(cur, lfns):\n"
            "    cur.execute(f\"SELECT id FROM files WHERE name IN ({in_list(lfns)})\", lfns)\n")
    assert sql_built_from_values(good) == []


def test_sql_is_parameterised_only():
    found = []
    for path in python_files(SOURCE_DIRS):
        found += sql_built_from_values(path.read_text(), str(path.relative_to(REPO)))
    assert found == []
