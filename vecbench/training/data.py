"""Course-format HDF5 data sets: read, validate, flatten, write, synthesize.

A data set is a pair of files in one directory, ``train_<name>.h5`` and
``test_<name>.h5`` (the course ships ``train_catvnoncat.h5`` and
``test_catvnoncat.h5``). Each holds, for its split ``s`` (``train``/``test``):

    <s>_set_x     (m, px, px, 3) uint8   images, or (m, n_x) float features
    <s>_set_y     (m,) integer           labels in {0, 1}
    list_classes  (2,) bytes             class names, label order

Loading flattens and scales exactly as the course does,
``X = x.reshape(m, -1).T / 255`` (images only; float features are taken as
they are), keeping the transposed layout: ``X`` is ``(n_x, m)`` and
Fortran-ordered, one example per column. ``Y`` is ``(1, m)`` float64 (the
course keeps int64; the kernels take one float dtype throughout).

Two generators write the same format: ``synthetic_cats`` (a seeded,
learnable stand-in for the cat images, any size) and ``planar`` (the course's
``load_planar_dataset`` "flower", seeded as the course seeds it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from vecbench import VecbenchError
from vecbench.files import refuse_existing, write_new_or_fail

SPLITS = ("train", "test")
CAT_CLASSES = (b"non-cat", b"cat")
PLANAR_CLASSES = (b"red", b"blue")
#: Share of cats in the course's training file (72 of 209).
CAT_FRACTION = 72 / 209
#: The course's sizes: 209 training and 50 test images of 64x64 pixels; 400 flower points.
COURSE_SIZES = {"cat": (209, 50), "planar": (400, 200)}
SET_NAMES = {"cat": "catvnoncat", "planar": "planar"}


@dataclass(frozen=True)
class Dataset:
    """A loaded data set in the course's layout.

    X_train : (n_x, m_train) float64, one example per column
    Y_train : (1, m_train) float64 of 0.0/1.0
    X_test, Y_test : likewise with m_test columns
    classes : class names in label order (``("non-cat", "cat")``)
    source : where it came from (a directory, or ``synthetic ...``)
    """

    name: str
    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    classes: tuple[str, ...]
    source: str

    @property
    def n_x(self) -> int:
        return self.X_train.shape[0]

    def describe(self) -> str:
        counts = [int((self.Y_train == c).sum()) for c in (1, 0)]
        return (f"{self.name} from {self.source}: n_x={self.n_x}, m_train={self.Y_train.shape[1]} "
                f"({counts[0]} {self.classes[1]}, {counts[1]} {self.classes[0]}), m_test={self.Y_test.shape[1]}")


# -- reading -----------------------------------------------------------------

def read_split(path: Path | str, split: str) -> tuple[np.ndarray, np.ndarray, tuple[bytes, ...]]:
    """The raw ``(x, y, classes)`` of one course-format file, validated.

    x : (m, px, px, 3) uint8 or (m, n_x) float;  y : (m,) int64.
    Any problem (missing, not HDF5, wrong keys, shapes or dtypes) is a
    one-line ``VecbenchError`` naming the file.
    """
    path = Path(path)
    if not path.is_file():
        raise VecbenchError(f"{path}: no such file")
    kx, ky = f"{split}_set_x", f"{split}_set_y"
    try:
        with h5py.File(path, "r") as f:
            missing = [k for k in (kx, ky, "list_classes") if k not in f]
            if missing:
                raise VecbenchError(f"{path}: missing dataset {', '.join(missing)} (has: {', '.join(f) or 'nothing'})")
            for k in (kx, ky, "list_classes"):
                if not isinstance(f[k], h5py.Dataset):
                    raise VecbenchError(f"{path}: {k} is a group, expected a dataset")
            x, y, classes = f[kx][()], f[ky][()], f["list_classes"][()]
    except VecbenchError:
        raise
    except OSError as exc:
        raise VecbenchError(f"{path}: not a readable HDF5 file ({exc})") from None
    _validate(path, split, x, y, classes)
    return x, y.astype(np.int64), tuple(bytes(c) for c in classes)


def _validate(path: Path, split: str, x: np.ndarray, y: np.ndarray, classes: np.ndarray) -> None:
    kx, ky = f"{split}_set_x", f"{split}_set_y"
    images = x.ndim == 4 and x.shape[1] == x.shape[2] and x.shape[3] == 3 and x.dtype == np.uint8
    features = x.ndim == 2 and x.dtype.kind == "f"
    if not (images or features):
        raise VecbenchError(f"{path}: {kx} is {x.shape} {x.dtype}; expected (m, px, px, 3) uint8 "
                            "images or (m, n_x) float features")
    if 0 in x.shape:
        raise VecbenchError(f"{path}: {kx} is empty {x.shape}")
    if features and not np.all(np.isfinite(x)):
        raise VecbenchError(f"{path}: {kx} holds non-finite values")
    if y.shape != (x.shape[0],) or y.dtype.kind not in "iub":
        raise VecbenchError(f"{path}: {ky} is {y.shape} {y.dtype}; expected ({x.shape[0]},) integer labels")
    if not np.isin(y, (0, 1)).all():
        raise VecbenchError(f"{path}: {ky} holds labels other than 0 and 1")
    if classes.shape != (2,) or classes.dtype.kind != "S":
        raise VecbenchError(f"{path}: list_classes is {classes.shape} {classes.dtype}; expected 2 byte strings")


def flatten(x: np.ndarray) -> np.ndarray:
    """The course's ``x.reshape(m, -1).T / 255`` for images: (n_x, m), F-ordered.

    Float features are only transposed (and made float64), not scaled.
    """
    m = x.shape[0]
    X = x.reshape(m, -1).T
    return X / 255 if x.dtype == np.uint8 else X.astype(np.float64)


def labels(y: np.ndarray) -> np.ndarray:
    """``(m,)`` integer labels -> ``(1, m)`` float64, the course's ``Y``."""
    return y.reshape(1, -1).astype(np.float64)


