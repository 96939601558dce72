"""Data for the experiments: the 8x8 digits (offline), MNIST (downloaded once) and mini-batches.

``load_digits()`` reads the 1797 handwritten 8x8 digits that ship inside scikit-learn (the file
``sklearn/datasets/data/digits.csv.gz``; scikit-learn itself is not imported) and splits them,
stratified by class and seeded, into training, validation and test sets. It never touches the
network, so the pages and figures use it by default.

``load_mnist()`` downloads the four MNIST IDX files once into a cache folder (``cache_dir``, else
``$OPTIMIZERS_DATA_DIR/mnist``, else ``~/.cache/optimizers/mnist``), verifies their SHA-256
sums, writes them atomically and parses them with :func:`read_idx`. Offline, or when a file does
not match its checksum, it raises an error that says how to fix it.

``minibatches()`` iterates over one epoch of shuffled mini-batches; ``index_batches()`` is the
endless, epoch-counting stream of batch indices that the training loop uses. A batch size of
``len(x)`` (or ``None``) gives full-batch gradient descent, 1 gives stochastic gradient descent.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import itertools
import os
import struct
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = [
    "MNIST_FILES",
    "MNIST_MIRRORS",
    "ChecksumError",
    "Dataset",
    "DownloadError",
    "batches_per_epoch",
    "download_mnist",
    "index_batches",
    "load_digits",
    "load_mnist",
    "minibatches",
    "mnist_dir",
    "one_hot",
    "read_idx",
    "write_idx",
]


@dataclass(frozen=True, repr=False)
class Dataset:
    """A classification data set split three ways. ``x_*`` hold one example per row; ``t_*``
    hold integer labels (n,) or one-hot rows (n, n_classes). A split may be empty (0 rows)."""

    x_train: np.ndarray
    t_train: np.ndarray
    x_val: np.ndarray
    t_val: np.ndarray
    x_test: np.ndarray
    t_test: np.ndarray
    n_classes: int
    name: str = ""

    @property
    def input_size(self) -> int:
        """Number of features of one example (64 for the digits, 784 for flattened MNIST)."""
        return int(np.prod(self.x_train.shape[1:]))

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, train={len(self.x_train)}, val={len(self.x_val)}, "
            f"test={len(self.x_test)}, features={self.input_size}, classes={self.n_classes})"
        )


def one_hot(t: np.ndarray, n_classes: int, dtype: type | np.dtype = np.float64) -> np.ndarray:
    """Integer labels (n,) as one-hot rows (n, n_classes): row i has a 1 in column ``t[i]``."""
    t = np.asarray(t)
    if t.ndim != 1 or not np.issubdtype(t.dtype, np.integer):
        raise ValueError(f"one_hot needs a 1-D array of integer labels, got {t.dtype} {t.shape}")
    if len(t) and (t.min() < 0 or t.max() >= n_classes):
        raise ValueError(f"labels must be in 0..{n_classes - 1}, got {t.min()}..{t.max()}")
    out = np.zeros((len(t), n_classes), dtype=dtype)
    out[np.arange(len(t)), t] = 1.0
    return out


# ---------------------------------------------------------------------------------------------
# The 8x8 digits


@lru_cache(maxsize=1)
def _digits_raw() -> tuple[np.ndarray, np.ndarray]:
    spec = importlib.util.find_spec("sklearn")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "load_digits() reads the digits that ship with scikit-learn, which is not installed: "
            "pip install scikit-learn (or pip install 'optimizers[figures]')"
        )
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
    if not path.is_file():
        raise FileNotFoundError(f"scikit-learn is installed but {path} is missing")
    table = np.loadtxt(path, delimiter=",", dtype=np.int64)
    if table.shape != (1797, 65):
        raise ValueError(f"{path}: expected 1797 rows of 64 pixels and a label, got {table.shape}")
    return table[:, :64], table[:, 64]


def _stratified_split(
    labels: np.ndarray, fractions: Sequence[float], rng: np.random.Generator
) -> list[np.ndarray]:
    """Indices of len(fractions) + 1 parts: in every class, round(f * class size) examples go
    to each part with fraction f, the rest to the last part; each part is then shuffled."""
    parts: list[list[np.ndarray]] = [[] for _ in range(len(fractions) + 1)]
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        start = 0
        for k, f in enumerate(fractions):
            stop = start + round(f * len(idx))
            parts[k].append(idx[start:stop])
            start = stop
        parts[-1].append(idx[start:])
    return [rng.permutation(np.concatenate(p)) for p in parts]


def load_digits(
    one_hot: bool = False,
    seed: int = 0,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    dtype: type | np.dtype = np.float64,
) -> Dataset:
    """The 8x8 handwritten digits of scikit-learn (1797 images, classes 0-9), offline.

    Inputs are the 64 pixel intensities divided by 16, so they lie in [0, 1]. The split is
    stratified by class and fixed by ``seed``: in each class, ``round(fraction * class size)``
    examples go to the test and to the validation set, the rest to training. With the defaults
    (0.2, 0.2) the sizes are train 1079, validation 359, test 359. Labels are integers, or
    one-hot rows of ``dtype`` with ``one_hot=True``.

    The data: Alpaydin & Kaynak (1998), "Optical Recognition of Handwritten Digits", UCI
    Machine Learning Repository (the test set of that collection, as scikit-learn ships it).
    """
    if not (0.0 <= val_fraction < 1.0 and 0.0 <= test_fraction < 1.0):
        raise ValueError(f"fractions must be in [0, 1), got {val_fraction!r}, {test_fraction!r}")
    if val_fraction + test_fraction >= 1.0:
        raise ValueError(
            f"val_fraction + test_fraction must be below 1 to leave training data, "
            f"got {val_fraction} + {test_fraction}"
        )
    pixels, labels = _digits_raw()
    x = pixels.astype(dtype) / 16.0
    rng = np.random.default_rng(seed)
    test, val, train = _stratified_split(labels, [test_fraction, val_fraction], rng)
    return _dataset(x, labels, train, val, test, 10, one_hot, dtype, "digits")


def _dataset(x, labels, train, val, test, n_classes, as_one_hot, dtype, name) -> Dataset:
    def t(idx):
        return one_hot(labels[idx], n_classes, dtype) if as_one_hot else labels[idx]

    return Dataset(x[train], t(train), x[val], t(val), x[test], t(test), n_classes, name)


# ---------------------------------------------------------------------------------------------
# MNIST: IDX files, checksums and the cache

#: The four MNIST files and their SHA-256 sums (the gzipped files as distributed).
MNIST_FILES: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",  # noqa: E501
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",  # noqa: E501
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",  # noqa: E501
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",  # noqa: E501
}
#: Where the files are fetched from, tried in order (the original site is often unreachable).
MNIST_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
_TRAIN_X, _TRAIN_T, _TEST_X, _TEST_T = MNIST_FILES

# IDX type codes (LeCun's format description) -> numpy dtypes; all data is big-endian.
_IDX_TYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class ChecksumError(ValueError):
    """A data file does not have the expected SHA-256 sum (damaged, truncated or different)."""


class DownloadError(OSError):
    """A data file is not in the cache and could not be downloaded (e.g. no network)."""


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Parse an IDX file (gzipped or not) into a numpy array of its shape and type.

    Format: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64), the number of dimensions d, then d big-endian uint32 sizes and
    the data, big-endian, in row-major order. Raises ``ValueError`` naming the file when the
    header is invalid or the data length does not match it.
    """
    data = Path(path).read_bytes()
    if data[:2] == b"\x1f\x8b":  # gzip magic number
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise ValueError(f"{path}: damaged gzip file ({e})") from e
    if len(data) < 4 or data[:2] != b"\x00\x00":
        raise ValueError(f"{path}: not an IDX file (it must start with two zero bytes)")
    code, ndim = data[2], data[3]
    if code not in _IDX_TYPES:
        raise ValueError(f"{path}: unknown IDX type code 0x{code:02x}")
    start = 4 + 4 * ndim
    if len(data) < start:
        raise ValueError(f"{path}: truncated IDX header ({ndim} dimensions announced)")
    shape = struct.unpack(f">{ndim}I", data[4:start])
    dtype = np.dtype(_IDX_TYPES[code])
    size = int(np.prod(shape)) * dtype.itemsize
    if len(data) - start != size:
        raise ValueError(
            f"{path}: the IDX header announces shape {shape} ({size} bytes of data), "
            f"but the file holds {len(data) - start} bytes of data"
        )
    array = np.frombuffer(data, dtype=dtype, offset=start).reshape(shape)
    return array.astype(dtype.newbyteorder("="))  # native byte order, writable copy


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file (gzipped when ``path`` ends in ``.gz``); see read_idx."""
    array = np.asarray(array)
    codes = {np.dtype(v).newbyteorder("="): k for k, v in _IDX_TYPES.items()}
    code = codes.get(array.dtype.newbyteorder("="))
    if code is None:
        raise ValueError(f"IDX cannot store dtype {array.dtype}; use one of {sorted(codes)}")
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.astype(np.dtype(_IDX_TYPES[code]), copy=False).tobytes()
    Path(path).write_bytes(gzip.compress(data) if str(path).endswith(".gz") else data)


def mnist_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """The folder of the MNIST files: ``cache_dir`` if given, else ``$OPTIMIZERS_DATA_DIR/mnist``
    if that environment variable is set, else ``~/.cache/optimizers/mnist``."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    root = os.environ.get("OPTIMIZERS_DATA_DIR")
    if root:
        return Path(root).expanduser() / "mnist"
    return Path.home() / ".cache" / "optimizers" / "mnist"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fix(folder: Path, files: Mapping[str, str]) -> str:
    return (
        "Fix: use optimizers.data.load_digits() (the 8x8 digits that ship with scikit-learn, "
        f"offline), or place the MNIST files {', '.join(files)} in {folder} (or set the "
        "environment variable OPTIMIZERS_DATA_DIR to a folder whose mnist/ subfolder holds them)."
    )


