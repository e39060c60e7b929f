"""consistency-xrootd: the ``xrootd`` lister (root:// sites, one dirlist per directory).

See :mod:`consistency_xrootd.lister` for how a site is listed and
:mod:`consistency_xrootd.doors` for how requests are spread over several servers.
"""
