"""Kernels: the value object, the named library and the spec language."""

from convcli.kernels.kernel import Kernel

__all__ = ["Kernel"]
