"""Bad arguments: a ValueError (ConvcliError) with a message a user understands."""

import numpy as np
import pytest

import convcli
from convcli.errors import ConvcliError


@pytest.mark.parametrize("args, kwargs, message", [
    (("abc", [1]), {}, "array of numbers"),
    (([[1, 2], [3]], [1]), {}, "not an array of numbers"),
    (([], [1]), {}, "empty"),
    (([1, 2], []), {}, "empty"),
    (([1, 2, 3], [[1]]), {}, "more than the input"),
    (([1, 2, 3], [1]), {"mode": "middle"}, "unknown mode 'middle'; choose one of full, same"),
    (([1, 2, 3], [1]), {"boundary": "edge"}, "unknown boundary 'edge'"),
    (([1, 2, 3], [1]), {"backend": "cuda"}, "unknown backend 'cuda'; choose one of auto, direct"),
    (([1, 2, 3], [1, np.nan]), {}, "non-finite"),
    (([[1, 2, 3]], [[1], [1]]), {"mode": "valid"}, "at least as large"),
    (([1, 2, 3], [1, 1]), {"mode": "valid", "dilation": 3}, "must not be larger"),
    (([1, 2, 3], [1]), {"stride": 0}, "stride must be >= 1"),
    (([1, 2, 3], [1]), {"dilation": (1, 2)}, "one per axis"),
    (([1, 2, 3], [1, 2]), {"mode": "same", "origin": 2}, "outside the kernel"),
    (([1, 2, 3], [1]), {"axes": 3}, "out of range"),
    ((np.ones((3, 3)), [1, 2]), {}, "pass axes="),
    ((np.ones((3, 4)), np.ones((2, 2))), {"axes": [0]}, "must be equal or 1"),
])
def test_clear_errors(args, kwargs, message):
    with pytest.raises(ConvcliError, match=message.replace("(", r"\(")) as info:
        convcli.convolve(*args, **kwargs)
    assert isinstance(info.value, ValueError)


def test_backends_listed():
    assert convcli.backends() == ["auto", "direct", "fft", "scipy"]


def test_integer_exactness_beyond_float_precision():
    x = np.array([2**40, 3, 2**41 + 1], dtype=np.int64)
    k = np.array([2**15 + 1, 7], dtype=np.int64)
    got = convcli.convolve(x, k)  # auto must pick an exact method
    manual = [x[0] * k[0], x[0] * k[1] + x[1] * k[0], x[1] * k[1] + x[2] * k[0], x[2] * k[1]]
    np.testing.assert_array_equal(got, np.array(manual, dtype=np.int64))
    with pytest.raises(ConvcliError, match="direct"):
        convcli.convolve(x * 2**10, k, backend="fft")
