"""convcli: convolution for signals and images, from Python and the command line."""

from convcli.engine import backends, convolve, correlate
from convcli.errors import ConvcliError

__version__ = "0.1.0"
__all__ = ["convolve", "correlate", "backends", "ConvcliError", "__version__"]
