"""Data for the experiments: the 8x8 digits (offline), MNIST (downloaded once) and mini-batches.

``load_digits()`` reads the 1797 handwritten 8x8 digits that ship inside scikit-learn (the file
``sklearn/datasets/data/digits.csv.gz``; scikit-learn itself is not imported) and splits them,
stratified by class and seeded, into training, validation and test sets. It never touches the
network, so the pages and figures use it by default.

``load_mnist()`` downloads the four MNIST IDX files once into a cache folder (``cache_dir``, else
``$OPTIMIZERS_DATA_DIR/mnist``, else ``~/.cache/optimizers/mnist``), verifies their SHA-256
sums, writes them atomically and parses them with :func:`read_idx`. Each file is tried on every
mirror in turn, each attempt within a time budget. Offline, when no mirror delivers a file, when
a file does not match its checksum or when the cache folder cannot be written, it raises an
error that lists what each mirror did and ends with how to fix it ("Fix: ...").

``minibatches()`` iterates over one epoch of shuffled mini-batches; ``index_batches()`` is the
endless, epoch-counting stream of batch indices that the training loop uses. A batch size of
``len(x)`` (or ``None``) gives full-batch gradient descent, 1 gives stochastic gradient descent.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import gzip
import hashlib
import http.client
import importlib.util
import itertools
import os
import socket
import struct
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ._checks import POSITIVE, UNIT, integer, items, mapping, real

try:  # file locks tell a live download's temporary file from one left by a killed run
    import fcntl
except ImportError:  # Windows: stale temporary files are recognised by their age instead
    fcntl = None

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
    """Integer labels (n,) as one-hot rows (n, n_classes): row i has a 1 in column ``t[i]``.

    Errors: ``TypeError`` if ``n_classes`` is not an integer; ``ValueError`` for labels that
    are not a 1-D integer array or lie outside ``0..n_classes-1``.
    """
    n_classes = integer("n_classes", n_classes, 1, owner="one_hot")
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
            "pip install scikit-learn (or pip install 'optimization-for-deep-learning[figures]')"
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

    Errors: ``TypeError`` if a fraction is not a number or ``dtype`` is not a dtype;
    ``ValueError`` if a fraction is outside [0, 1), if the two leave no training data, or if
    ``dtype`` is not a floating-point type (pixels / 16 are fractions).
    """
    val_fraction = real("val_fraction", val_fraction, UNIT, owner="load_digits")
    test_fraction = real("test_fraction", test_fraction, UNIT, owner="load_digits")
    dtype = _float_dtype(dtype, owner="load_digits")
    if val_fraction + test_fraction >= 1.0:
        raise ValueError(
            "load_digits: val_fraction + test_fraction must be below 1 to leave training data, "
            f"got {val_fraction} + {test_fraction}"
        )
    pixels, labels = _digits_raw()
    x = pixels.astype(dtype) / 16.0
    rng = np.random.default_rng(seed)
    test, val, train = _stratified_split(labels, [test_fraction, val_fraction], rng)
    return _dataset(x, labels, train, val, test, 10, one_hot, dtype, "digits")


