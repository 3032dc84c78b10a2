"""The errors convcli raises for a user's mistake: each message is written for the user."""

from __future__ import annotations


class ConvcliError(ValueError):
    """Base of every user-facing error; the CLI prints it as one ``convcli: error: …`` line."""


class InputError(ConvcliError):
    """An input array, file or stream that cannot be used as given."""


class KernelError(ConvcliError):
    """A kernel spec, file or value that cannot be used as given."""


class BackendError(ConvcliError):
    """An unknown or unavailable backend, or one that cannot run this case."""


class OutputError(ConvcliError):
    """An output that cannot be written (unwritable, or the input itself)."""


class ResourceError(ConvcliError):
    """Work refused before it starts: it would need more memory than the budget allows."""
