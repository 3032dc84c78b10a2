"""The spec language: names, inline matrices, ImageMagick strings, files, modifiers, ndim."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convcli.kernels import Kernel, parse_kernel

# --- names and parameters ----------------------------------------------------------------


def test_names_are_case_insensitive_and_aliases_resolve():
    assert parse_kernel("Gaussian:Sigma=2").name == "gaussian"
    assert parse_kernel("mean:size=5").name == "box"
    assert parse_kernel("UNITY").name == "identity"
    np.testing.assert_array_equal(parse_kernel("find_edges").values, parse_kernel("edge").values)


def test_parameters_are_parsed_and_recorded():
    kernel = parse_kernel(" gaussian : sigma = 2.5 , radius = 8 ")
    assert kernel.shape == (17,)
    assert kernel.params["sigma"] == 2.5 and kernel.params["radius"] == 8
    assert parse_kernel("box:size=7").shape == (7,)
    assert parse_kernel("box:size=7.0").shape == (7,)
    assert parse_kernel("sobel:direction=Y").params["direction"] == "y"
    assert parse_kernel("exponential:tau=4").origin == (0,)
    assert parse_kernel("gaussian:").shape == parse_kernel("gaussian").shape


def test_named_smoothing_kernels_are_normalised_by_definition():
    for spec in ("box", "gaussian:sigma=3", "hann", "binomial", "disk", "exponential", "motion"):
        assert parse_kernel(spec).sum == pytest.approx(1.0), spec
        assert parse_kernel(spec, ndim=None).values.min() >= 0


def test_other_named_kernels_keep_their_sum():
    assert parse_kernel("sobel").sum == 0
    assert parse_kernel("edge:normalize").sum == 0  # zero sum: left unchanged
    np.testing.assert_array_equal(
        parse_kernel("edge:normalize").values, parse_kernel("edge").values
    )
    np.testing.assert_allclose(parse_kernel("laplacian:scale=-1").values[1, 1], 4)


# --- inline and ImageMagick forms --------------------------------------------------------


@pytest.mark.parametrize(
    "spec,expected",
    [
        ("[1,2,1]", [1, 2, 1]),
        ("[1 2 1]", [1, 2, 1]),
        ("[ 1, -2.5e0 ,.5 ]", [1, -2.5, 0.5]),
        ("[1,2,1;]", [1, 2, 1]),
        ("[1,2,1; 2,4,2; 1,2,1]", [[1, 2, 1], [2, 4, 2], [1, 2, 1]]),
        ("[1 2; 3 4]", [[1, 2], [3, 4]]),
        ("[1;2;1]", [[1], [2], [1]]),
        ("[[1,2],[3,4]]", [[1, 2], [3, 4]]),
        ("[[[1],[2]],[[3],[4]]]", [[[1], [2]], [[3], [4]]]),
        ("[7]", [7]),
    ],
)
def test_inline_matrices(spec, expected):
    kernel = parse_kernel(spec)
    np.testing.assert_array_equal(kernel.values, expected)
    assert kernel.origin is None and kernel.name == "inline"


def test_written_kernels_are_used_exactly_as_given():
    assert parse_kernel("[1,2,1]").sum == 4
    assert parse_kernel("3x3: 1,2,1 2,4,2 1,2,1").sum == 16
    assert parse_kernel("[1,2,1]:normalize").sum == pytest.approx(1)
    assert parse_kernel("[1,2,1]:normalize=true").values.tolist() == [0.25, 0.5, 0.25]
    assert parse_kernel("[1,2,1]:normalise=yes").sum == pytest.approx(1)
    assert parse_kernel("[1,2,1]:normalize=false").sum == 4
    assert parse_kernel("[1,0,-1]:normalize").values.tolist() == [1, 0, -1]


@pytest.mark.parametrize(
    "spec,shape,origin",
    [
        ("3x3: 1,2,1 2,4,2 1,2,1", (3, 3), None),
        ("3x3:1 2 1 2 4 2 1 2 1", (3, 3), None),
        ("3: 1,2,1 2,4,2 1,2,1", (3, 3), None),
        ("3x1: 1,2,1", (1, 3), None),
        ("1x3: 1,2,1", (3, 1), None),
        ("3x3+0+0: 1,2,1 2,4,2 1,2,1", (3, 3), (0, 0)),
        ("5x1+0+0: 5,4,3,2,1", (1, 5), (0, 0)),
        ("3x2+2+1: 1,2,3 4,5,6", (2, 3), (1, 2)),
        ("1,2,1,2,4,2,1,2,1", (3, 3), None),
        ("1 2 1  2 4 2  1 2 1", (3, 3), None),
        ("5", (1, 1), None),
    ],
)
def test_imagemagick_kernel_strings(spec, shape, origin):
    kernel = parse_kernel(spec)
    assert kernel.shape == shape and kernel.origin == origin
    assert kernel.values.ravel()[0] == float(spec.split(":")[-1].replace(",", " ").split()[0])


def test_imagemagick_values_are_row_major_and_nan_or_dash_is_zero():
    np.testing.assert_array_equal(parse_kernel("3x2: 1,2,3 4,5,6").values, [[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(parse_kernel("3x1: nan,1,-").values, [[0, 1, 0]])


def test_imagemagick_string_takes_modifiers_after_a_second_colon():
    kernel = parse_kernel("3x3: 1,2,1 2,4,2 1,2,1 : normalize")
    assert kernel.sum == pytest.approx(1.0)
    assert parse_kernel("1,2,1,2,4,2,1,2,1:scale=2").sum == 32


# --- files -------------------------------------------------------------------------------


def write(tmp_path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "name,text",
    [
        ("k.csv", "1,2,1\n2,4,2\n1,2,1\n"),
        ("k.csv", "1, 2, 1\r\n2, 4, 2\r\n1, 2, 1"),
        ("k.txt", "# a comment\n1 2 1\n\n2 4 2   # trailing comment\n1\t2\t1\n"),
        ("k.tsv", "1\t2\t1\n2\t4\t2\n1\t2\t1\n"),
        ("k.csv", "\ufeff1,2,1\n2,4,2\n1,2,1\n"),
    ],
)
def test_text_files(tmp_path, name, text):
    kernel = parse_kernel(write(tmp_path, name, text))
    np.testing.assert_array_equal(kernel.values, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    assert kernel.name == name and kernel.sum == 16  # not normalised


def test_one_line_file_is_1d_and_one_column_file_is_2d(tmp_path):
    assert parse_kernel(write(tmp_path, "row.csv", "1,2,1\n")).shape == (3,)
    column = write(tmp_path, "col.txt", "1\n2\n1\n")
    assert parse_kernel(column).shape == (3, 1)
    assert parse_kernel(column, ndim=1).shape == (3,)


def test_npy_files(tmp_path):
    path = tmp_path / "k.npy"
    np.save(path, np.arange(6, dtype=np.int16).reshape(2, 3))
    kernel = parse_kernel(str(path))
    assert kernel.values.dtype == np.float64
    np.testing.assert_array_equal(kernel.values, [[0, 1, 2], [3, 4, 5]])
    np.save(path, np.array(2.5))
    assert parse_kernel(str(path)).values.tolist() == [2.5]


def test_json_files(tmp_path):
    plain = write(tmp_path, "a.json", "[[1, 2], [3, 4]]")
    np.testing.assert_array_equal(parse_kernel(plain).values, [[1, 2], [3, 4]])
    full = write(
        tmp_path, "b.json", json.dumps({"kernel": [1, 2, 1], "origin": [0], "normalize": True})
    )
    kernel = parse_kernel(full)
    assert kernel.origin == (0,) and kernel.values.tolist() == [0.25, 0.5, 0.25]
    scaled = write(tmp_path, "c.json", '{"kernel": [[1, 1], [1, 1]], "origin": 1, "scale": 2}')
    kernel = parse_kernel(scaled)
    assert kernel.origin == (1, 1) and kernel.sum == 8


def test_paths_with_colons_and_file_modifiers(tmp_path):
    path = write(tmp_path, "odd:name.csv", "1,2,1\n")
    assert parse_kernel(path).values.tolist() == [1, 2, 1]
    assert parse_kernel(path + ":normalize").sum == pytest.approx(1.0)
    other = write(tmp_path, "k.csv", "1,2,1\n")
    assert parse_kernel(other + ":scale=2,origin=0").values.tolist() == [2, 4, 2]


def test_existing_path_wins_over_modifier_reading(tmp_path):
    folder = tmp_path / "a:scale=2"
    folder.mkdir()
    path = write(folder, "k.csv", "1,2,1\n")  # ':' in a directory name, not modifiers
    assert parse_kernel(path).sum == 4
    assert parse_kernel(path + ":scale=3").sum == 12


# --- modifiers ---------------------------------------------------------------------------


def test_scale_and_normalize_order():
    assert parse_kernel("[1,2,1]:scale=2,normalize").sum == pytest.approx(2.0)
    assert parse_kernel("box:size=4,scale=4").values.tolist() == [1, 1, 1, 1]


def test_transpose_and_rotate():
    m = parse_kernel("[1,2,3; 4,5,6]")
    np.testing.assert_array_equal(parse_kernel("[1,2,3; 4,5,6]:transpose").values, m.values.T)
    np.testing.assert_array_equal(
        parse_kernel("[1,2,3; 4,5,6]:rotate=90").values, [[3, 6], [2, 5], [1, 4]]
    )
    np.testing.assert_array_equal(
        parse_kernel("[1,2,3; 4,5,6]:rotate=-90").values, np.rot90(m.values, 3)
    )
    np.testing.assert_array_equal(parse_kernel("[1,2,3]:rotate=180").values, [3, 2, 1])
    np.testing.assert_array_equal(
        parse_kernel("sobel:transpose").values, parse_kernel("sobel:direction=y").values
    )
    np.testing.assert_array_equal(parse_kernel("[1,2,1]:transpose", ndim=2).values, [[1], [2], [1]])


def test_origin_modifier_and_origins_follow_rotation():
    assert parse_kernel("[1,2,1]:origin=0").origin == (0,)
    assert parse_kernel("[1,2;3,4]:origin=0;1").origin == (0, 1)
    assert parse_kernel("[1,2;3,4]:origin=1").origin == (1, 1)
    assert parse_kernel("exponential:origin=center").origin is None
    assert parse_kernel("3x2: 1,2,3 4,5,6 : origin=1;2").origin == (1, 2)
    rotated = parse_kernel("3x2+0+0: 1,2,3 4,5,6 : rotate=90")
    assert rotated.values[rotated.origin] == 1
    assert parse_kernel("exponential:rotate=180").origin == (
        parse_kernel("exponential").shape[0] - 1,
    )


def test_outer_product_modifier():
    kernel = parse_kernel("[1,2,1]:outer")
    np.testing.assert_array_equal(kernel.values, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_allclose(
        parse_kernel("binomial:size=3,outer").values, parse_kernel("binomial:size=3", ndim=2).values
    )
    assert parse_kernel("exponential:outer", ndim=2).origin == (0, 0)


# --- dimensions --------------------------------------------------------------------------


def test_smoothing_kernels_become_outer_products_in_2d_and_3d():
    g = parse_kernel("gaussian:sigma=1.5").values
    np.testing.assert_allclose(parse_kernel("gaussian:sigma=1.5", ndim=2).values, np.outer(g, g))
    b = parse_kernel("box:size=3", ndim=3)
    assert b.shape == (3, 3, 3) and b.sum == pytest.approx(1.0)
    np.testing.assert_allclose(b.values, np.full((3, 3, 3), 1 / 27))


def test_written_rows_and_columns_follow_the_requested_ndim():
    assert parse_kernel("[1,2,1]", ndim=2).shape == (1, 3)
    assert parse_kernel("[1,2,1]", ndim=3).shape == (1, 1, 3)
    assert parse_kernel("[1;2;1]", ndim=1).shape == (3,)
    assert parse_kernel("3x1: 1,2,1", ndim=1).shape == (3,)
    assert parse_kernel("[1,2,1]:origin=0", ndim=2).origin == (0, 0)
    assert parse_kernel("3x1+2+0: 1,2,1", ndim=1).origin == (2,)
    assert parse_kernel("sobel", ndim=2).shape == (3, 3)


def test_ndim_none_gives_the_natural_dimension():
    assert parse_kernel("gaussian").ndim == 1
    assert parse_kernel("sobel").ndim == 2
    assert parse_kernel("derivative").ndim == 1
    assert parse_kernel("derivative:direction=y", ndim=2).shape == (3, 1)


def test_the_package_does_not_import_scipy():
    code = (
        "import sys, convcli.kernels as k\n"
        "[k.parse_kernel(e.name, n) for e in k.named_kernels() for n in e.ndims]\n"
        "assert 'scipy' not in sys.modules, 'scipy imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


# --- properties --------------------------------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda v: round(v, 6))


@st.composite
def matrices(draw):
    rows = draw(st.integers(1, 5))
    cols = draw(st.integers(1, 5))
    return np.array(draw(st.lists(finite, min_size=rows * cols, max_size=rows * cols))).reshape(
        rows, cols
    )


@settings(max_examples=60, deadline=None)
@given(matrices())
def test_written_forms_round_trip(m):
    rows = "; ".join(", ".join(repr(float(v)) for v in row) for row in m)
    inline = parse_kernel(f"[{rows}]", ndim=2).values
    np.testing.assert_array_equal(inline, m)
    flat = " ".join(repr(float(v)) for v in m.ravel())
    magick = parse_kernel(f"{m.shape[1]}x{m.shape[0]}: {flat}").values
    np.testing.assert_array_equal(magick, m)


@settings(max_examples=60, deadline=None)
@given(matrices(), st.integers(0, 3), st.data())
def test_rotation_keeps_the_origin_tap(m, turns, data):
    origin = (data.draw(st.integers(0, m.shape[0] - 1)), data.draw(st.integers(0, m.shape[1] - 1)))
    kernel = Kernel(m, origin)
    turned = kernel.rotated(turns)
    np.testing.assert_array_equal(turned.values, np.rot90(m, turns))
    assert turned.values[turned.origin_index] == m[origin]
    back = turned.rotated(4 - turns)
    np.testing.assert_array_equal(back.values, m)
    assert back.origin_index == origin
    flipped = kernel.transposed()
    assert flipped.values[flipped.origin_index] == m[origin]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(finite, min_size=1, max_size=6),
    st.lists(finite, min_size=1, max_size=6),
)
def test_separable_factors_rebuild_outer_products(u, v):
    m = np.outer(u, v)
    kernel = Kernel(m)
    assert kernel.rank <= 1
    factors = kernel.separable_factors()
    assert factors is not None and len(factors) == 2
    np.testing.assert_allclose(np.outer(*factors), m, atol=1e-9 * max(1.0, np.abs(m).max()))


def test_rank_and_separability_of_named_kernels():
    assert Kernel(np.array([[1.0, 2], [3, 4]])).rank == 2
    assert Kernel(np.array([[1.0, 2], [3, 4]])).separable_factors() is None
    sobel = parse_kernel("sobel")
    assert sobel.rank == 1
    a, b = sobel.separable_factors()
    np.testing.assert_allclose(np.outer(a, b), sobel.values, atol=1e-12)
    np.testing.assert_allclose(b / b[0], [1, 0, -1], atol=1e-12)
    assert parse_kernel("edge").rank == 2
    assert parse_kernel("gaussian", ndim=3).rank == 1
    assert len(parse_kernel("gaussian", ndim=3).separable_factors()) == 3
    assert parse_kernel("dog").separable_factors() is None
