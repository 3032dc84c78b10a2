"""Reading and writing convcli's inputs and outputs: signal CSVs, images and .npy arrays.

Each submodule has one job; none computes a convolution. Import the submodule you need
(``convcli.io.csv``, ``convcli.io.images``, ``convcli.io.arrays``, ``convcli.io.atomic``).
"""
