"""webkit: from nothing to a running, tested, deployable Flask or Django project."""

__version__ = "0.1.0"
