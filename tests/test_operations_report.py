"""The static report, rendered by a real headless Chromium (Debian's), read back from the DOM;
and the Prometheus metrics file of a run."""
import json
import re
import shutil
import subprocess
from html import unescape
from html.parser import HTMLParser

from consistency_core.history import History
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


def chromium(tmp_path, *args) -> str:
    proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'chromium'}", *args],
                          capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def screenshot(tmp_path, page, name):
    """A full-page screenshot at 1280 px, kept under the test's tmp dir (CI artifact)."""
    shots = tmp_path / "screenshots"
    shots.mkdir(exist_ok=True)
    chromium(tmp_path, "--window-size=1280,1400", "--hide-scrollbars",
             f"--screenshot={shots / name}", page.as_uri())
    assert (shots / name).stat().st_size > 5000
    return shots / name


# Appended to a copy of a page: acts as a person would (types into the filter box, clicks a
# column header), runs the page's own inline script, and writes what it saw into the DOM
# that --dump-dom prints.
PROBE = """<script>
window.addEventListener("load", function () {
  var out = {scrollWidth: document.documentElement.scrollWidth, steps: {}};
  function visible() {
    return Array.prototype.filter.call(document.querySelectorAll("#overview tbody tr"),
      function (r) { return !r.hidden; }).map(function (r) { return r.getAttribute("data-site"); });
  }
  out.steps.initial = visible();
  var filter = document.getElementById("filter");
  if (filter) {
    out.filterShown = !filter.hidden;
    filter.value = "%(filter)s";
    filter.dispatchEvent(new Event("input"));
    out.steps.filtered = visible();
    filter.value = "";
    filter.dispatchEvent(new Event("input"));
    var th = document.querySelector('#overview th[data-key="%(column)s"]');
    th.click();
    out.steps.sortedDown = visible();
    th.click();
    out.steps.sortedUp = visible();
  }
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def probe(tmp_path, page, filter_text="", column="site"):
    copy = page.with_name("probe-" + page.name)
    copy.write_text(page.read_text().replace("</body>", PROBE % {"filter": filter_text,
                                                                  "column": column} + "</body>"))
    dom = chromium(tmp_path, "--window-size=1280,900", "--dump-dom", copy.as_uri())
    copy.unlink()
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return json.loads(unescape(found.group(1))), parse(dom)


def test_report_renders_in_chromium_with_the_right_numbers(tmp_path, seed):
    gen = (tmp_path / "site", tmp_path / "inv.txt")
    expected = sitegen.generate(*gen, seed=seed, n_files=300, n_missing=4, n_orphan=3,
                                n_size_mismatch=1, n_empty=1)
    clean = small_site(tmp_path / "clean", missing=0, orphan=0)
    sites = {"T1_GEN": (*gen, expected), "T2_CLEAN": (clean.storage, clean.dump, expected),
             "T3_HALTED": (clean.storage, clean.dump, expected),
             "T0_NEVER": (clean.storage, clean.dump, expected),
             "T2_BROKEN": (clean.storage, tmp_path / "no-such-dump.txt", expected)}
    config = generated_config(tmp_path, sites)
    for site in ("T1_GEN", "T1_GEN", "T1_GEN", "T2_CLEAN", "T3_HALTED"):
        assert cli("run", "--site", site, "--config", config).returncode == 0
    history = History(f"sqlite:///{tmp_path}/state/history.sqlite")
    for run_id, days in ((1, 2), (2, 1)):  # nightly runs: the plots span days
        history._execute("UPDATE runs SET started = started - ?, finished = finished - ? "
                         "WHERE id = ?", (days * 86400, days * 86400, run_id)).close()
    history.close()
    assert cli("run", "--site", "T2_BROKEN", "--config", config).returncode == 1
    assert cli("status", "set", "T3_HALTED", "halt", "--config", config).returncode == 0
    out = tmp_path / "report"
    proc = cli("report", "--config", config, "--output", out)
    assert proc.returncode == 0, proc.stderr

    seen, dom = probe(tmp_path, out / "index.html", filter_text="t2_", column="missing")
    assert seen["scrollWidth"] <= 1280, seen
    # worst first: failed, findings, never run, clean, halted
    assert seen["steps"]["initial"] == ["T2_BROKEN", "T1_GEN", "T0_NEVER", "T2_CLEAN", "T3_HALTED"]
    assert seen["filterShown"] and seen["steps"]["filtered"] == ["T2_BROKEN", "T2_CLEAN"]
    assert seen["steps"]["sortedDown"][0] == "T1_GEN"  # most missing first
    assert seen["steps"]["sortedUp"][-1] == "T1_GEN"

    body = {row[0]["data-site"]: row for row in dom.rows if "data-site" in row[0]}
    assert [body[site][0]["class"] for site in seen["steps"]["initial"]] == \
        ["bad", "warn", "never", "ok", "off"]

    def cell(site, cls):
        return next(c for c in body[site][1] if cls in c[0].get("class", "").split())

    summary = json.loads((tmp_path / "results" / "T1_GEN_summary.json").read_text())
    assert cell("T3_HALTED", "state")[1].startswith("halted")
    assert cell("T1_GEN", "state")[1] == "readydry"  # state, then mode
    assert cell("T1_GEN", "status")[1].startswith("completed")
    assert cell("T2_BROKEN", "status")[1].startswith("failed")
    assert cell("T2_BROKEN", "age")[1] == "never"  # no complete run, however recent the failure
    assert cell("T0_NEVER", "status")[1] == "never run"
    assert int(cell("T1_GEN", "files")[0]["data-value"]) == summary["listing"]["files"]
    for cls in ("missing", "orphan", "size_mismatch", "empty_dirs", "unlisted", "unmerged"):
        assert int(cell("T1_GEN", cls)[0]["data-value"]) == summary["counts"][cls], cls
    assert int(cell("T1_GEN", "confirmed")[0]["data-value"]) == sum(summary["confirmed"].values())
    assert cell("T1_GEN", "missing")[1].startswith(f"{len(expected.missing)}")
    assert int(cell("T2_CLEAN", "missing")[0]["data-value"]) == 0
    assert cell("T2_CLEAN", "gates")[1] == "passed"

    # fleet totals: the sums of the last complete runs' summaries
    complete = [json.loads((tmp_path / "results" / f"{s}_summary.json").read_text())
                for s in ("T1_GEN", "T2_CLEAN", "T3_HALTED")]
    totals = {a["data-total"]: int(a["data-value"]) for row in dom.rows
              for a, _t in row[1] if "data-total" in a}
    assert totals["sites"] == len(sites)
    assert totals["files"] == sum(s["listing"]["files"] for s in complete)
    assert totals["bytes"] == sum(s["listing"]["bytes"] for s in complete)
    assert totals["missing"] == sum(s["counts"]["missing"] for s in complete)
    assert totals["orphan"] == sum(s["counts"]["orphan"] for s in complete)
    assert totals["confirmed"] == sum(sum(s["confirmed"].values()) for s in complete)
    assert totals["failing"] == 1
    index = (out / "index.html").read_text()
    for text in ("never run", "halted or disabled", "clean", "findings to look at", "failed"):
        assert text in index.split('id="legend"')[1].split("</p>")[0], text

    page_file = out / "sites" / "T1_GEN.html"
    seen, page = probe(tmp_path, page_file)
    assert seen["scrollWidth"] <= 1280, seen
    runs = [row for row in page.rows if row[1] and row[1][0][1].isdigit()]
    assert len(runs) == 3 and [r[1][3][1] for r in runs] == ["completed"] * 3
    assert {line["class"] for line in page.svg_lines} == {"missing", "orphan", "unlisted",
                                                          "listing_seconds"}
    text = page_file.read_text()
    assert text.count('class="ytick"') >= 4 * 2 and text.count('class="xtick"') >= 4
    assert f"<title>run {runs[0][1][0][1]}, " in text  # values on hover
    findings = [row for row in page.rows if row[1] and row[1][0][1] in expected.missing]
    assert sorted(r[1][0][1] for r in findings) == sorted(expected.missing)
    listed = (out / "sites" / "T1_GEN" / "missing.txt").read_text().split()
    assert sorted(listed) == sorted(expected.missing)

    broken = (out / "sites" / "T2_BROKEN.html").read_text()
    assert "no-such-dump.txt" in broken  # why it failed, on its page
    for name, page in (("index.png", out / "index.html"), ("T1_GEN.png", page_file),
                       ("T2_BROKEN.png", out / "sites" / "T2_BROKEN.html")):
        screenshot(tmp_path, page, name)


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
