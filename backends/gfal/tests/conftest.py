import os

import pytest


@pytest.fixture(autouse=True)
def _keep_xrd_environment():
    """The lister sets XRD_* defaults in os.environ (for XrdCl); give them back afterwards so
    other test modules see the environment they started with."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("XRD_")}
    yield
    for key in [k for k in os.environ if k.startswith("XRD_")]:
        if key not in saved:
            del os.environ[key]
    os.environ.update(saved)