def _float_dtype(dtype, *, owner: str) -> np.dtype:
    """``dtype`` as a numpy floating-point dtype: the inputs are pixel intensities scaled to
    [0, 1], and the one-hot rows are used as probabilities, so an integer type makes no sense."""
    try:
        dt = np.dtype(dtype) if dtype is not None else None  # np.dtype(None) is float64
    except TypeError:
        dt = None
    if dt is None:
        raise TypeError(f"{owner}: dtype must be a numpy dtype, got {dtype!r}")
    if dt.kind != "f":
        raise ValueError(
            f"{owner}: dtype must be a floating-point type such as np.float32 or np.float64 "
            f"(the pixels are scaled to [0, 1]), got {dt}"
        )
    return dt


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
    """A data file is not in the cache and could not be downloaded (no network, or no mirror
    delivered it within the time allowed), or the cache folder cannot be written or read."""


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Parse an IDX file (gzipped or not) into a numpy array of its shape and type.

    Format: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64), the number of dimensions d, then d big-endian uint32 sizes and
    the data, big-endian, in row-major order.

    Errors: ``ValueError`` naming the file when the gzip stream is damaged (truncated, bad CRC,
    corrupted deflate data), the header is invalid, or the data length does not match it;
    the ``OSError`` of ``open`` when the file cannot be read.
    """
    data = Path(path).read_bytes()
    if data[:2] == b"\x1f\x8b":  # gzip magic number
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
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


def download_mnist(
    cache_dir: str | os.PathLike | None = None,
    *,
    files: Mapping[str, str] = MNIST_FILES,
    mirrors: Sequence[str] = MNIST_MIRRORS,
    opener: Callable | None = None,
    timeout: float = 60.0,
) -> Path:
    """Make sure the MNIST files are in the cache folder (see :func:`mnist_dir`) and return it.

    A file already there is verified against its SHA-256 sum. A missing file is downloaded
    from each of ``mirrors`` in turn (URLs of folders; a missing final ``/`` is added) with
    ``opener`` (default ``urllib.request.urlopen``) into a temporary ``.part`` file, verified,
    and renamed into place, so the cache never holds a partial or unverified file. Any network
    or protocol failure of a mirror (no connection, an HTTP error, an answer that is not HTTP, a
    body cut short, a malformed URL, too slow, a wrong checksum) moves on to the next mirror.

    - ``files`` maps file names to SHA-256 sums (hex digits, either case; the tests pass their
      own).
    - ``timeout``: the seconds allowed for one attempt, i.e. one file from one mirror:
      connecting, waiting and reading all of it (urllib's own timeout only bounds each network
      read, so a mirror that sends a byte now and then would never time out). A slower mirror is
      abandoned and the next one tried, so a call takes at most about
      ``len(files) * len(mirrors) * timeout`` seconds.

    Temporary files of an earlier download that was killed (``kill -9``) are deleted; those of a
    download running at the same time in another process are left alone (they are locked).

    Errors (each message ends with "Fix: ..."; no ``.part`` file is left behind):

    - ``TypeError``/``ValueError``: a wrong argument, e.g. ``mirrors`` given as one string.
    - ``DownloadError`` (an ``OSError``): no mirror delivered a missing file; the message lists
      each URL and what it did, and names every file still missing. Also when the cache folder
      cannot be used (it is a file, it is read-only, the disk is full) or a cached file cannot
      be read; the message names the folder.
    - ``ChecksumError`` (a ``ValueError``): a cached file has the wrong SHA-256 sum, or the
      only complete files the mirrors sent had the wrong sum (a login page of a captive portal,
      say); nothing is written to the cache then.
    """
    files = _checked_files(files)
    mirrors = _checked_mirrors(mirrors)
    timeout = real("timeout", timeout, POSITIVE, owner="download_mnist")
    if opener is None:
        opener = urllib.request.urlopen
    elif not callable(opener):
        raise TypeError(f"download_mnist: opener must be callable like urlopen, got {opener!r}")
    folder = mnist_dir(cache_dir)
    _remove_abandoned_parts(folder, files)
    for name, sha256 in files.items():
        path = folder / name
        if os.path.lexists(path):
            _verify(path, sha256)
        else:
            _fetch(name, sha256, folder, mirrors, opener, timeout, files)
    return folder


def _checked_files(files: Any) -> dict[str, str]:
    """``files`` as a dict of plain file names to lower-case SHA-256 hex sums."""
    files = mapping("files", files, "a dict of file names to SHA-256 sums", owner="download_mnist")
    checked = {}
    for name, sha256 in files.items():
        if not isinstance(name, str) or not isinstance(sha256, str):
            raise TypeError(
                f"download_mnist: files must map file names (str) to SHA-256 sums (str), "
                f"got {name!r}: {sha256!r}"
            )
        if not name or name != os.path.basename(name) or name.startswith("."):
            raise ValueError(f"download_mnist: {name!r} in files is not a plain file name")
        if len(sha256) != 64 or not all(c in "0123456789abcdefABCDEF" for c in sha256):
            raise ValueError(
                f"download_mnist: the SHA-256 sum of {name} in files must be 64 hex digits, "
                f"got {sha256!r}"
            )
        checked[name] = sha256.lower()  # hexdigest() is lower case
    return checked


def _checked_mirrors(mirrors: Any) -> list[str]:
    """``mirrors`` as a list of URLs that end in '/' (one string is refused: iterating it would
    try each character as a mirror)."""
    mirrors = items(
        "mirrors", mirrors, "a tuple or list of URLs, e.g. ('https://host/mnist/',)",
        owner="download_mnist",
    )  # fmt: skip
    for url in mirrors:
        if not isinstance(url, str):
            raise TypeError(f"download_mnist: each mirror must be a URL (str), got {url!r}")
    return [url if url.endswith("/") else url + "/" for url in mirrors]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _verify(path: Path, sha256: str) -> None:
    """Check a cached file against its SHA-256 sum."""
    try:
        got = _sha256(path)
    except OSError as e:  # a folder or a broken link in its place, no read permission, ...
        raise DownloadError(
            f"cannot read the cached file {path}: {e.strerror or e}. Fix: delete {path} (or "
            "make it a readable file) so that load_mnist() downloads it again."
        ) from e
    if got != sha256:
        raise ChecksumError(
            f"{path} has SHA-256 {got}, expected {sha256}: the file is damaged or is not "
            "the official MNIST file. Fix: delete it so that load_mnist() downloads it "
            "again, or replace it with the official file."
        )


def _fix(folder: Path, files: Mapping[str, str], first: str = "") -> str:
    """The sentence that ends every download error, naming every file still missing."""
    missing = [name for name in files if not os.path.isfile(folder / name)] or list(files)
    return (
        f"Fix: {first}use optimizers.data.load_digits() (the 8x8 digits that ship with "
        f"scikit-learn, offline), or place the MNIST files {', '.join(missing)} in {folder} (or "
        "set the environment variable OPTIMIZERS_DATA_DIR to a folder whose mnist/ subfolder "
        "holds them)."
    )


def _cache_error(folder: Path, files: Mapping[str, str], error: OSError) -> DownloadError:
    """A DownloadError for a cache folder that cannot be written: it names the folder, not the
    hidden temporary file, and the fix."""
    full = error.errno == errno.ENOSPC
    return DownloadError(
        f"cannot write the MNIST files into the cache folder {folder}: "
        f"{error.strerror or error}. "
        + _fix(
            folder,
            files,
            ("free some disk space, or " if full else "")
            + "choose a folder you can write to (cache_dir=..., or the environment variable "
            "OPTIMIZERS_DATA_DIR); or ",
        )
    )


class _MirrorFailed(Exception):
    """One mirror did not deliver a file; the message says what it did."""


# What a request can raise when the network, the server or the URL is at fault: URLError,
# HTTPError, TimeoutError and ConnectionError are OSErrors; BadStatusLine, IncompleteRead and
# InvalidURL are HTTPExceptions; "unknown url type" is a ValueError.
_NETWORK_ERRORS = (OSError, http.client.HTTPException, ValueError)

#: Where file locks are unavailable, a temporary file untouched for this long counts as
#: abandoned by a killed download.
_ABANDONED_AFTER = 600.0


def _fetch(name, sha256, folder, mirrors, opener, timeout, files) -> None:
    """Download ``name`` from the first mirror that delivers it with the right checksum; write it
    to a temporary file in ``folder`` and rename it into place (atomic: never a partial file)."""
    _make_folder(folder, files)
    reports, wrong_sum = [], False
    for mirror in mirrors:
        url = mirror + name
        try:
            fd, part = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
        except OSError as e:
            raise _cache_error(folder, files, e) from e
        try:
            try:
                with open(fd, "wb") as out:
                    _lock(out)
                    got, size = _download(url, out, opener, timeout)
            except OSError as e:  # _download turns network errors into _MirrorFailed
                raise _cache_error(folder, files, e) from e
            if got == sha256:
                try:
                    os.replace(part, folder / name)
                except OSError as e:
                    raise _cache_error(folder, files, e) from e
                return
            wrong_sum = True
            reports.append(f"{url}: sent {size} bytes with SHA-256 {got}")
        except _MirrorFailed as e:
            reports.append(f"{url}: {' '.join(str(e).split())}")  # one line per mirror
        finally:  # also on KeyboardInterrupt
            with contextlib.suppress(OSError):
                os.remove(part)
    tried = "".join(f"\n  - {r}" for r in reports) or " none (mirrors is empty)"
    if wrong_sum:
        raise ChecksumError(
            f"downloaded {name} but its SHA-256 is not the expected {sha256}. Nothing was "
            f"written to the cache. The mirrors tried:{tried}\n"
            + _fix(folder, files, "if a proxy or a login page answered, log in and run again; or ")
        )
    raise DownloadError(
        f"{name} is not in {folder} and could not be downloaded. The mirrors tried:{tried}\n"
        + _fix(
            folder,
            files,
            "check the network connection (or proxy) and run again, with a larger timeout= on "
            "a slow connection; or ",
        )
    )


def _make_folder(folder: Path, files: Mapping[str, str]) -> None:
    if folder.exists() and not folder.is_dir():
        raise DownloadError(
            f"the cache folder {folder} is a file, not a folder. "
            + _fix(folder, files, "pass another cache_dir= (or OPTIMIZERS_DATA_DIR); or ")
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:  # read-only parent, a file on the way, ...
        raise _cache_error(folder, files, e) from e


def _download(url: str, out, opener: Callable, timeout: float) -> tuple[str, int]:
    """Copy ``url`` into the open file ``out`` within ``timeout`` seconds in all and return the
    SHA-256 and the size of what arrived. Raises _MirrorFailed for any network or protocol
    failure; an OSError that escapes comes from writing ``out``."""
    deadline = time.monotonic() + timeout
    h, size = hashlib.sha256(), 0
    try:
        response = opener(url, timeout=timeout)
    except _NETWORK_ERRORS as e:
        if isinstance(e, urllib.error.HTTPError):
            e.close()
        raise _MirrorFailed(_what_happened(e, timeout)) from e
    with response:
        announced = getattr(response, "length", None)  # Content-Length; None when chunked
        read = getattr(response, "read1", None) or response.read  # read1: one network read
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _MirrorFailed(_too_slow(size, timeout))
            _wait_at_most(response, left)
            try:
                block = read(1 << 16)
            except _NETWORK_ERRORS as e:
                if isinstance(e, TimeoutError):
                    raise _MirrorFailed(_too_slow(size, timeout)) from e
                raise _MirrorFailed(_what_happened(e, timeout)) from e
            if not block:
                break
            h.update(block)
            size += len(block)
            out.write(block)
    if isinstance(announced, int) and size < announced:
        raise _MirrorFailed(f"the connection closed after {size} of {announced} bytes")
    return h.hexdigest(), size


def _wait_at_most(response, seconds: float) -> None:
    """Let the next read of a urllib response wait at most ``seconds`` for data: urllib applies
    its timeout to each network read, which alone cannot enforce a deadline. Other responses
    (a test's opener) are left alone; the deadline is then checked between reads only."""
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    if sock is not None and hasattr(sock, "settimeout"):
        sock.settimeout(max(seconds, 1e-3))


def _too_slow(size: int, timeout: float) -> str:
    return (
        f"too slow: {size} bytes in {timeout:g} s (timeout={timeout:g} is the time allowed "
        "for the whole file)"
    )


def _what_happened(error: BaseException, timeout: float) -> str:
    """What a mirror did, in words, from the exception its request raised."""
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP error {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError) and isinstance(error.reason, BaseException):
        error = error.reason  # the OSError behind it: refused, unknown host, timed out, ...
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(error, socket.gaierror):
        return f"cannot look up the host name (offline?): {error.strerror}"
    if isinstance(error, http.client.RemoteDisconnected):
        return "closed the connection without answering"
    if isinstance(error, http.client.BadStatusLine):
        return f"answered something that is not HTTP: {str(error).strip()[:80]!r}"
    if isinstance(error, http.client.IncompleteRead):
        return f"the connection closed before the end of the file ({error!r})"
    if isinstance(error, ValueError | http.client.InvalidURL):
        return f"not a valid URL ({error})"
    return f"{type(error).__name__}: {error}"


def _lock(out) -> None:
    """Hold an exclusive lock on our temporary file while it is written, so that another
    process does not take it for one abandoned by a killed download."""
    if fcntl is not None:
        with contextlib.suppress(OSError):  # a file system without locks
            fcntl.flock(out.fileno(), fcntl.LOCK_EX)


def _remove_abandoned_parts(folder: Path, files: Mapping[str, str]) -> None:
    """Delete the temporary files that a killed download (``kill -9``) left in ``folder``: those
    older than this call and not locked by a running download (without file locks: those
    untouched for _ABANDONED_AFTER seconds). Problems (a read-only cache) are ignored."""
    started = time.time()
    for name in files:
        with contextlib.suppress(OSError):
            for part in folder.glob(f".{glob.escape(name)}.*.part"):
                with contextlib.suppress(OSError):
                    _remove_if_abandoned(part, started)


def _remove_if_abandoned(part: Path, started: float) -> None:
    if fcntl is None:
        if part.stat().st_mtime < started - _ABANDONED_AFTER:
            part.unlink()
        return
    if part.stat().st_mtime >= started:  # created during this call
        return
    with open(part, "rb") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # a running download holds it
            return
        part.unlink()


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
    timeout: float = 60.0,
) -> Dataset:
    """MNIST (LeCun, Bottou, Bengio & Haffner, 1998): 60,000 training and 10,000 test images of
    28x28 handwritten digits, downloaded once (see :func:`download_mnist`, which also explains
    ``files``, ``mirrors``, ``opener`` and ``timeout``, the seconds allowed for each file from
    each mirror).

    The last ``val_size`` training images form the validation set (default 50,000 / 10,000 /
    10,000, as in Nielsen's book; ``val_size=0`` keeps all 60,000 for training).
    ``normalize``: pixels / 255 as ``dtype`` (float32 by default to halve the memory), else the
    raw uint8 values. ``flatten``: rows of 784 values, else 28x28 images. ``one_hot``: labels
    as one-hot rows of ``dtype``.

    Errors: those of :func:`download_mnist` (each ends with "Fix: ..."); ``TypeError`` if
    ``val_size`` is not an integer or ``dtype`` not a dtype; ``ValueError`` if ``val_size`` is
    negative or leaves no training image, if ``dtype`` is not a floating-point type, or if the
    files do not form an MNIST set (with ``read_idx``'s errors for a damaged file).
    """
    val_size = integer("val_size", val_size, 0, owner="load_mnist")
    dtype = _float_dtype(dtype, owner="load_mnist")
    folder = download_mnist(cache_dir, files=files, mirrors=mirrors, opener=opener, timeout=timeout)
    x_train, t_train = read_idx(folder / _TRAIN_X), read_idx(folder / _TRAIN_T)
    x_test, t_test = read_idx(folder / _TEST_X), read_idx(folder / _TEST_T)
    for x, t, name in ((x_train, t_train, _TRAIN_X), (x_test, t_test, _TEST_X)):
        if x.ndim != 3 or t.ndim != 1 or len(x) != len(t) or (len(t) and t.max() > 9):
            raise ValueError(
                f"{folder / name} and its labels do not form an MNIST set: images {x.shape}, "
                f"labels {t.shape}. Fix: delete the files in {folder} so that they are "
                "downloaded again."
            )
    if val_size >= len(x_train):
        raise ValueError(
            f"load_mnist: val_size must be in [0, {len(x_train)}) to leave training images, "
            f"got {val_size}"
        )
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
    """The batch size to use for ``n`` examples (``None``: all of them), after checking both."""
    n = integer("n", n, 0)
    if n < 1:
        raise ValueError("cannot draw mini-batches from an empty data set")
    batch_size = integer("batch_size", batch_size, 1, or_none=True)
    if batch_size is None:
        return n
    if drop_last and batch_size > n:
        raise ValueError(f"drop_last=True with batch_size={batch_size} > {n} examples: no batch")
    return batch_size


