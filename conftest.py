"""This repository's tests use the test kit's pytest plugin (fixtures, markers, seeds).

Installed, consistency-core registers it through the ``pytest11`` entry point under its module
name, so this line is a no-op then; it keeps a checkout whose venv predates the entry point
working.
"""
import sys

pytest_plugins = ["consistency_core.testing.plugin"]

# In-process, only this repository's plugins load (consistency_core/plugins.py): a developer's
# other installed plugins cannot change the results unless CONSISTENCY_PLUGINS asks for them.
sys._called_from_test = True
