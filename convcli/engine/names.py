"""The engine's names (modes, boundaries, backends, NaN policies, pooling ops): see
:mod:`convcli.names`, their one home, kept outside this package so the CLI can read them
without importing numpy."""

from convcli.names import (
           ALIASES,
           BACKEND_CHOICES,
           BACKENDS,
           BOUNDARIES,
           MODES,
           NAN_POLICIES,
           POOL_OPS,
           STREAMABLE_BOUNDARIES,
)

__all__ = ["ALIASES", "BACKEND_CHOICES", "BACKENDS", "BOUNDARIES", "MODES", "NAN_POLICIES",
           "POOL_OPS", "STREAMABLE_BOUNDARIES"]