def batches_per_epoch(n: int, batch_size: int | None, drop_last: bool = False) -> int:
    """Number of mini-batches in one pass over ``n`` examples.

    Errors: ``TypeError`` if ``n`` or ``batch_size`` is not an integer (``batch_size`` may be
    None); ``ValueError`` if ``n`` is 0, ``batch_size`` below 1, or ``drop_last`` leaves no batch.
    """
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

    Errors: as :func:`batches_per_epoch`, raised at the call, not at the first ``next()``.
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

    Errors: ``ValueError`` if ``x`` or ``t`` is a single number (0-d) rather than one example
    per row, or if they hold different numbers of examples; otherwise as
    :func:`batches_per_epoch`.
    """
    x, t = np.asarray(x), np.asarray(t)
    for name, a in (("x", x), ("t", t)):
        if a.ndim == 0:
            raise ValueError(
                f"minibatches: {name} must hold one example per row (an array of at least one "
                f"dimension), got a single value {a.item()!r}"
            )
    if len(x) != len(t):
        raise ValueError(f"x has {len(x)} examples but t has {len(t)}")
    n_batches = batches_per_epoch(len(x), batch_size, drop_last)
    batches = itertools.islice(
        index_batches(len(x), batch_size, rng, shuffle, drop_last), n_batches
    )
    return ((x[idx], t[idx]) for _, idx in batches)
