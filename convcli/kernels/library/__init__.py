"""The named kernel families as data, one module per family (registered on first use).

``smoothing`` (identity, box, gaussian, binomial, disk), ``windows`` (scipy's symmetric
windows), ``time_series`` (exponential, Savitzky–Golay, finite differences), ``edges``
(gradients, Laplacians, compass kernels), ``enhance`` (sharpen, unsharp, emboss, motion),
``gabor`` (Gabor filters) and ``banks`` (several kernels from one spec).
"""
