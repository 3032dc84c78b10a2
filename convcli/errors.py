"""The errors convcli raises for a user's mistake: each message is written for a library user.

An error may name the library option that is the way out (``option``, and the ``value`` to
give it): the command line turns that into its flag (``backend="direct"`` → ``--backend
direct``), so the library's words never mention flags.
"""

from __future__ import annotations


class ConvcliError(ValueError):
    """Base of every user-facing error; the CLI prints it as one ``convcli: error: …`` line.

    >>> err = ConvcliError("integer result too large", option="backend", value="direct")
    >>> str(err), err.option, err.value
    ('integer result too large', 'backend', 'direct')
    """

    def __init__(self, message: str, *, option: str | None = None,
                 value: str | None = None) -> None:
        super().__init__(message)
        self.option = option
        self.value = value


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
