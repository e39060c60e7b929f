"""Metrics through prometheus_client: the textfile read back with prometheus_client's own
parser (one series per site when a fleet shares the file), and a push to a real
Pushgateway (Debian's prometheus-pushgateway on a free loopback port)."""
import random
import socket
import subprocess
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from consistency_core.testing import sitegen

from operations_helpers import cli, generated_config

PUSHGATEWAY = "/usr/bin/prometheus-pushgateway"


def samples(text):
    out = {}
    for family in text_string_to_metric_families(text):
        assert family.type == "gauge", family.name
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def pushgateway(tmp_path):
    port = free_port()
    proc = subprocess.Popen([PUSHGATEWAY, f"--web.listen-address=127.0.0.1:{port}",
                             f"--persistence.file={tmp_path / 'pg.data'}"],
                            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "pg.log", "w"))
    url = f"http://127.0.0.1:{port}"
    while True:  # wait for it to answer; a gateway that dies fails the fixture
        try:
            urllib.request.urlopen(url + "/-/ready", timeout=5).close()
            break
        except OSError:  # not listening yet
            assert proc.poll() is None, (tmp_path / "pg.log").read_text()
            try:
                proc.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                pass
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def two_sites(tmp_path):
    sites = {}
    for name in ("T1_A", "T2_B"):
        gen = (tmp_path / name, tmp_path / f"{name}.txt")
        expected = sitegen.generate(*gen, seed=random.Random(name).randrange(1 << 30),
                                    n_files=120, n_missing=2 + len(sites), n_orphan=1)
        sites[name] = (*gen, expected)
    return sites


def test_fleet_metrics_file_has_one_series_per_site(tmp_path, two_sites):
    config = generated_config(tmp_path, two_sites)
    prom = tmp_path / "node_exporter" / "consistency.prom"
    for name in two_sites:
        proc = cli("run", "--site", name, "--config", config, "--metrics", prom)
        assert proc.returncode == 0, proc.stderr
    m = samples(prom.read_text())
    for name, (_d, _i, expected) in two_sites.items():
        site = ("site", name)
        assert m[("consistency_findings", (("class", "missing"), site))] == len(expected.missing)
        assert m[("consistency_run_status", (site, ("status", "completed")))] == 1
        assert m[("consistency_site_acting", (site,))] == 0  # new sites start dry
    # a failed run replaces its own site's series only
    proc = cli("run", "--site", "T1_A", "--config", config, "--metrics", prom,
               "--inventory-url", tmp_path / "nope.txt")
    assert proc.returncode == 1
    m = samples(prom.read_text())
    assert m[("consistency_run_status", (("site", "T1_A"), ("status", "failed")))] == 1
    assert ("consistency_findings", (("class", "missing"), ("site", "T1_A"))) not in m
    assert m[("consistency_findings", (("class", "missing"), ("site", "T2_B")))] == \
        len(two_sites["T2_B"][2].missing)


def test_push_to_a_real_pushgateway(tmp_path, two_sites, pushgateway):
    config = generated_config(tmp_path, two_sites, metrics_push_url=pushgateway)
    for name in two_sites:
        proc = cli("run", "--site", name, "--config", config)
        assert proc.returncode == 0, proc.stderr
    with urllib.request.urlopen(pushgateway + "/metrics", timeout=30) as resp:
        m = samples_of_gateway(resp.read().decode())
    for name, (_d, _i, expected) in two_sites.items():
        labels = (("class", "orphan"), ("instance", ""), ("job", "consistency"), ("site", name))
        assert m[("consistency_findings", labels)] == len(expected.orphan)


def samples_of_gateway(text):
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_a_down_pushgateway_is_one_error_line_and_the_run_stands(tmp_path, two_sites):
    nobody = f"http://127.0.0.1:{free_port()}"
    config = generated_config(tmp_path, two_sites, metrics_push_url=nobody)
    proc = cli("run", "--site", "T1_A", "--config", config)
    assert proc.returncode == 0, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "metrics_push_url" in line]
    assert len(errors) == 1 and "cannot push" in errors[0]
