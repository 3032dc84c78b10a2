"""The decision cache (convcli.engine.decisions): a hit skips planning and pricing and gives
the planned answer; a call whose signature, value properties or settings differ is planned
afresh; threads may share the table."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import scipy.ndimage as ndi
import scipy.signal as ss

import convcli
import convcli.engine as engine
from convcli import settings as settings_module
from convcli.engine import decisions, run
from convcli.engine.backends import DECISIONS, auto
from convcli.errors import InputError
from tests.engine.conftest import assert_close
from tests.engine.naive import naive


@pytest.fixture
def planned(monkeypatch):
    """Counts the calls that were planned (the cache missed)."""
    calls = []
    real = engine.make_plan

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "make_plan", counting)
    DECISIONS.clear()
    return calls


def _signal(x, k, _):
    return ss.convolve(x, k, "same", method="direct")


def _image(x, k, options):
    if k.ndim < x.ndim:
        k = k[..., np.newaxis]
    return ndi.convolve(x, k, mode=options["boundary"])


def _textbook(x, k, options):
    return naive(x, k, "same", flip=True, **options)


CASES = [  # (input shape, kernel shape, options, oracle): both forms of decision, each backend
    ((1000,), (5,), {}, _signal),  # numpy.correlate, chosen from the geometry alone
    ((1000,), (501,), {}, _signal),  # priced against the other backends
    ((4000,), (1201,), {}, _signal),  # an FFT
    ((64, 64), (3, 3), {"boundary": "reflect"}, _image),
    ((64, 64, 3), (5, 5), {"axes": (0, 1), "boundary": "wrap"}, _image),
    ((24, 20), (5, 5), {"stride": 2, "dilation": (1, 2)}, _textbook),
]


@pytest.mark.parametrize("backend", ["auto", "direct", "fft", "scipy"])
@pytest.mark.parametrize("x_shape, k_shape, options, oracle", CASES)
def test_a_hit_is_not_planned_and_agrees_with_the_oracle(planned, rng, backend, x_shape,
                                                         k_shape, options, oracle):
    for call in range(3):
        x = rng.standard_normal(x_shape)
        k = rng.standard_normal(k_shape)
        got = run(x, k, "same", flip=True, backend=backend, **options)
        assert len(planned) == 1, f"call {call} planned again"
        assert_close(got.values, oracle(x, k, options))
    assert got.method.split(":")[0] == backend or backend == "auto"


@pytest.mark.parametrize("change", [
    {"mode": "valid"}, {"mode": "full"}, {"boundary": "nearest"}, {"fillvalue": 2.5},
    {"stride": 3}, {"dilation": 2}, {"origin": 0}, {"axes": 0}, {"flip": False},
    {"backend": "direct"}, {"backend": "fft"}, {"x_shape": (301,)}, {"k_shape": (7,)},
    {"x_dtype": np.float32}, {"k_dtype": np.float32}, {"x_dtype": np.int32, "k_dtype": np.int32},
    {"x_dtype": np.complex128},
])
def test_a_decision_is_not_reused_for_another_signature(planned, rng, change):
    base = {"mode": "same", "flip": True, "backend": "auto", "x_shape": (300,), "k_shape": (5,),
            "x_dtype": np.float64, "k_dtype": np.float64}
    options = {"boundary": "fill", "fillvalue": 0, "stride": 1, "dilation": 1, "origin": None,
               "axes": None}
    for variant in (base, {**base, **change}):
        call = {**options, **{k: v for k, v in change.items() if k in options}} \
            if variant is not base else options
        x = (rng.standard_normal(variant["x_shape"]) * 10).astype(variant["x_dtype"])
        k = (rng.standard_normal(variant["k_shape"]) * 3).astype(variant["k_dtype"])
        planned.clear()
        for _ in range(2):
            got = run(x, k, variant["mode"], flip=variant["flip"], backend=variant["backend"],
                      **call)
            expected = naive(x, k, variant["mode"], flip=variant["flip"],
                             **{o: v for o, v in call.items() if o != "axes"})
            assert_close(got.values, expected, got.values.dtype)
            assert got.values.dtype == np.result_type(x, k)
        assert len(planned) == 1  # the changed call missed once, then hit


def test_the_type_of_an_option_is_part_of_the_signature(planned, rng):
    x = rng.standard_normal(100)
    convcli.convolve(x, np.ones(3), "same", dilation=2)
    with pytest.raises(InputError, match="dilation must be integers"):
        convcli.convolve(x, np.ones(3), "same", dilation=2.0)
    with pytest.raises(InputError, match="unknown boundary"):
        convcli.convolve(x, np.ones(3), "same", boundary="fill ")


def test_a_kernel_with_other_value_properties_is_priced_again(planned, rng, monkeypatch):
    """Sparsity and rank are what pricing reads of a kernel: the remembered ranking is used
    only for kernels that have the same."""
    priced = []
    real = auto.ranking
    monkeypatch.setattr(engine, "ranking", lambda plan: priced.append(1) or real(plan))
    img = rng.standard_normal((96, 96))
    g = np.exp(-0.5 * np.linspace(-2, 2, 15) ** 2)
    rank_one = np.outer(g, g)
    dense = rng.standard_normal((15, 15))
    sparse = np.zeros((15, 15))
    sparse[3, 4] = 1.0
    for k in (rank_one, rank_one * 2, dense, dense * 3, sparse, rank_one):
        got = convcli.convolve(img, k, "same", boundary="mirror")
        assert_close(got, ndi.convolve(img, k, mode="mirror"))
    assert len(priced) == 4  # rank one, full rank, one tap, rank one again


def test_a_remembered_fft_is_not_run_on_a_non_finite_input(planned, rng):
    x = rng.standard_normal(20000)
    k = rng.standard_normal(2001)
    assert run(x, k, "same", flip=True).method.startswith(("fft", "scipy:signal"))
    x[5000] = np.nan
    got = run(x, k, "same", flip=True)
    assert got.method.startswith("direct")
    assert np.isnan(got.values).sum() == k.size  # the NaN reaches its own K samples only
    assert_close(np.nan_to_num(got.values), np.nan_to_num(ss.convolve(x, k, "same",
                                                                      method="direct")))
    assert len(planned) == 1
    with pytest.raises(InputError, match="NaN or inf"):  # the fft backend, named, refuses
        run(x, k, "same", flip=True, backend="fft")
    run(np.ones(20000), k, "same", flip=True, backend="fft")
    with pytest.raises(InputError, match="NaN or inf"):  # remembered, it still refuses
        run(x, k, "same", flip=True, backend="fft")


def test_integers_too_large_for_floats_are_exact_after_a_remembered_fft(planned, rng):
    k = rng.integers(-3, 4, size=801)
    small = rng.integers(-5, 6, size=5000)
    run(small, k, "same", flip=True)
    huge = rng.integers(-2**52, 2**52, size=5000)
    got = run(huge, k, "same", flip=True)
    assert got.method.startswith("direct")
    np.testing.assert_array_equal(got.values, np.convolve(huge, k, "same"))
    assert len(planned) == 2


def test_a_changed_setting_is_priced_again(planned, rng, monkeypatch):
    x = rng.standard_normal(6000)
    k = rng.standard_normal(1501)
    try:
        for library, name in (("scipy", "fft:fft (scipy.fft)"), ("numpy", "fft:fft")):
            monkeypatch.setenv("CONVCLI_FFT", library)
            settings_module.settings.cache_clear()
            for _ in range(2):
                got = run(x, k, "full", flip=True, backend="fft")
                assert got.method == name
                assert_close(got.values, ss.fftconvolve(x, k))
    finally:
        monkeypatch.delenv("CONVCLI_FFT")
        settings_module.settings.cache_clear()
    assert len(planned) == 2


def test_a_non_finite_kernel_is_refused_by_every_kind_of_decision(planned, rng):
    for x_shape, k_shape, _, _ in CASES[:4]:
        x = rng.standard_normal(x_shape)
        k = rng.standard_normal(k_shape)
        convcli.convolve(x, k, "same")
        for bad in (np.nan, np.inf, -np.inf):
            worse = k.copy()
            worse.flat[k.size // 2] = bad
            with pytest.raises(InputError, match="non-finite"):
                convcli.convolve(x, worse, "same")
    big = np.full(40, 1e308)  # a finite kernel whose sum overflows is accepted
    np.testing.assert_array_equal(convcli.convolve(np.zeros(100), big, "same"), np.zeros(100))


def test_a_kernel_changed_in_place_is_checked_and_used_as_it_now_is(planned, rng):
    """A decision keeps the last kernel it ran with by its bytes: the caller's array changed
    in place is a new kernel (checked, priced if its properties differ, its values used),
    and the kept operand is a copy, not the caller's memory."""
    for x_shape, k_shape, options, oracle in CASES[:4]:
        x = rng.standard_normal(x_shape)
        k = rng.standard_normal(k_shape)
        for _ in range(2):
            assert_close(convcli.convolve(x, k, "same", **options), oracle(x, k, options))
        first = k.copy()
        k *= -2.0  # the caller's array changes: the kept kernel must not be a view of it
        assert_close(convcli.convolve(x, first, "same", **options), oracle(x, first, options))
        assert_close(convcli.convolve(x, k, "same", **options), oracle(x, k, options))
        k.flat[0] = np.nan
        with pytest.raises(InputError, match="non-finite"):
            convcli.convolve(x, k, "same", **options)
    sparse = np.zeros(501)
    x = rng.standard_normal(1000)
    dense = rng.standard_normal(501)
    for k in (dense, dense, sparse):  # the last kernel's zeros make other methods cheaper
        sparse[250] = 1.0
        assert_close(convcli.convolve(x, k, "same"), ss.convolve(x, k, "same", method="direct"))


