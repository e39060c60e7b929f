"""Old names for tests written before the test kit; new tests import consistency_core.testing.
Only aliases (same behaviour as before: the CLI in a child process). Remove once unused."""
from consistency_core.testing.backends import run_process as cli  # noqa: F401
from consistency_core.testing.backends import start_process as cli_background  # noqa: F401
from consistency_core.testing.sites import (OLD, SmallSite, generated_config,  # noqa: F401
                                            small_site)
from consistency_core.testing.sites import small_site_config as site_config  # noqa: F401
from consistency_core.testing.sites import small_sites_config as write_config  # noqa: F401
