"""Legate in Rust, from Python: ``legate.dense`` (also ``legate.numpy``) is a drop-in for
NumPy and ``legate.sparse`` for ``scipy.sparse``; both run every operation as tasks over
every core the runtime is given (``LEGATE_CONFIG="--cpus 2"``, or the ``legate``
driver's flags).
"""

import atexit as _atexit
import sys as _sys

from . import _legate  # noqa: F401  (the extension module)


def _write_profiles_at_exit():
    # The files of --profile, --dataflow and --event; nothing when they are off.
    try:
        for path in _legate.write_profiles():
            print(f"legate: wrote {path}", file=_sys.stderr)
    except Exception as e:  # an exit hook reports, it does not raise
        print(f"legate: {e}", file=_sys.stderr)


_atexit.register(_write_profiles_at_exit)

__all__ = ["core", "dense", "numpy", "sparse", "timing"]
