"""The static report, rendered by a real headless Chromium (Debian's), read back from the DOM;
and the Prometheus metrics file of a run."""
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

from consistency_core.testing import sitegen

from consistency_core.testing.backends import run_cli as cli
from consistency_core.testing.sites import generated_config, small_site

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def render_dom(url, tmp_path) -> str:
    proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'chromium'}",
                           "--dump-dom", url], capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


class Tables(HTMLParser):
    """Rows of every table in a DOM: (tr attributes, [(td attributes, text)])."""

    def __init__(self):
        super().__init__()
        self.rows, self.row, self.cell, self.svg_lines = [], None, None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self.row = (attrs, [])
        elif tag in ("td", "th") and self.row is not None:
            self.cell = [attrs, ""]
        elif tag == "polyline":
            self.svg_lines.append(attrs)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row[1].append((self.cell[0], self.cell[1].strip()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[1] += data


def parse(dom):
    p = Tables()
    p.feed(dom)
    return p


def test_report_renders_in_chromium_with_the_right_numbers(tmp_path, seed):
    gen = (tmp_path / "site", tmp_path / "inv.txt")
    expected = sitegen.generate(*gen, seed=seed, n_files=300, n_missing=4, n_orphan=3,
                                n_size_mismatch=1, n_empty=1)
    clean = small_site(tmp_path / "clean", missing=0, orphan=0)
    sites = {"T1_GEN": (*gen, expected), "T2_CLEAN": (clean.storage, clean.dump, expected),
             "T3_HALTED": (clean.storage, clean.dump, expected)}
    config = generated_config(tmp_path, sites)
    for site in ("T1_GEN", "T1_GEN", "T2_CLEAN"):
        assert cli("run", "--site", site, "--config", config).returncode == 0
    assert cli("status", "set", "T3_HALTED", "halt", "--config", config).returncode == 0
    out = tmp_path / "report"
    proc = cli("report", "--config", config, "--output", out)
    assert proc.returncode == 0, proc.stderr

    summary = json.loads((tmp_path / "results" / "T1_GEN_summary.json").read_text())
    dom = parse(render_dom((out / "index.html").as_uri(), tmp_path))
    header = [text for _a, text in dom.rows[0][1]]
    assert header[:3] == ["site", "state", "mode"] and "missing" in header
    body = {row[0]["data-site"]: row for row in dom.rows[1:]}
    assert set(body) == set(sites)

    def cell(site, cls):
        return next(c for c in body[site][1] if cls in c[0].get("class", "").split())

    assert body["T1_GEN"][0]["class"] == "warn"
    assert body["T2_CLEAN"][0]["class"] == "ok"
    assert body["T3_HALTED"][0]["class"] == "off"
    assert cell("T3_HALTED", "state")[1] == "halted"
    assert cell("T1_GEN", "status")[1] == "completed"
    assert int(cell("T1_GEN", "files")[0]["data-value"]) == summary["listing"]["files"]
    for cls, n in (("missing", len(expected.missing)), ("orphan", len(expected.orphan)),
                   ("size_mismatch", len(expected.size_mismatch)),
                   ("empty_dirs", len(expected.empty_dirs)),
                   ("confirmed_missing", len(expected.missing)), ("unlisted", 0)):
        assert int(cell("T1_GEN", cls)[0]["data-value"]) == n, cls
    missing_bytes = summary["counts"]["missing_bytes"]
    assert cell("T1_GEN", "missing")[1].startswith(f"{len(expected.missing)} (")
    assert str(missing_bytes) in cell("T1_GEN", "missing")[1] or "kB" in cell("T1_GEN", "missing")[1]
    assert int(cell("T2_CLEAN", "missing")[0]["data-value"]) == 0
    assert cell("T2_CLEAN", "gates")[1] == "passed"

    page = parse(render_dom((out / "sites" / "T1_GEN.html").as_uri(), tmp_path))
    runs = [row for row in page.rows if row[1] and row[1][0][1].isdigit()]
    assert len(runs) == 2 and [r[1][3][1] for r in runs] == ["completed", "completed"]
    assert {line["class"] for line in page.svg_lines} == {"missing", "orphan", "listing_seconds"}
    listed = (out / "sites" / "T1_GEN" / "missing.txt").read_text().split()
    assert sorted(listed) == sorted(expected.missing)


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"'
                    r'(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*)?\})? (-?[0-9.e+]+|NaN|[+-]Inf)$')


def parse_metrics(text):
    """Strict reading of the text exposition format: HELP and TYPE before each family."""
    seen_type, samples = {}, {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _h, _t, name, kind = line.split()
            assert kind in ("gauge", "counter") and name not in seen_type
            seen_type[name] = kind
            continue
        m = SAMPLE.match(line)
        assert m, line
        assert m.group(1) in seen_type, line
        labels = dict(re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        samples[(m.group(1), tuple(sorted(labels.items())))] = float(m.group(7))
    return samples


def test_metrics_file_in_prometheus_text_format(tmp_path, seed):
    gen = (tmp_path / "site", tmp_path / "inv.txt")
    expected = sitegen.generate(*gen, seed=seed, n_files=200, n_missing=3, n_orphan=2)
    config = generated_config(tmp_path, {"GEN": (*gen, expected)})
    prom = tmp_path / "metrics" / "gen.prom"
    proc = cli("run", "--site", "GEN", "--config", config, "--metrics", prom)
    assert proc.returncode == 0, proc.stderr
    m = parse_metrics(prom.read_text())
    summary = json.loads((tmp_path / "results" / "GEN_summary.json").read_text())
    site = (("site", "GEN"),)
    assert m[("consistency_findings", (("class", "missing"), *site))] == len(expected.missing)
    assert m[("consistency_findings", (("class", "orphan"), *site))] == len(expected.orphan)
    assert m[("consistency_listed_files", site)] == summary["listing"]["files"]
    assert m[("consistency_run_status", (*site, ("status", "completed")))] == 1
    assert m[("consistency_run_status", (*site, ("status", "failed")))] == 0
    assert m[("consistency_gates_passed", site)] == 1
    assert m[("consistency_phase_duration_seconds", (("phase", "listing"), *site))] >= 0

    proc = cli("run", "--site", "GEN", "--config", config, "--metrics", prom,
               "--inventory-url", tmp_path / "nope.txt")
    assert proc.returncode == 1
    m = parse_metrics(prom.read_text())
    assert m[("consistency_run_status", (*site, ("status", "failed")))] == 1
