"""Which dataset an LFN belongs to, when the catalog has no row for it (an orphan).

Another experiment plugs in its own rule with the site key
``dynamo_dataset_from_lfn = "module:function"`` (or ``dataset_from_lfn=`` when embedding):
a function of the LFN returning the dataset name, or None when it cannot tell.
"""
from __future__ import annotations


def cms_dataset(lfn: str) -> str | None:
    """CMS: ``/store/<type>/<era>/<primary>/<tier>/<processed>/.../file`` belongs to the dataset
    ``/<primary>/<era>-<processed>/<tier>``. None for a path that does not follow it."""
    parts = lfn.split("/")
    # '', 'store', type, era, primary, tier, processed, ..., file name
    if len(parts) < 8 or parts[0] or parts[1] != "store" or not all(parts[2:7]):
        return None
    _type, era, primary, tier, processed = parts[2:7]
    return f"/{primary}/{era}-{processed}/{tier}"
