"""Legate in Rust, from Python: ``legate.dense`` (also ``legate.numpy``) is a drop-in for
NumPy and ``legate.sparse`` for ``scipy.sparse``; both run every operation as tasks over
every core the runtime is given (``LEGATE_CONFIG="--cpus 2"``, or the ``legate``
driver's flags).
"""

from . import _legate  # noqa: F401  (the extension module)

__all__ = ["core", "dense", "numpy", "sparse", "timing"]
