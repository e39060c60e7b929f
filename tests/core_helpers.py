"""Old names for tests written before the test kit; new tests import consistency_core.testing.
Only aliases (same behaviour as before: the CLI in a child process). Remove once unused."""
from consistency_core.testing.results import read_results
from consistency_core.testing.runner import PROGRAM
from consistency_core.testing.runner import run_process as consistency  # noqa: F401
from consistency_core.testing.sites import OLD, age_dirs, make_file, planted_site  # noqa: F401
from consistency_core.testing.sites import planted_config as write_config  # noqa: F401

VENV_BIN = PROGRAM.parent


def results(out, site: str = "T2_TEST") -> dict:
    return read_results(out, site)
