"""An image unrolled into a column vector, in C (row-major) order.

    image2vector(image)[(i * w + j) * c + k, 0] = image[i, j, k]

Shapes: ``image (h, w, c)`` -> ``v (h * w * c, 1)`` in the input dtype: the
course's ``image.reshape(h * w * c, 1)``. Any dimension may be 0. There is no
arithmetic: the cost model counts one operation per element moved. The numpy
tier returns a view of a C-contiguous image (nothing is copied, which is what
the course's reshape buys) and a copy of any other layout.
"""

import numpy as np
from numba import njit

from impls.registry import Kernel, nbytes


def image2vector_python(image):
    """Loop: three nested loops, each pixel channel to its C-order slot."""
    h, w, c = image.shape
    v = np.empty((h * w * c, 1), image.dtype)
    for i in range(h):
        for j in range(w):
            for k in range(c):
                v[(i * w + j) * c + k, 0] = image[i, j, k]
    return v


def image2vector_numpy(image):
    """Vectorized: reshape, a view when the image is C-contiguous."""
    h, w, c = image.shape
    return image.reshape(h * w * c, 1)


image2vector_numba = njit(cache=True)(image2vector_python)


def make_inputs(n, rng, dtype):
    """An (n, n, 3) RGB image with values in [0, 1), the course's 64 x 64 x 3 at n=64."""
    return (rng.random((n, n, 3)).astype(dtype, copy=False),)


def edge_inputs(dtype):
    distinct = np.arange(2 * 3 * 4, dtype=dtype)  # every slot holds its own index
    return [
        ("course's 3 x 3 x 2", (np.linspace(0, 1, 18, dtype=dtype).reshape(3, 3, 2),)),
        ("h, w, c all different", (distinct.reshape(2, 3, 4),)),
        ("transposed (F-ordered) view", (distinct.reshape(4, 3, 2).T,)),
        ("channels-first array moved to channels-last", (np.moveaxis(distinct.reshape(4, 2, 3), 0, -1),)),
        ("one pixel, one channel", (np.array([[[0.25]]], dtype),)),
        ("grey image (c = 1)", (distinct.reshape(4, 6, 1),)),
        ("empty", (np.zeros((0, 5, 3), dtype),)),
    ]


KERNEL = Kernel(
    name="image2vector",
    summary="image2vector(image (h, w, c)) -> (h*w*c, 1): C-order reshape",
    tiers={"python": image2vector_python, "numpy": image2vector_numpy, "numba": image2vector_numba},
    make_inputs=make_inputs,
    sizes={
        "quick": (4, 64, 128),
        "default": (4, 64, 256, 1_024, 2_048),
        "large": (1_024, 2_048, 4_096),
    },
    edge_inputs=edge_inputs,
    flops=lambda args: float(args[0].size),  # element moves, not arithmetic
    bytes_moved=lambda args: 2 * nbytes(args[0]),
    # figures against the bandwidth roof mean nothing for a call that copies nothing
    extra={"no_ceiling": {"numpy": "a view: no bytes move"}},
)
