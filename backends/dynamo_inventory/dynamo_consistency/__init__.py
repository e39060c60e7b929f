"""Compatibility with dynamo-consistency 2.12's Python API, over ``consistency_core``.

The upstream introduction's example runs unchanged::

    from dynamo_consistency import config, datatypes, remotelister, inventorylister

    config.LOCATION = '/path/to/config.json'
    inventory_listing = inventorylister.listing(site)
    remote_listing = remotelister.listing(site)
    datatypes.compare(inventory_listing, remote_listing, 'results')

It writes ``results_missing.txt`` and ``results_orphan.txt``. The listings are made by the
site's configured inventory and lister backends and compared by consistency_core's rules;
either ``listing`` function may be replaced by one returning a
:class:`datatypes.DirectoryInfo` built by other means. Only this surface is provided: runs
with locks, history, confirmation and reporters are ``consistency run`` (or ``run_site``).
"""
__version__ = "2.12.0+consistency"
__all__ = ["config", "datatypes", "inventorylister", "remotelister"]
