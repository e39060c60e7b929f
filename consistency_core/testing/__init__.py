"""The test kit, for this project's tests and for third-party backends' (docs/testing.md).

- :mod:`.sitegen`: synthetic CMS-like sites (a tree or two dumps) with planted problems, and
  what a correct check must report (``generate``, ``generate_dumps``, ``Expected``).
- :mod:`.runner`: the command line in-process (``run_cli``) or in a child process
  (``run_process``, ``start_process``).
- :mod:`.backends`: a slow lister and a broken reporter for tests, with the runners above.
- :mod:`.configs`: ``write_config``, the one TOML writer.
- :mod:`.results`: ``read_results``, ``read_summary``, ``found``, ``planted``.
- :mod:`.servers`: real xrootd, MariaDB and a slow proxy on 127.0.0.1; :mod:`.plugin` their
  pytest fixtures, markers (root, xrootd, mariadb) and seeds (:mod:`.seeds`).
"""
__all__ = ["Expected", "generate", "generate_dumps", "write_dump", "run_cli", "run_process",
           "start_process", "write_config", "read_results", "read_summary", "found", "planted"]
_HOME = {"Expected": "sitegen", "generate": "sitegen", "generate_dumps": "sitegen",
         "write_dump": "sitegen", "run_cli": "runner", "run_process": "runner",
         "start_process": "runner", "write_config": "configs", "read_results": "results",
         "read_summary": "results", "found": "results", "planted": "results"}


def __getattr__(name):  # lazy, so `python -m consistency_core.testing.sitegen` imports it once
    if name in _HOME:
        import importlib

        module = importlib.import_module(f"{__name__}.{_HOME[name]}")
        return getattr(module, name)
    raise AttributeError(name)
