"""``legate.numpy``: the same module as ``legate.dense`` under NumPy's name."""

import sys as _sys

from .. import dense as _dense

_sys.modules[__name__] = _dense
_sys.modules[__name__ + ".linalg"] = _dense.linalg
_sys.modules[__name__ + ".random"] = _dense.random
_sys.modules[__name__ + ".fft"] = _dense.fft