def test_the_table_is_bounded(planned, rng):
    for n in range(10, 10 + decisions.KEPT + 20):
        convcli.convolve(np.ones(n), np.ones(3), "same")
        assert len(DECISIONS) <= decisions.KEPT


def test_threads_share_the_table(rng):
    DECISIONS.clear()
    jobs = []
    for x_shape, k_shape, options, oracle in CASES:
        x = rng.standard_normal(x_shape)
        k = rng.standard_normal(k_shape)
        jobs.append((x, k, options, oracle(x, k, options)))
    failures = []

    def work(offset: int) -> None:
        try:
            for i in range(40):
                x, k, options, expected = jobs[(i + offset) % len(jobs)]
                assert_close(convcli.convolve(x, k, "same", **options), expected)
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures


def test_pricing_imports_nothing_and_charges_an_import_not_yet_paid():
    """A fresh process: pricing the fft backend leaves scipy.fft unimported and charges its
    first import (it used to import it while pricing, so the import was never charged)."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from convcli.engine.plan import make_plan\n"
        "from convcli.engine.backends.fft import FFTBackend\n"
        "from convcli.engine.backends.costs import cost\n"
        "plan = make_plan(np.ones((4096, 4096), np.float32), np.ones((101, 101), np.float32),"
        " 'same', flip=True)\n"
        "method = FFTBackend().estimate(plan)\n"
        "assert 'scipy.fft' not in sys.modules, 'pricing imported scipy.fft'\n"
        "assert 'scipy.fft' in method.name, method.name\n"
        "assert method.seconds > cost('scipy_fft_import'), method.seconds\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_a_choice_priced_from_integer_weights_is_not_remembered(planned, rng):
    """The integer taps' price reads the weights (equal ones are grouped): such a choice is
    planned on every call, and each call is exact."""
    img = rng.integers(0, 256, size=(64, 64)).astype(np.int16)
    for k in (np.ones((3, 3), np.int16), np.arange(9, dtype=np.int16).reshape(3, 3)):
        got = run(img, k, "same", flip=True)
        assert got.values.dtype == np.int16
        np.testing.assert_array_equal(got.values, ss.convolve(img.astype(np.int64), k, "same"))
    assert len(planned) == 2