def dataset_names(directory: Path | str) -> list[str]:
    """Names of the complete ``train_<name>.h5`` + ``test_<name>.h5`` pairs in ``directory``."""
    directory = Path(directory)
    return sorted(p.name[len("train_"):-len(".h5")] for p in directory.glob("train_*.h5")
                  if (directory / f"test_{p.name[len('train_'):]}").is_file())


def load_dataset(directory: Path | str, name: str | None = None) -> Dataset:
    """Load the pair ``train_<name>.h5``/``test_<name>.h5`` from ``directory``.

    Without ``name``, the directory must hold exactly one pair.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise VecbenchError(f"{directory}: no such directory")
    if name is None:
        names = dataset_names(directory)
        if not names:
            raise VecbenchError(f"{directory}: no train_<name>.h5 with a matching test_<name>.h5")
        if len(names) > 1:
            raise VecbenchError(f"{directory}: several data sets ({', '.join(names)}); choose one with --set")
        name = names[0]
    x_train, y_train, classes = read_split(directory / f"train_{name}.h5", "train")
    x_test, y_test, _ = read_split(directory / f"test_{name}.h5", "test")
    if x_train.shape[1:] != x_test.shape[1:] or x_train.dtype != x_test.dtype:
        raise VecbenchError(f"{directory}: train examples are {x_train.shape[1:]} {x_train.dtype} but test "
                            f"examples are {x_test.shape[1:]} {x_test.dtype}")
    return Dataset(name, flatten(x_train), labels(y_train), flatten(x_test), labels(y_test),
                   tuple(c.decode(errors="replace") for c in classes), str(directory))


# -- writing -----------------------------------------------------------------

def write_split(path: Path | str, split: str, x: np.ndarray, y: np.ndarray,
                classes: tuple[bytes, ...]) -> Path:
    """Write one course-format file atomically; an existing file is an error."""
    _validate(Path(path), split, x, y, np.array(classes))

    def fill(tmp: Path) -> None:
        with h5py.File(tmp, "w") as f:
            f.create_dataset(f"{split}_set_x", data=x)
            f.create_dataset(f"{split}_set_y", data=y.astype(np.int64))
            f.create_dataset("list_classes", data=np.array(classes))

    return write_new_or_fail(path, fill)


def write_dataset(directory: Path | str, name: str, train: tuple, test: tuple) -> list[Path]:
    """Write ``train_<name>.h5`` and ``test_<name>.h5``; each split is ``(x, y, classes)``.

    Both names are checked before either is written, so a refusal leaves the
    directory as it was.
    """
    directory = Path(directory)
    paths = [directory / f"{split}_{name}.h5" for split in SPLITS]
    refuse_existing(*paths)
    return [write_split(p, split, *xyc) for p, split, xyc in zip(paths, SPLITS, (train, test))]


# -- generators --------------------------------------------------------------

def synthetic_cats(m: int, px: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray, tuple[bytes, ...]]:
    """A learnable cat/non-cat stand-in: ``x (m, px, px, 3) uint8``, ``y (m,) int64``.

    Every image is a noisy background with a colour gradient and a blob near
    the centre; in cats the blob is warm (fur-like) with two ear-like patches
    above it, in non-cats it is mostly cool (a quarter are warm balls
    without ears). The class is thus readable from the
    colours of the centre and the ears, which logistic regression can learn, while
    backgrounds, blob size, position and pixel noise vary from image to image.
    About a third are cats, as in the course's file.
    """
    if m < 1 or px < 4:
        raise VecbenchError(f"synthetic cats need m >= 1 and px >= 4 (got m={m}, px={px})")
    rng = np.random.default_rng(seed)
    n_cats = int(round(m * CAT_FRACTION))
    if m >= 2:
        n_cats = min(max(n_cats, 1), m - 1)  # both classes present whenever possible
    y = np.zeros(m, np.int64)
    y[rng.permutation(m)[:n_cats]] = 1
    rows, cols = np.mgrid[0:px, 0:px] / (px - 1)  # pixel coordinates in [0, 1]
    x = np.empty((m, px, px, 3), np.uint8)
    for start in range(0, m, 256):  # chunks keep the float work small for any m
        stop = min(start + 256, m)
        x[start:stop] = _cat_images(rng, y[start:stop], rows, cols)
    return x, y, CAT_CLASSES


def _cat_images(rng: np.random.Generator, y: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    k = y.shape[0]
    base = rng.uniform(40, 200, (k, 1, 1, 3))
    slope = rng.uniform(-50, 50, (k, 1, 1, 3))
    image = base + slope * (rows[None, :, :, None] - 0.5)
    centre = 0.5 + rng.uniform(-0.08, 0.08, (k, 2, 1, 1))
    radius = rng.uniform(0.18, 0.28, (k, 1, 1))
    dist2 = (rows - centre[:, 0]) ** 2 + (cols - centre[:, 1]) ** 2
    blob = (dist2 < radius ** 2)[..., None]
    warm = np.array([205.0, 140.0, 70.0]) + rng.normal(0, 20, (k, 1, 1, 3))
    cool = np.array([70.0, 120.0, 190.0]) + rng.normal(0, 20, (k, 1, 1, 3))
    # a quarter of the non-cats hold a warm blob too (an orange ball), so the
    # ears, not the colour alone, tell some images apart
    warm_blob = (y == 1) | (rng.random(k) < 0.25)
    colour = np.where(warm_blob[:, None, None, None], warm, cool)
    image = np.where(blob, colour, image)
    for side in (-1, 1):  # ears: two patches above a cat's blob
        ear_r, ear_c = centre[:, 0] - radius * 0.9, centre[:, 1] + side * radius * 0.6
        ear = ((rows - ear_r) ** 2 + (cols - ear_c) ** 2 < (radius * 0.35) ** 2)[..., None]
        image = np.where(ear & (y[:, None, None, None] == 1), warm, image)
    image += rng.normal(0, 18, image.shape)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def planar(m: int = 400, seed: int = 1) -> tuple[np.ndarray, np.ndarray, tuple[bytes, ...]]:
    """The course's "flower": ``x (m, 2) float64``, ``y (m,) int64``.

    The course's ``load_planar_dataset`` recipe and random stream
    (``np.random.seed(1)`` then ``randn``): with ``m=400, seed=1`` it is the
    course's data set exactly (course layout: ``X = x.T``, ``Y = y[None]``).
    Odd ``m`` gives the extra point to the second petal set.
    """
    if m < 2:
        raise VecbenchError(f"the planar set needs m >= 2 (got {m})")
    rng = np.random.RandomState(seed)  # the legacy stream the course's np.random.seed drives
    a = 4  # maximum ray of the flower
    x = np.zeros((m, 2))
    y = np.zeros(m, np.int64)
    bounds = (0, m // 2, m)
    for j in range(2):
        ix = slice(bounds[j], bounds[j + 1])
        N = bounds[j + 1] - bounds[j]
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rng.randn(N) * 0.2  # theta
        r = a * np.sin(4 * t) + rng.randn(N) * 0.2  # radius
        x[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[ix] = j
    return x, y, PLANAR_CLASSES


def generate(kind: str, m_train: int | None = None, m_test: int | None = None,
             seed: int | None = None, px: int = 64) -> tuple[tuple, tuple]:
    """``(train, test)`` splits, each ``(x, y, classes)``, of a synthetic ``kind``.

    The test split is a fresh draw with ``seed + 1``. Default sizes and seeds
    are the course's (cat: 209/50 images; planar: 400 points, seed 1).
    """
    if kind not in COURSE_SIZES:
        raise VecbenchError(f"unknown data kind {kind!r}; choose from: {', '.join(COURSE_SIZES)}")
    m_train = COURSE_SIZES[kind][0] if m_train is None else m_train
    m_test = COURSE_SIZES[kind][1] if m_test is None else m_test
    if kind == "cat":
        seed = 0 if seed is None else seed
        return synthetic_cats(m_train, px, seed), synthetic_cats(m_test, px, seed + 1)
    seed = 1 if seed is None else seed
    return planar(m_train, seed), planar(m_test, seed + 1)


def synthetic_dataset(kind: str, m_train: int | None = None, m_test: int | None = None,
                      seed: int | None = None, px: int = 64) -> Dataset:
    """A synthetic ``kind`` in memory, flattened exactly as a loaded file would be."""
    train, test = generate(kind, m_train, m_test, seed, px)
    source = f"synthetic {kind} (seed {seed if seed is not None else 'default'})"
    return Dataset(SET_NAMES[kind], flatten(train[0]), labels(train[1]), flatten(test[0]), labels(test[1]),
                   tuple(c.decode() for c in train[2]), source)


def make(kind: str, out: Path | str, m_train: int | None = None, m_test: int | None = None,
         seed: int | None = None, px: int = 64) -> list[Path]:
    """Generate ``kind`` and write it to ``out`` as ``train_<name>.h5``/``test_<name>.h5``."""
    paths = [Path(out) / f"{split}_{SET_NAMES.get(kind, kind)}.h5" for split in SPLITS]
    refuse_existing(*paths)  # before spending time generating
    train, test = generate(kind, m_train, m_test, seed, px)
    return write_dataset(out, SET_NAMES[kind], train, test)