def _fetch(name: str, sha256: str, folder: Path, mirrors, opener, timeout: float) -> None:
    """Download ``name`` from the first mirror that serves it with the right checksum; write it
    to a temporary file in ``folder`` and rename it into place (atomic: never a partial file)."""
    folder.mkdir(parents=True, exist_ok=True)
    failures, mismatches = [], []
    for mirror in mirrors:
        url = mirror + name
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
        try:
            h = hashlib.sha256()
            with os.fdopen(fd, "wb") as out, opener(url, timeout=timeout) as response:
                for block in iter(lambda: response.read(1 << 20), b""):
                    h.update(block)
                    out.write(block)
            if h.hexdigest() == sha256:
                os.replace(tmp, folder / name)
                return
            mismatches.append(f"{url} sent a file with SHA-256 {h.hexdigest()}")
        except (urllib.error.URLError, OSError, TimeoutError) as e:
            failures.append(f"{url}: {e}")
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    if mismatches:
        raise ChecksumError(
            f"downloaded {name} but its SHA-256 is not the expected {sha256} "
            f"({'; '.join(mismatches)}). Nothing was written to the cache. "
            + _fix(folder, {name: sha256})
        )
    raise DownloadError(
        f"{name} is not in {folder} and could not be downloaded (offline?): "
        f"{'; '.join(failures) or 'no mirror given'}. " + _fix(folder, {name: sha256})
    )


