"""Kernels: the value object, the named library and the spec language.

``parse_kernel("gaussian:sigma=2", ndim=2)`` turns any spec a user writes into a
:class:`Kernel`; ``named_kernels()`` lists the library. No scipy here: it is slow to import.
"""

from convcli.kernels.kernel import Kernel
from convcli.kernels.limits import MAX_SIDE, MAX_TAPS
from convcli.kernels.registry import KernelEntry, Param, lookup, named_kernels
from convcli.kernels.spec import kernel_file, parse_kernel

__all__ = [
    "MAX_SIDE",
    "MAX_TAPS",
    "Kernel",
    "KernelEntry",
    "Param",
    "lookup",
    "kernel_file",
    "named_kernels",
    "parse_kernel",
]
