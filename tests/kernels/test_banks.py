"""Kernel banks: the members and their order."""

from __future__ import annotations

import numpy as np
import pytest

from convcli.errors import KernelError
from convcli.kernels import parse_kernel
from convcli.kernels.library.banks import bank_specs, parse_bank
from convcli.kernels.library.edges import COMPASS


def test_sobel_all_is_x_then_y_and_xyz_in_3d():
    members = parse_bank("sobel:direction=all")
    assert [m.spec for m in members] == ["sobel:direction=x", "sobel:direction=y"]
    want = parse_kernel("sobel:direction=y").values
    np.testing.assert_array_equal(members[1].kernel.values, want)
    assert len(parse_bank("sobel:direction=all", ndim=3)) == 3


@pytest.mark.parametrize("name", ["kirsch", "compass"])
def test_compass_banks_have_the_eight_directions_clockwise(name):
    members = parse_bank(f"{name}:direction=all")
    assert len(members) == 8
    for member, direction in zip(members, COMPASS):
        want = parse_kernel(f"{name}:direction={direction}").values
        np.testing.assert_array_equal(member.kernel.values, want)


def test_gabor_orientations_step_by_180_over_n_and_keep_other_keys():
    specs = bank_specs("gabor:orientations=8,frequency=0.2,theta=10,part=imag")
    assert len(specs) == 8
    for k, spec in enumerate(specs):
        want = parse_kernel(f"gabor:frequency=0.2,part=imag,theta={10 + 22.5 * k}").values
        np.testing.assert_array_equal(parse_kernel(spec).values, want)


def test_repeated_specs_keep_their_order_and_modifiers_apply_to_each():
    members = parse_bank(["box:size=3", "sobel:direction=all,scale=2"], ndim=2)
    assert [m.spec for m in members] == ["box:size=3", "sobel:direction=x,scale=2",
                                         "sobel:direction=y,scale=2"]
    np.testing.assert_array_equal(members[2].kernel.values,
                                  2 * parse_kernel("sobel:direction=y").values)


@pytest.mark.parametrize("spec,message", [
    ("box:direction=all", "no direction"),
    ("box:orientations=4", "gabor kernels only"),
    ("gabor:orientations=0", "1 to 64"),
    ("gabor:orientations=x", "whole number"),
])
def test_bad_banks_are_one_clear_error(spec, message):
    with pytest.raises(KernelError, match=message):
        parse_bank(spec)


@pytest.mark.parametrize("spec", ["sobel:direction=all", "gabor:orientations=8"])
def test_a_bank_spec_is_not_a_single_kernel(spec):
    with pytest.raises(KernelError, match="is a bank of kernels"):
        parse_kernel(spec)