def download_mnist(
    cache_dir: str | os.PathLike | None = None,
    *,
    files: Mapping[str, str] = MNIST_FILES,
    mirrors: Sequence[str] = MNIST_MIRRORS,
    opener: Callable | None = None,
    timeout: float = 60.0,
) -> Path:
    """Make sure the MNIST files are in the cache folder (see :func:`mnist_dir`) and return it.

    A file already there is verified against its SHA-256 sum (``ChecksumError`` if it does not
    match); a missing file is downloaded from ``mirrors`` in turn with ``opener`` (default
    ``urllib.request.urlopen``), verified and renamed into place, so the cache never holds a
    partial or unverified file. Offline, a ``DownloadError`` says how to proceed.
    ``files`` maps file names to SHA-256 sums (the tests pass their own).
    """
    folder = mnist_dir(cache_dir)
    opener = urllib.request.urlopen if opener is None else opener
    for name, sha256 in files.items():
        path = folder / name
        if not path.exists():
            _fetch(name, sha256, folder, mirrors, opener, timeout)
            continue
        got = _sha256(path)
        if got != sha256:
            raise ChecksumError(
                f"{path} has SHA-256 {got}, expected {sha256}: the file is damaged or is not "
                "the official MNIST file. Fix: delete it so that load_mnist() downloads it "
                "again, or replace it with the official file. " + _fix(folder, files)
            )
    return folder


