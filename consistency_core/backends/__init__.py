"""Built-in backends, registered through the ``consistency`` entry-point group like any other."""
