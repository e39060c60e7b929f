"""Which dataset an LFN belongs to, when the catalog has no row for it (an orphan).

Another experiment plugs in its own rule with the site key
``dynamo_dataset_from_lfn = "module:function"`` (or ``dataset_from_lfn=`` when embedding):
a function of the LFN returning the dataset name, or None when it cannot tell.
"""
from __future__ import annotations

from consistency_core.datasets import cms_dataset  # noqa: F401  (the one rule, kept in the core)