def load_mnist(
    cache_dir: str | os.PathLike | None = None,
    one_hot: bool = False,
    normalize: bool = True,
    flatten: bool = True,
    val_size: int = 10_000,
    dtype: type | np.dtype = np.float32,
    *,
    files: Mapping[str, str] = MNIST_FILES,
    mirrors: Sequence[str] = MNIST_MIRRORS,
    opener: Callable | None = None,
) -> Dataset:
    """MNIST (LeCun, Bottou, Bengio & Haffner, 1998): 60,000 training and 10,000 test images of
    28x28 handwritten digits, downloaded once (see :func:`download_mnist`).

    The last ``val_size`` training images form the validation set (default 50,000 / 10,000 /
    10,000, as in Nielsen's book; ``val_size=0`` keeps all 60,000 for training).
    ``normalize``: pixels / 255 as ``dtype`` (float32 by default to halve the memory), else the
    raw uint8 values. ``flatten``: rows of 784 values, else 28x28 images. ``one_hot``: labels
    as one-hot rows of ``dtype``.
    """
    folder = download_mnist(cache_dir, files=files, mirrors=mirrors, opener=opener)
    x_train, t_train = read_idx(folder / _TRAIN_X), read_idx(folder / _TRAIN_T)
    x_test, t_test = read_idx(folder / _TEST_X), read_idx(folder / _TEST_T)
    for x, t, name in ((x_train, t_train, _TRAIN_X), (x_test, t_test, _TEST_X)):
        if x.ndim != 3 or t.ndim != 1 or len(x) != len(t) or (len(t) and t.max() > 9):
            raise ValueError(
                f"{folder / name} and its labels do not form an MNIST set: images {x.shape}, "
                f"labels {t.shape}. Delete the files in {folder} to download them again."
            )
    if not 0 <= val_size < len(x_train):
        raise ValueError(f"val_size must be in [0, {len(x_train)}), got {val_size!r}")
    x = np.concatenate([x_train, x_test])
    if flatten:
        x = x.reshape(len(x), -1)
    if normalize:
        x = x.astype(dtype) / 255.0  # a Python float keeps float32 arrays float32
    labels = np.concatenate([t_train, t_test]).astype(np.int64)
    n_train, n_all = len(x_train) - val_size, len(x)
    train, val = np.arange(n_train), np.arange(n_train, len(x_train))
    test = np.arange(len(x_train), n_all)
    return _dataset(x, labels, train, val, test, 10, one_hot, dtype, "mnist")


# ---------------------------------------------------------------------------------------------
# Mini-batches


def _check_batch_size(n: int, batch_size: int | None, drop_last: bool) -> int:
    if n < 1:
        raise ValueError("cannot draw mini-batches from an empty data set")
    if batch_size is None:
        return n
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
        raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
    if drop_last and batch_size > n:
        raise ValueError(f"drop_last=True with batch_size={batch_size} > {n} examples: no batch")
    return int(batch_size)


def batches_per_epoch(n: int, batch_size: int | None, drop_last: bool = False) -> int:
    """Number of mini-batches in one pass over ``n`` examples."""
    b = _check_batch_size(n, batch_size, drop_last)
    return n // b if drop_last else -(-n // b)


def index_batches(
    n: int,
    batch_size: int | None,
    rng: np.random.Generator | int | None = 0,
    shuffle: bool = True,
    drop_last: bool = False,
) -> Iterator[tuple[int, np.ndarray]]:
    """Endless stream of ``(epoch, indices)``: the batches of epoch 0, then of epoch 1, ...

    Each epoch is a fresh random permutation of ``range(n)`` (``shuffle=True``) cut into batches
    of ``batch_size`` (``None``: all ``n``); the last batch is smaller unless ``drop_last``.
    ``rng`` is a ``numpy.random.Generator`` or a seed.
    """
    batch_size = _check_batch_size(n, batch_size, drop_last)  # now, not at the first next()
    return _index_batches(n, batch_size, np.random.default_rng(rng), shuffle, drop_last)


def _index_batches(n, batch_size, rng, shuffle, drop_last):
    stop = n - n % batch_size if drop_last else n
    for epoch in itertools.count():
        order = rng.permutation(n) if shuffle else np.arange(n)
        for start in range(0, stop, batch_size):
            yield epoch, order[start : start + batch_size]


def minibatches(
    x: np.ndarray,
    t: np.ndarray,
    batch_size: int | None,
    rng: np.random.Generator | int | None = 0,
    shuffle: bool = True,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One epoch of mini-batches ``(x_batch, t_batch)`` of ``x`` and ``t`` (see index_batches).

    ``batch_size=len(x)`` (or ``None``) is full-batch gradient descent, ``1`` is stochastic
    gradient descent.
    """
    x, t = np.asarray(x), np.asarray(t)
    if len(x) != len(t):
        raise ValueError(f"x has {len(x)} examples but t has {len(t)}")
    n_batches = batches_per_epoch(len(x), batch_size, drop_last)
    batches = itertools.islice(
        index_batches(len(x), batch_size, rng, shuffle, drop_last), n_batches
    )
    return ((x[idx], t[idx]) for _, idx in batches)
