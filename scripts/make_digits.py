"""Write tinygrad_mlp/data/digits.npz from scikit-learn's bundled copy of the UCI digits.

The data: UCI Machine Learning Repository, "Optical Recognition of Handwritten Digits"
(E. Alpaydin and C. Kaynak, 1998), licensed CC BY 4.0,
https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits.
scikit-learn ships its test set as ``load_digits``: 1,797 images of 8x8 pixels, each pixel a
count in 0..16, with labels 0..9. This script stores them as uint8 in a compressed .npz.

Run it once, in a throwaway environment (the library itself never needs scikit-learn)::

    python3 -m venv /tmp/skvenv && /tmp/skvenv/bin/pip install scikit-learn
    /tmp/skvenv/bin/python scripts/make_digits.py
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

OUT = Path(__file__).resolve().parent.parent / "tinygrad_mlp" / "data" / "digits.npz"


def main() -> None:
    bunch = load_digits()
    images = np.asarray(bunch.images)
    labels = np.asarray(bunch.target)
    # the checks load_digits() in the library relies on
    assert images.shape == (1797, 8, 8), images.shape
    assert np.array_equal(images, np.round(images)) and images.min() >= 0 and images.max() <= 16
    assert labels.shape == (1797,) and set(labels.tolist()) == set(range(10))
    images_u8 = images.astype(np.uint8)
    labels_u8 = labels.astype(np.uint8)
    np.savez_compressed(OUT, images=images_u8, labels=labels_u8)
    digest = hashlib.sha256(images_u8.tobytes() + labels_u8.tobytes()).hexdigest()
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes); sha256 of images+labels {digest}")


if __name__ == "__main__":
    main()
