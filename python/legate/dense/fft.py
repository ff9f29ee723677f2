"""``legate.dense.fft`` (NumPy's ``numpy.fft``): each transform is one single-piece task
(the whole array in one point; NumPy's pocketfft computes it there), so the result is a
``legate.dense`` array made by the runtime like any other; the frequencies are made
directly. Not distributed: a transform's data all pass through one point.
"""

import operator

import numpy as _np

from . import _a, _module_fallback, arange


def _single_piece(name):
    from ..core import get_legate_runtime, task

    fn = getattr(_np.fft, name)

    def body(a, out, *args):
        # Scalars: norm code, then the axes (count, values), then the lengths (count or
        # -1 for None, values).
        norm = _NORMS[args[0]]
        na = args[1]
        axes = list(args[2:2 + na])
        ns = args[2 + na]
        lengths = None if ns < 0 else list(args[3 + na:3 + na + ns])
        if name in ("fft", "ifft", "rfft", "irfft"):
            out[...] = fn(a, n=None if lengths is None else lengths[0], axis=axes[0], norm=norm)
        else:
            out[...] = fn(a, s=lengths, axes=axes, norm=norm)

    t = task(body, name=f"legate.dense.fft.{name}")

    def launch(a, out_shape, out_dtype, lengths, axes, norm):
        from ..core import broadcast

        runtime = get_legate_runtime()
        x = _a(a)
        out = runtime.create_store(out_shape, out_dtype)
        launch_ = runtime.create_task(t)
        launch_.add_input(x.store)
        launch_.add_output(out)
        launch_.add_constraint(broadcast(x.store))
        launch_.add_constraint(broadcast(out))
        scalars = [_NORMS.index(norm), len(axes), *axes]
        scalars += [-1] if lengths is None else [len(lengths), *lengths]
        for v in scalars:
            launch_.add_scalar_arg(int(v))
        launch_.execute()
        return out.to_array()

    return launch


_TASKS = {}
_NORMS = [None, "backward", "ortho", "forward"]


def _run(name, a, n, axes, norm):
    """Runs ``numpy.fft.<name>`` as a single-piece task into a store of NumPy's result
    shape and type."""
    x = _a(a)
    if name not in _TASKS:
        _TASKS[name] = _single_piece(name)
    shape = list(x.shape)
    dtype = _result_dtype(name, x.dtype)
    if name in ("fft", "ifft", "rfft", "irfft"):
        axis = operator.index(axes)
        length = shape[axis] if n is None else operator.index(n)
        if name == "rfft":
            shape[axis] = length // 2 + 1
        elif name == "irfft":
            shape[axis] = 2 * (shape[axis] - 1) if n is None else length
        else:
            shape[axis] = length
        return _TASKS[name](x, shape, dtype, None if n is None else [length], [axis], norm)
    nd = x.ndim
    ax = list(range(nd)) if axes is None else [operator.index(v) % nd for v in axes]
    s = None if n is None else [operator.index(v) for v in n]
    if s is not None:
        for a_, v in zip(ax, s):
            shape[a_] = v
    if name == "rfftn":
        shape[ax[-1]] = (x.shape[ax[-1]] if s is None else s[-1]) // 2 + 1
    elif name == "irfftn":
        shape[ax[-1]] = 2 * (x.shape[ax[-1]] - 1) if s is None else s[-1]
    return _TASKS[name](x, shape, dtype, s, ax, norm)


def _result_dtype(name, dtype):
    single = _np.dtype(dtype) in (_np.float32, _np.complex64)
    if name.startswith("irfft"):
        return _np.float32 if single else _np.float64
    return _np.complex64 if single else _np.complex128


def fft(a, n=None, axis=-1, norm=None):
    """``numpy.fft.fft``."""
    return _run("fft", a, n, axis % max(_a(a).ndim, 1), norm)


def ifft(a, n=None, axis=-1, norm=None):
    """``numpy.fft.ifft``."""
    return _run("ifft", a, n, axis % max(_a(a).ndim, 1), norm)


def rfft(a, n=None, axis=-1, norm=None):
    """``numpy.fft.rfft``."""
    return _run("rfft", a, n, axis % max(_a(a).ndim, 1), norm)


def irfft(a, n=None, axis=-1, norm=None):
    """``numpy.fft.irfft``."""
    return _run("irfft", a, n, axis % max(_a(a).ndim, 1), norm)


def fft2(a, s=None, axes=(-2, -1), norm=None):
    """``numpy.fft.fft2``."""
    return _run("fftn", a, s, axes, norm)


def ifft2(a, s=None, axes=(-2, -1), norm=None):
    """``numpy.fft.ifft2``."""
    return _run("ifftn", a, s, axes, norm)


def fftn(a, s=None, axes=None, norm=None):
    """``numpy.fft.fftn``."""
    return _run("fftn", a, s, axes, norm)


def ifftn(a, s=None, axes=None, norm=None):
    """``numpy.fft.ifftn``."""
    return _run("ifftn", a, s, axes, norm)


def rfftn(a, s=None, axes=None, norm=None):
    """``numpy.fft.rfftn``."""
    return _run("rfftn", a, s, axes, norm)


def irfftn(a, s=None, axes=None, norm=None):
    """``numpy.fft.irfftn``."""
    return _run("irfftn", a, s, axes, norm)


def rfft2(a, s=None, axes=(-2, -1), norm=None):
    """``numpy.fft.rfft2``."""
    return _run("rfftn", a, s, axes, norm)


def irfft2(a, s=None, axes=(-2, -1), norm=None):
    """``numpy.fft.irfft2``."""
    return _run("irfftn", a, s, axes, norm)


# A Hermitian transform is the inverse real transform in the other direction.
_SWAPPED = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}


def _swapped(norm):
    if norm not in _SWAPPED:
        raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or "forward".')
    return _SWAPPED[norm]


def hfft(a, n=None, axis=-1, norm=None):
    """``numpy.fft.hfft``: ``irfft`` of the conjugate, normalized the other way."""
    from . import conjugate

    a = _a(a)
    if n is None:
        n = (a.shape[axis] - 1) * 2
    return irfft(conjugate(a), n, axis, _swapped(norm))


def ihfft(a, n=None, axis=-1, norm=None):
    """``numpy.fft.ihfft``: the conjugate of ``rfft``, normalized the other way."""
    from . import conjugate

    a = _a(a)
    if n is None:
        n = a.shape[axis]
    return conjugate(rfft(a, n, axis, _swapped(norm)))


def fftfreq(n, d=1.0):
    """``numpy.fft.fftfreq``."""
    n = operator.index(n)
    k = arange(n)
    return ((k + n // 2) % n - n // 2) / (n * d) if n else k * 1.0


def rfftfreq(n, d=1.0):
    """``numpy.fft.rfftfreq``."""
    n = operator.index(n)
    return arange(n // 2 + 1) / (n * d)


def _shift(x, axes, sign):
    from . import roll

    x = _a(x)
    if axes is None:
        axes = tuple(range(x.ndim))
    elif isinstance(axes, int):
        axes = (axes,)
    shifts = [sign * (x.shape[ax] // 2) for ax in axes]
    return roll(x, shifts, axes) if axes else x.copy()


def fftshift(x, axes=None):
    """``numpy.fft.fftshift``: the zero frequency moved to the centre (a roll)."""
    return _shift(x, axes, 1)


def ifftshift(x, axes=None):
    """``numpy.fft.ifftshift``: the inverse of ``fftshift``."""
    return _shift(x, axes, -1)


__getattr__ = _module_fallback("legate.dense.fft", "fft.", _np.fft)
