"""Builds the lookup table of a product index (numba): kept apart from paperline.product_index so
that opening an index and answering queries never imports numba."""

import numba
import numpy as np

from .product_index import GOLDEN


@numba.njit(cache=True)
def fill(keys, bits):
    """Open addressing with linear probing: rows (anchor, row of the anchor) in a table of 2**bits."""
    size = 1 << bits
    slots = np.full((size, 2), -1, np.int64)
    shift = np.uint64(64 - bits)
    for r in range(len(keys)):
        h = np.int64((np.uint64(keys[r]) * np.uint64(GOLDEN)) >> shift)
        while slots[h, 1] != -1:
            h = (h + 1) & (size - 1)
        slots[h, 0] = keys[r]
        slots[h, 1] = r
    return slots
