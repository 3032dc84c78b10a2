"""The direct backend: the textbook sum, numpy only.

out[t] = Σ_i k[i] · xp[t·s + i], computed as one multiply-add of a shifted, strided view of
the input per non-zero kernel tap (never a Python loop over output samples). Work runs in slabs
of output rows, so the only intermediates are a slab-sized accumulator and product, and slabs are
shared between the cores. Rank-1 kernels run as one 1-D pass per axis; a lone 1-D signal uses
numpy.correlate. Integer inputs accumulate in int64: exact (modulo 2**64, as numpy's integers).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from typing import Any

import numpy as np

from convcli import parallel
from convcli.engine.backends.base import Method, strided_index
from convcli.engine.backends.costs import LONG_DOT, cost
from convcli.engine.plan import Plan
from convcli.engine.separable import integer_rank_one_factors

SLAB_ELEMENTS = 1 << 15  # output elements per slab: a slab's accumulator stays in cache
INTEGER_SLAB_ELEMENTS = 1 << 17  # the integer taps' slabs: whole rows, fewer calls
INTEGER_PARALLEL_ELEMENTS = 1 << 20  # output elements per core, at least, worth a thread
PARALLEL_LINE_MACS = 1 << 22  # a line's multiply-adds worth correlating in pieces (~2 ms)
# (a lone line with zero fill stays one numpy call: on 1e6 samples, K = 5, its pieces' copy
# into the output cost more than the second core gave, 1.55 ms against 1.0 ms)
PIECE_OUTPUTS = 1 << 16  # a long line's outputs correlated at a time (512 KiB of float64)


try:  # numpy.correlate's own C function, without its two Python layers (NEP 18 dispatch,
    # the wrapper): 0.25 µs of a 2 µs call on 1e3 samples, for operands known to be arrays
    from numpy._core.multiarray import correlate2 as _numpy_correlate
except ImportError:  # numpy 1.x names it otherwise: the public function, as correct
    _numpy_correlate = np.correlate


def _accumulator_dtype(plan: Plan) -> np.dtype:
    return np.dtype(np.int64) if plan.is_integer else plan.compute_dtype


def correlate_valid(
    xp: np.ndarray, weights: np.ndarray, axes: tuple[int, ...], stride: tuple[int, ...],
    dtype: np.dtype, dilation: tuple[int, ...] | None = None,
) -> np.ndarray:
    """Strided valid correlation of ``xp`` with ``weights`` (taps ``dilation`` apart) over
    ``axes``, one multiply-add per non-zero tap."""
    dilation = dilation or (1,) * xp.ndim
    out_shape = tuple(
        (n - (weights.shape[a] - 1) * dilation[a] - 1) // stride[a] + 1 if a in axes else n
        for a, n in enumerate(xp.shape)
    )
    out = np.empty(out_shape, dtype=dtype)
    # Slabs along the longest output axis, sized to stay in cache.
    slab_axis = max(range(xp.ndim), key=lambda a: out_shape[a])
    row = max(1, out.size // out_shape[slab_axis])
    slab = max(1, SLAB_ELEMENTS // row)
    starts = list(range(0, out_shape[slab_axis], slab))
    per_slice = any(weights.shape[a] > 1 for a in range(xp.ndim) if a not in axes)
    kernel_values = []
    for tap in itertools.product(*[range(weights.shape[a]) if a in axes else [0]
                                   for a in range(xp.ndim)]):
        if per_slice:  # one weight per slice of the broadcast axes
            w = weights[tuple(slice(t, t + 1) if a in axes else slice(None)
                              for a, t in enumerate(tap))].astype(dtype)
        else:
            w = dtype.type(weights[tap])
        if np.any(w):
            kernel_values.append((tuple(t * d for t, d in zip(tap, dilation)), w))

    def run(first: int, last: int) -> None:
        tmp = None
        for start in starts[first:last]:
            stop = min(start + slab, out_shape[slab_axis])
            acc = out[(slice(None),) * slab_axis + (slice(start, stop),)]
            acc[...] = 0
            for tap, weight in kernel_values:
                w = weight
                view = []
                for a in range(xp.ndim):
                    lo, hi = (start, stop) if a == slab_axis else (0, out_shape[a])
                    offset = tap[a] if a in axes else 0
                    s = stride[a] if a in axes else 1
                    view.append(slice(offset + lo * s, offset + (hi - 1) * s + 1, s))
                src = xp[tuple(view)]
                if np.ndim(w) and w.shape[slab_axis] > 1:
                    w = w[(slice(None),) * slab_axis + (slice(start, stop),)]
                if tmp is None or tmp.shape != acc.shape:
                    tmp = np.empty(acc.shape, dtype=dtype)
                np.multiply(src, w, out=tmp, casting="unsafe")
                np.add(acc, tmp, out=acc)

    threads = parallel.threads()
    chunks = parallel.split(len(starts), threads)
    parallel.run_all([lambda lo=lo, hi=hi: run(lo, hi) for lo, hi in chunks])
    return out


class DirectBackend:
    """The textbook sum by kernel taps, numpy only; exact for integers."""

    name = "direct"

    @staticmethod
    def floor(plan: Plan) -> float:
        return cost("numpy_correlate_call") if len(plan.axes) == 1 else cost("direct_call")

    def estimate(self, plan: Plan) -> Method:
        """The cheapest of numpy.correlate down each line (one convolved axis, one kernel),
        one 1-D pass per axis (a rank-1 kernel), the multiply-add of every non-zero tap, and
        gathered taps (no padded copy). numpy.correlate, priced first, is kept without
        pricing the others when it costs less than their fixed cost."""
        if len(plan.axes) == 1 and not plan.per_slice_kernel:
            line = self._numpy_correlate(plan, alone=True)
            if line.seconds <= cost("direct_call"):
                return line
        candidates = [self._taps(plan)]
        if integer_taps_apply(plan):
            candidates.append(self._integer_taps(plan))
        if plan.needs_padding and not plan.per_slice_kernel:
            candidates.append(self._gathered(plan))
            if plan.separable_taps is not None and (plan.boundary != "fill" or
                                                    plan.fillvalue == 0):
                candidates.append(self._gathered_separable(plan))
        if len(plan.axes) == 1 and not plan.per_slice_kernel:
            candidates.append(self._numpy_correlate(plan))
        elif plan.separable_taps is not None:
            candidates.append(self._separable(plan))
        best = min(candidates, key=lambda m: m.seconds)
        if integer_taps_apply(plan):  # priced from the weights' values: never remembered
            best = replace(best, rerun=None)
        return best

    @staticmethod
    def _copy_seconds(plan: Plan) -> float:
        """The padded copy: numpy.pad reflects or wraps at most the axis' length per round."""
        if not plan.needs_padding:
            return 0.0
        rounds = 1
        if plan.boundary != "fill":
            rounds += max(-(-max(p) // plan.x.shape[a]) for a, p in enumerate(plan.pad))
        return cost("copied_byte") * plan.padded_bytes * rounds

    def _taps(self, plan: Plan) -> Method:
        out_bytes = math.prod(plan.out_shape) * _accumulator_dtype(plan).itemsize
        seconds = cost("direct_call") + self._copy_seconds(plan) + \
            cost("direct_tap_byte") * out_bytes * plan.nonzero_taps / parallel.threads()

        def run(p: Plan) -> np.ndarray:
            return correlate_valid(p.padded(), p.weights, p.axes, p.stride,
                                   _accumulator_dtype(p), p.dilation)

        return Method.on(plan, "direct:taps", seconds, run)

    def _integer_taps(self, plan: Plan) -> Method:
        """Taps summed in the output's own integer type, equal weights grouped."""
        ops, _ = integer_operations(plan)
        out_bytes = math.prod(plan.out_shape) * plan.out_dtype.itemsize
        seconds = cost("direct_call") + self._copy_seconds(plan) + \
            cost("integer_tap_byte") * out_bytes * ops / parallel.threads()
        return Method("direct:integer taps", seconds, lambda: integer_correlate_valid(plan))

    def _gathered(self, plan: Plan) -> Method:
        """Each non-zero tap gathers its samples through the boundary rule's index map: no
        padded copy, O(taps × output) — for dilated kernels whose padding dwarfs the input."""
        elements = math.prod(plan.out_shape)
        seconds = cost("direct_call") + cost("gather_tap_element") * elements * \
            plan.nonzero_taps
        return Method.on(plan, "direct:gathered taps", seconds,
                         lambda p: gathered_taps(p, _accumulator_dtype(p)))

    def _gathered_separable(self, plan: Plan) -> Method:
        """Gathered taps one axis at a time for a rank-1 kernel (the boundary's index maps
        are per axis, so they separate; a non-zero fill value does not)."""
        shape, elements = list(plan.x.shape), 0
        for axis, taps in zip(plan.axes, plan.separable_taps):
            shape[axis] = plan.out_shape[axis]
            elements += math.prod(shape) * taps
        seconds = cost("direct_call") + cost("gather_tap_element") * elements

        def run(p: Plan) -> np.ndarray:
            values = p.x
            for axis, factor in zip(p.axes, p.separable_weights):
                values = gathered_taps(p.along(axis, values, factor), _accumulator_dtype(p))
            return values

        return Method.on(plan, "direct:gathered separable", seconds, run)

    def _separable(self, plan: Plan) -> Method:
        taps = sum(plan.separable_taps)
        seconds = cost("direct_call") + self._copy_seconds(plan) + \
            cost("direct_separable_tap_byte") * plan.padded_bytes * taps / parallel.threads()

        def run(p: Plan) -> np.ndarray:
            values = p.padded()
            dtype = _accumulator_dtype(p)
            for axis, factor in zip(p.axes, p.separable):
                shape = [1] * values.ndim
                shape[axis] = len(factor)
                values = correlate_valid(values, factor.reshape(shape), (axis,), p.stride,
                                         dtype)
            return values

        return Method.on(plan, "direct:separable", seconds, run)

    def _numpy_correlate(self, plan: Plan, *, alone: bool = False) -> Method:
        """``alone``: chosen without pricing the others (from the geometry alone), so the
        choice holds for every call of this geometry (:attr:`Method.again`)."""
        axis = plan.axes[0]
        lines = math.prod(plan.x.shape) // plan.x.shape[axis]
        mac = cost("numpy_correlate_long_mac" if plan.taps > LONG_DOT else "numpy_correlate_mac")
        seconds = cost("numpy_correlate_call") * lines + mac * \
            plan.dense_axis_length(axis) * plan.taps * lines
        if plan.x.shape[axis] * plan.taps >= PARALLEL_LINE_MACS and \
                (lines > 1 or not plan.zero_fill):  # long, padded or several: in pieces
            return Method.on(plan, "direct:numpy.correlate", seconds,
                             _line_pieces(plan, _accumulator_dtype(plan)))
        correlate = _line_correlation(plan, _accumulator_dtype(plan))
        if not plan.zero_fill:
            seconds += self._copy_seconds(plan)
            return Method.on(plan, "direct:numpy.correlate", seconds,
                             lambda p: correlate(p.padded(), p.kernel))
        again = correlate if alone and all(d == 1 for d in plan.dilation) else None
        return Method("direct:numpy.correlate", seconds, lambda: correlate(plan.x, plan.kernel),
                      again=again, rerun=lambda p: correlate(p.x, p.kernel))


def integer_taps_apply(plan: Plan) -> bool:
    """True when :func:`integer_correlate_valid` can run the plan: an integer result of at
    most 32 bits, one kernel for every slice."""
    return plan.is_integer and plan.out_dtype.itemsize <= 4 and not plan.per_slice_kernel


def weight_groups(plan: Plan) -> list[tuple[int, list[tuple[int, ...]]]]:
    """The kernel's non-zero weights, each with the (dilated) offsets of its taps, in the
    order :func:`grouped_operations` sums them.

    >>> from convcli.engine.plan import make_plan
    >>> plan = make_plan(np.zeros((4, 4), np.int16), np.array([[1, 2], [1, 0]]), "valid",
    ...                  flip=False)
    >>> weight_groups(plan)
    [(2, [(0, 1)]), (1, [(0, 0), (1, 0)])]
    """
    weights = plan.weights.astype(np.int64)
    return _weight_groups(weights.tobytes(), weights.shape, plan.dilation)


@lru_cache(maxsize=64)
def _weight_groups(values: bytes, shape: tuple[int, ...], dilation: tuple[int, ...]):
    weights = np.frombuffer(values, np.int64).reshape(shape)
    groups: dict[int, list[tuple[int, ...]]] = {}
    for tap in zip(*np.nonzero(weights)):
        offset = tuple(int(t) * d for t, d in zip(tap, dilation))
        groups.setdefault(int(weights[tap]), []).append(offset)
    return _ordered(list(groups.items()))


def _ordered(groups: list) -> list:
    """A weight other than ±1 first (its multiplication then costs nothing extra), then +1
    before −1."""
    return sorted(groups, key=lambda g: (abs(g[0]) == 1, g[0] != 1))


def grouped_operations(groups: list) -> int:
    """Array operations :func:`_accumulate` spends on ``groups`` (weight, taps), in order."""
    ops = 0
    for number, (weight, taps) in enumerate(groups):
        if number == 0:
            ops += max(1, len(taps) - 1) + (len(taps) > 1 and weight != 1)
        else:
            ops += len(taps) + (weight not in (1, -1))
    return ops


def _accumulate(acc: np.ndarray, terms: list[tuple[int, list[np.ndarray]]]) -> None:
    """acc = Σ weight · Σ views, in acc's integer type, ``terms`` (weight, views) in the order
    :func:`weight_groups` gives: each weight's views are added, then multiplied once."""
    dtype, tmp = acc.dtype, None
    for number, (weight, views) in enumerate(terms):
        w = np.array(weight, np.int64).astype(dtype)[()]  # modulo 2**bits, as the sums
        if number == 0:
            if len(views) == 1:
                np.multiply(views[0], w, out=acc)
                continue
            np.add(views[0], views[1], out=acc)
            for view in views[2:]:
                np.add(acc, view, out=acc)
            if weight != 1:
                np.multiply(acc, w, out=acc)
        elif weight in (1, -1):
            for view in views:
                (np.add if weight == 1 else np.subtract)(acc, view, out=acc)
        else:
            tmp = np.empty_like(acc) if tmp is None else tmp
            if len(views) == 1:
                np.multiply(views[0], w, out=tmp)
            else:
                np.add(views[0], views[1], out=tmp)
                for view in views[2:]:
                    np.add(tmp, view, out=tmp)
                np.multiply(tmp, w, out=tmp)
            np.add(acc, tmp, out=acc)


@lru_cache(maxsize=64)
def _rank_one_and_tap(values: bytes, shape: tuple[int, int]
                      ) -> tuple[np.ndarray, np.ndarray, int, tuple[int, int]] | None:
    """Integer u, v, c and a tap t with weights = u ⊗ v + c·e_t (c may be 0), or None.

    >>> edge = -np.ones((3, 3), np.int64); edge[1, 1] = 8
    >>> u, v, c, t = _rank_one_and_tap(edge.tobytes(), (3, 3))
    >>> u.tolist(), v.tolist(), c, t
    ([1, 1, 1], [-1, -1, -1], 9, (1, 1))
    """
    weights = np.frombuffer(values, np.int64).reshape(shape)
    rows, cols = shape
    if rows < 2 or cols < 2:
        return None
    for tap in [None, *np.ndindex(rows, cols)]:
        k, c = weights.copy(), 0
        if tap is not None:
            i, j = tap
            others = [(r, q) for r in range(rows) for q in range(cols)
                      if r != i and q != j and k[r, q]]
            if not others:
                continue
            r, q = others[0]
            value, rest = divmod(int(k[i, q]) * int(k[r, j]), int(k[r, q]))
            c = int(k[i, j]) - value
            if rest or c == 0:
                continue
            k[i, j] = value
        factors = integer_rank_one_factors(k)
        if factors is not None:
            return (*factors, c, tap or (0, 0))
    return None


def _rank_one_plan(plan: Plan):
    """(u groups, v groups, c, tap) when the plan can run as a vertical pass, a horizontal
    pass and one tap's correction: two convolved leading axes, stride and dilation 1."""
    if plan.axes != (0, 1) or set(plan.stride + plan.dilation) != {1}:
        return None
    w2 = plan.weights.reshape(plan.weights.shape[:2]).astype(np.int64)
    return _rank_one_terms(w2.tobytes(), w2.shape)


@lru_cache(maxsize=64)
def _rank_one_terms(values: bytes, shape: tuple[int, int]):
    found = _rank_one_and_tap(values, shape)
    if found is None:
        return None
    u, v, c, tap = found
    rows, cols = ([(int(w), [int(i) for i in np.flatnonzero(f == w)])
                   for w in np.unique(f[f != 0])] for f in (u, v))
    return _ordered(rows), _ordered(cols), c, tap


def integer_operations(plan: Plan) -> tuple[int, object]:
    """(array operations per output sample, the rank-one plan or None) of the cheaper way
    :func:`integer_correlate_valid` has for ``plan``."""
    groups = weight_groups(plan)
    grouped = grouped_operations(groups)
    rank_one = _rank_one_plan(plan)
    if rank_one is None:
        return grouped, None
    rows, cols, c, _ = rank_one
    split = grouped_operations(rows) + grouped_operations(
        _ordered(([(c, [None])] if c else []) + cols))
    return (split, rank_one) if split < grouped else (grouped, None)


def integer_correlate_valid(plan: Plan) -> np.ndarray:
    """The plan's correlation summed in its output's integer type (at most 32 bits).

    Integers of the output's width wrap modulo 2**bits exactly as the int64 sum cast to that
    type does, so the result equals the int64 taps' one sample for sample, at a quarter of
    the bytes for int16. Taps of equal weight are added first and multiplied once (±1: added
    or subtracted); a kernel that is rank one but for one tap (the Laplacian: −1 everywhere,
    and 9 more at the centre) runs as a vertical pass, a horizontal pass and that tap: six
    array operations per sample for the 3×3 Laplacian, where the taps take 18.
    """
    dtype = plan.out_dtype
    xp = plan.padded()
    if xp.dtype != dtype:
        xp = xp.astype(dtype)
    _, rank_one = integer_operations(plan)
    groups = weight_groups(plan) if rank_one is None else None
    out_shape = plan.out_shape
    out = np.empty(out_shape, dtype=dtype)
    ndim = xp.ndim
    row = max(1, out.size // out_shape[0])
    slab = max(1, INTEGER_SLAB_ELEMENTS // row)
    starts = list(range(0, out_shape[0], slab))  # slabs of whole rows

    def view(tap: tuple[int, ...], start: int, stop: int) -> np.ndarray:
        index = [slice(tap[0] + start * plan.stride[0],
                       tap[0] + (stop - 1) * plan.stride[0] + 1, plan.stride[0])]
        for a in range(1, ndim):
            s = plan.stride[a]
            index.append(slice(tap[a], tap[a] + (out_shape[a] - 1) * s + 1, s))
        return xp[tuple(index)]

    def run(first: int, last: int) -> None:
        for start in starts[first:last]:
            stop = min(start + slab, out_shape[0])
            acc = out[start:stop]
            if rank_one is None:
                _accumulate(acc, [(w, [view(t, start, stop) for t in taps])
                                  for w, taps in groups])
                continue
            rows, cols, c, (ti, tj) = rank_one
            width = out_shape[1]
            vertical = np.empty((stop - start,) + xp.shape[1:], dtype)
            _accumulate(vertical, [(w, [xp[start + i:stop + i] for i in taps])
                                   for w, taps in rows])
            terms = [(c, [xp[start + ti:stop + ti, tj:tj + width]])] if c else []
            terms += [(w, [vertical[:, j:j + width] for j in taps]) for w, taps in cols]
            _accumulate(acc, _ordered(terms))

    # a band of the strip pipeline (already one per core) runs here, in its own thread
    parts = min(parallel.threads(), max(1, out.size // INTEGER_PARALLEL_ELEMENTS))
    chunks = parallel.split(len(starts), parts)
    parallel.run_all([lambda lo=lo, hi=hi: run(lo, hi) for lo, hi in chunks])
    return out


def boundary_index(positions: np.ndarray, n: int, boundary: str) -> np.ndarray:
    """The input sample each position of the extended axis reads under a boundary rule (as
    numpy.pad extends it); under "fill", ``n`` (one past the end) stands for the fill value."""
    if boundary == "fill":
        return np.where((positions < 0) | (positions >= n), n, positions)
    if boundary == "nearest":
        return np.clip(positions, 0, n - 1)
    if boundary == "wrap":
        return positions % n
    if boundary == "reflect":  # d c b a | a b c d: period 2n
        q = positions % (2 * n)
        return np.where(q < n, q, 2 * n - 1 - q)
    if n == 1:  # mirror of one sample
        return np.zeros_like(positions)
    q = positions % (2 * n - 2)  # mirror, d c b | a b c d: period 2n − 2
    return np.where(q < n, q, 2 * n - 2 - q)


def gathered_taps(plan: Plan, dtype: np.dtype) -> np.ndarray:
    """The plan's correlation, each non-zero tap's samples gathered by index (no padding)."""
    x = plan.x
    if plan.boundary == "fill":  # one sample past the end of each axis holds the fill value
        x = np.pad(x, [(0, 1) if a in plan.axes else (0, 0) for a in range(x.ndim)],
                   constant_values=plan.fillvalue)
    out = np.zeros(plan.out_shape, dtype=dtype)
    tmp = np.empty(plan.out_shape, dtype=dtype)
    starts = {a: np.arange(plan.out_shape[a]) * plan.stride[a] - plan.pad[a][0]
              for a in plan.axes}
    taps = [range(plan.weights.shape[a]) if a in plan.axes else [0] for a in range(x.ndim)]
    for tap in itertools.product(*taps):
        w = plan.weights[tap]
        if not w:
            continue
        values = x
        for a in plan.axes:
            index = boundary_index(starts[a] + tap[a] * plan.dilation[a], plan.x.shape[a],
                                   plan.boundary)
            values = values.take(index, axis=a)
        np.multiply(values, dtype.type(w), out=tmp, casting="unsafe")
        out += tmp
    return out


def _line_correlation(plan: Plan, dtype: np.dtype) -> Callable[[np.ndarray, np.ndarray],
                                                                np.ndarray]:
    """numpy.correlate down each line of the one convolved axis, as a function of the input
    (padded unless the plan's padding is zeros) and the dense kernel, for any operands of the
    plan's geometry. Zero fill needs no padded copy: numpy's 'valid', 'same' or 'full' mode is
    that padding, cut to the plan's samples."""
    axis = plan.axes[0]
    taps, n = plan.kernel_shape[axis], plan.x.shape[axis]
    length, step, before = plan.dense_axis_length(axis), plan.stride[axis], plan.pad[axis][0]
    mode, start = "valid", 0  # a padded input
    if plan.zero_fill:
        if before == 0 and length == n - taps + 1:
            mode = "valid"
        elif before == taps // 2 and length == n >= taps:
            mode = "same"
        else:
            mode, start = "full", taps - 1 - before
    cut = slice(start, start + length)
    whole = mode != "full" and step == 1  # numpy's output is the plan's
    lone = plan.x.ndim == 1
    index = strided_index(plan)
    cast_x = plan.x.dtype != dtype
    cast_w = plan.weights.dtype != dtype or plan.kernel.ndim > 1
    conjugate = dtype.kind == "c"  # numpy.correlate conjugates the kernel back
    if lone and whole and not (cast_x or cast_w or conjugate):
        def correlate_as_is(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
            return _numpy_correlate(x, kernel, mode)  # a short signal's call: nothing else

        return correlate_as_is

    def correlate(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
        weights = _correlate_weights(kernel, dtype)
        if lone:  # a lone signal: one call, no gathering
            dense = np.correlate(x.astype(dtype) if cast_x else x, weights, mode)
            return dense if whole else dense[start: start + length: step]
        lines = np.moveaxis(x, axis, -1)
        out = np.empty(lines.shape[:-1] + (length,), dtype=dtype)
        for position in np.ndindex(*lines.shape[:-1]):
            out[position] = np.correlate(lines[position].astype(dtype, copy=False), weights,
                                         mode)[cut]
        return np.moveaxis(out, -1, axis)[index]

    return correlate


def _correlate_weights(kernel: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """The dense kernel as numpy.correlate takes it: 1-D, in ``dtype``, conjugated when
    complex (numpy.correlate conjugates it back)."""
    weights = kernel.ravel().astype(dtype, copy=False)
    return np.conj(weights) if dtype.kind == "c" else weights


def _line_pieces(plan: Plan, dtype: np.dtype) -> Callable[[Plan], np.ndarray]:
    """numpy.correlate down long lines (the columns of a big CSV), ``PIECE_OUTPUTS`` outputs at
    a time on every core, for any plan of ``plan``'s geometry: a piece's window is a view of
    the input, gathered by the boundary rule only at the ends, so there is neither a padded
    copy of the input nor a line-long temporary, and three columns keep two cores busy."""
    axis = plan.axes[0]
    taps, n = plan.kernel_shape[axis], plan.x.shape[axis]
    length, before = plan.dense_axis_length(axis), plan.pad[axis][0]
    index = strided_index(plan)
    pieces = [(lo, min(lo + PIECE_OUTPUTS, length)) for lo in range(0, length, PIECE_OUTPUTS)]

    def correlate(p: Plan) -> np.ndarray:
        weights = _correlate_weights(p.kernel, dtype)
        lines = np.moveaxis(p.x, axis, -1)
        out = np.empty(lines.shape[:-1] + (length,), dtype=dtype)

        def piece(position: tuple[int, ...], lo: int, hi: int) -> None:
            line = lines[position]
            first, last = lo - before, hi + taps - 1 - before  # the window, in input samples
            if first >= 0 and last <= n:
                window = line[first:last]
            else:
                window = boundary_window(line, first, last, p.boundary, p.fillvalue)
            out[position][lo:hi] = np.correlate(window.astype(dtype, copy=False), weights,
                                                "valid")

        parallel.run_all([lambda at=at, lo=lo, hi=hi: piece(at, lo, hi)
                          for at in np.ndindex(*lines.shape[:-1]) for lo, hi in pieces])
        return np.moveaxis(out, -1, axis)[index]

    return correlate


def boundary_window(line: np.ndarray, first: int, last: int, boundary: str,
                    fillvalue: Any) -> np.ndarray:
    """Samples ``first`` to ``last`` (exclusive) of a 1-D ``line`` extended by a boundary rule,
    as :func:`convcli.engine.plan.pad_array` extends it.

    >>> boundary_window(np.array([1, 2, 3]), -2, 5, "reflect", 0).tolist()
    [2, 1, 1, 2, 3, 3, 2]
    >>> boundary_window(np.array([1, 2, 3]), -1, 4, "fill", 9).tolist()
    [9, 1, 2, 3, 9]
    """
    source = boundary_index(np.arange(first, last), len(line), boundary)
    if boundary != "fill":
        return line[source]
    window = np.empty(len(source), dtype=line.dtype)
    inside = source < len(line)
    window[inside] = line[source[inside]]
    window[~inside] = fillvalue
    return window
