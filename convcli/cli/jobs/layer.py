"""`convolve --layer`: read an image or an (in, H, W) array and (out, in/groups, kh, kw)
weights → the engine's conv2d layer → (out, H′, W′) feature maps."""

from __future__ import annotations

import numpy as np

from convcli.cli.jobs.engine_call import EngineOptions
from convcli.cli.report import Timings


def run(source: str, output: str, weights_path: str, options: EngineOptions, report: Timings,
        *, groups: int) -> None:
    from convcli.cli.jobs.inputs import kind_of_source
    from convcli.engine.layer import check_layer, conv2d
    from convcli.io.arrays import read_array
    from convcli.io.atomic import check_not_input
    from convcli.io.feature_maps import write_feature_maps

    for source_path in (source, weights_path):
        check_not_input(output, source_path)
    with report.stage("kernel") as stage:
        weights = read_array(weights_path)
        stage.detail = f"layer weights {weights.shape}"
    with report.stage("read", unit="B") as stage:
        if kind_of_source(source) == "image":
            from convcli.io.images import read_image

            pixels = read_image(source).pixels
            x = np.moveaxis(pixels, -1, 0) if pixels.ndim == 3 else pixels[None]
        else:
            x = read_array(source)
            x = x[None] if x.ndim == 2 else x
        stage.amount = x.nbytes
        stage.detail = f"{x.dtype} {x.shape}"
    check_layer(x.shape, weights.shape, groups)
    with report.stage("convolve", amount=x[0].size * weights.shape[0] * weights.shape[1],
                      unit="samples") as stage:
        maps = conv2d(x, weights, mode=options.mode, stride=options.stride,
                      dilation=options.dilation, groups=groups, boundary=options.boundary,
                      fillvalue=options.fillvalue, backend=options.backend)
        stage.detail = f"conv2d (cross-correlation) {options.mode}, groups {groups}"
    with report.stage("write", amount=maps.nbytes, unit="B"):
        write_feature_maps(maps, output)
    report.facts.update(shape=list(maps.shape), groups=groups)
