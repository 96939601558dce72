"""Data: the digits split, the IDX parser, the MNIST cache (on files written here, never the
network) and the mini-batch iterators."""

from __future__ import annotations

import gzip
import hashlib
import io
import itertools
import struct
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from optimizers import data

# --- the digits -------------------------------------------------------------------------------


def test_digits_sizes_and_ranges():
    d = data.load_digits()
    assert (len(d.x_train), len(d.x_val), len(d.x_test)) == (1079, 359, 359)
    assert d.x_train.shape[1] == d.input_size == 64 and d.n_classes == 10
    assert repr(d) == "Dataset('digits', train=1079, val=359, test=359, features=64, classes=10)"
    for x in (d.x_train, d.x_val, d.x_test):
        assert x.dtype == np.float64 and x.min() == 0.0 and x.max() == 1.0
    for t in (d.t_train, d.t_val, d.t_test):
        assert np.issubdtype(t.dtype, np.integer) and set(np.unique(t)) == set(range(10))


def test_digits_are_sklearns_digits_split_by_class():
    from sklearn.datasets import load_digits  # the reference (a test dependency)

    ref = load_digits()
    d = data.load_digits()
    x = np.concatenate([d.x_train, d.x_val, d.x_test]) * 16.0
    t = np.concatenate([d.t_train, d.t_val, d.t_test])
    # the same 1797 (image, label) rows, in another order
    mine = np.column_stack([x, t])
    theirs = np.column_stack([ref.data, ref.target])
    np.testing.assert_array_equal(mine[np.lexsort(mine.T)], theirs[np.lexsort(theirs.T)])
    # stratified: each class contributes round(0.2 * its size) to the test and the val set
    counts = np.bincount(ref.target)
    np.testing.assert_array_equal(np.bincount(d.t_test), np.round(0.2 * counts))
    np.testing.assert_array_equal(np.bincount(d.t_val), np.round(0.2 * counts))


def test_digits_seed_and_options():
    a, b, c = data.load_digits(seed=0), data.load_digits(seed=0), data.load_digits(seed=1)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.t_train, c.t_train)
    hot = data.load_digits(one_hot=True, dtype=np.float32)
    assert hot.t_train.shape == (1079, 10) and hot.t_train.dtype == np.float32
    np.testing.assert_array_equal(hot.t_train.argmax(axis=1), a.t_train)
    assert hot.x_train.dtype == np.float32
    none = data.load_digits(val_fraction=0.0, test_fraction=0.1)
    assert (len(none.x_train), len(none.x_val), len(none.x_test)) == (1618, 0, 179)
    assert none.x_val.shape == (0, 64)


def test_digits_bad_fractions():
    with pytest.raises(ValueError, match="must be below 1"):
        data.load_digits(val_fraction=0.5, test_fraction=0.5)
    with pytest.raises(ValueError, match=r"val_fraction must be in \[0, 1\), got -0.1"):
        data.load_digits(val_fraction=-0.1)
    with pytest.raises(ValueError, match=r"test_fraction must be in \[0, 1\), got nan"):
        data.load_digits(test_fraction=float("nan"))
    # review: load_digits(val_fraction='0.2') raised "'<=' not supported between ..."
    with pytest.raises(TypeError, match=r"load_digits: val_fraction must be a real number.*'0.2'"):
        data.load_digits(val_fraction="0.2")
    with pytest.raises(TypeError, match="test_fraction must be a real number.*True"):
        data.load_digits(test_fraction=True)


@pytest.mark.parametrize("load", ["digits", "mnist"])
def test_dtype_must_be_a_float_type(load, tmp_path):
    # review: load_digits/load_mnist(dtype=np.int32) silently returned float64
    call = data.load_digits if load == "digits" else data.load_mnist
    kwargs = {} if load == "digits" else {"cache_dir": tmp_path, "mirrors": ()}
    with pytest.raises(ValueError, match=f"load_{load}: dtype must be a floating-point.*int32"):
        call(dtype=np.int32, **kwargs)
    with pytest.raises(TypeError, match=f"load_{load}: dtype must be a numpy dtype, got 'pixels'"):
        call(dtype="pixels", **kwargs)
    with pytest.raises(TypeError, match="dtype must be a numpy dtype, got None"):
        call(dtype=None, **kwargs)
    assert list(tmp_path.iterdir()) == []  # checked before anything is downloaded
    if load == "digits":
        half = data.load_digits(dtype=np.float16, one_hot=True)
        assert half.x_train.dtype == half.t_train.dtype == np.float16


def test_one_hot():
    np.testing.assert_array_equal(data.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.2, got 0\.\.3"):
        data.one_hot(np.array([0, 3]), 3)
    with pytest.raises(TypeError, match="one_hot: n_classes must be a positive integer, got 2.5"):
        data.one_hot(np.array([0, 1]), 2.5)


# --- IDX files --------------------------------------------------------------------------------


def test_read_idx_on_hand_made_bytes(tmp_path):
    # uint8 images 2 x 2 x 3: magic 0x00000803, then the sizes 2, 2, 3 as big-endian uint32
    raw = bytes([0, 0, 0x08, 3]) + struct.pack(">3I", 2, 2, 3) + bytes(range(12))
    (tmp_path / "a.idx").write_bytes(raw)
    a = data.read_idx(tmp_path / "a.idx")
    assert a.dtype == np.uint8
    np.testing.assert_array_equal(a, np.arange(12).reshape(2, 2, 3))
    # int32 and float64, big-endian on disk, native in memory; gzipped
    raw = bytes([0, 0, 0x0C, 1]) + struct.pack(">I", 3) + struct.pack(">3i", -1, 2, 70000)
    (tmp_path / "b.idx.gz").write_bytes(gzip.compress(raw))
    b = data.read_idx(tmp_path / "b.idx.gz")
    assert b.dtype == np.int32 and b.dtype.isnative
    np.testing.assert_array_equal(b, [-1, 2, 70000])
    raw = bytes([0, 0, 0x0E, 2]) + struct.pack(">2I", 1, 2) + struct.pack(">2d", 0.5, -3.25)
    (tmp_path / "c.idx").write_bytes(raw)
    np.testing.assert_array_equal(data.read_idx(tmp_path / "c.idx"), [[0.5, -3.25]])


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("name", ["x.idx", "x.idx.gz"])
def test_write_then_read_idx(tmp_path, dtype, name):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    data.write_idx(tmp_path / name, array)
    back = data.read_idx(tmp_path / name)
    assert back.dtype == dtype
    np.testing.assert_array_equal(back, array)


def test_read_idx_errors(tmp_path):
    cases = {
        "magic": (b"\x01\x00\x08\x01" + struct.pack(">I", 1) + b"\x00", "two zero bytes"),
        "type": (b"\x00\x00\x07\x01" + struct.pack(">I", 1) + b"\x00", "type code 0x07"),
        "header": (b"\x00\x00\x08\x03" + struct.pack(">I", 1), "truncated IDX header"),
        "short": (b"\x00\x00\x08\x01" + struct.pack(">I", 5) + b"\x00" * 4, "holds 4 bytes"),
    }
    for name, (raw, message) in cases.items():
        (tmp_path / name).write_bytes(raw)
        with pytest.raises(ValueError, match=message):
            data.read_idx(tmp_path / name)
    noise = np.random.default_rng(0).integers(0, 256, 1000, dtype=np.uint8).tobytes()
    (tmp_path / "cut.gz").write_bytes(gzip.compress(noise)[:500])  # a cut download
    with pytest.raises(ValueError, match="damaged gzip file"):
        data.read_idx(tmp_path / "cut.gz")
    # review 16: one flipped byte in the deflate stream raised a raw zlib.error
    raw = bytearray(gzip.compress(bytes(range(256)) * 40))  # compressible: Huffman codes
    raw[24] ^= 0xFF  # now an invalid literal/length code
    (tmp_path / "flipped.gz").write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"flipped\.gz: damaged gzip file \(Error -3"):
        data.read_idx(tmp_path / "flipped.gz")
    with pytest.raises(ValueError, match="IDX cannot store dtype"):
        data.write_idx(tmp_path / "x.idx", np.zeros(3, dtype=np.int64))


# --- the MNIST cache --------------------------------------------------------------------------


def tiny_mnist(tmp_path: Path) -> dict[str, bytes]:
    """Four small gzipped IDX files with the MNIST names: 7 training and 3 test images."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (7, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": np.array([0, 1, 2, 3, 4, 5, 9], dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": np.array([7, 8, 9], dtype=np.uint8),
    }
    files = {}
    for name, array in arrays.items():
        data.write_idx(tmp_path / name, array)
        files[name] = (tmp_path / name).read_bytes()
    return files


class FakeServer:
    """Stands in for urllib.request.urlopen: serves ``files`` and counts the requests."""

    def __init__(self, files: dict[str, bytes], down: set[str] = frozenset()):
        self.files, self.down, self.requests = files, down, []

    def __call__(self, url: str, timeout: float = 0.0):
        self.requests.append(url)
        mirror, name = url.rsplit("/", 1)
        if mirror + "/" in self.down:
            raise urllib.error.URLError("no route to host")
        return io.BytesIO(self.files[name])


def sums(files: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(raw).hexdigest() for name, raw in files.items()}


def test_mnist_checksums_are_pinned():
    assert list(data.MNIST_FILES) == [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]
    assert all(len(s) == 64 and int(s, 16) >= 0 for s in data.MNIST_FILES.values())


def test_mnist_downloads_once_then_uses_the_cache(tmp_path):
    files = tiny_mnist(tmp_path / "server")
    server = FakeServer(files)
    cache = tmp_path / "cache"
    d = data.load_mnist(cache, val_size=2, files=sums(files), mirrors=["m1/"], opener=server)
    assert len(server.requests) == 4
    assert sorted(p.name for p in cache.iterdir()) == sorted(files)  # no temporary files left
    assert (len(d.x_train), len(d.x_val), len(d.x_test)) == (5, 2, 3)
    assert d.x_train.shape == (5, 784) and d.x_train.dtype == np.float32
    pixels = data.read_idx(tmp_path / "server" / "train-images-idx3-ubyte.gz")
    np.testing.assert_allclose(d.x_train[0], pixels[0].reshape(-1) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(d.t_val, [5, 9])
    np.testing.assert_array_equal(d.t_test, [7, 8, 9])
    # second call: everything comes from the cache, the network is not touched
    again = data.load_mnist(
        cache, one_hot=True, normalize=False, flatten=False, val_size=0, files=sums(files),
        opener=FakeServer({}, down={"m1/"}), mirrors=["m1/"],
    )  # fmt: skip
    assert len(server.requests) == 4
    assert again.x_train.shape == (7, 28, 28) and again.x_train.dtype == np.uint8
    np.testing.assert_array_equal(again.x_train, pixels)
    np.testing.assert_array_equal(again.t_test, np.eye(10)[[7, 8, 9]])


def test_mnist_tries_the_next_mirror(tmp_path):
    files = tiny_mnist(tmp_path / "server")
    server = FakeServer(files, down={"https://down.example/"})
    mirrors = ["https://down.example/", "https://up.example/"]
    data.download_mnist(tmp_path / "cache", files=sums(files), mirrors=mirrors, opener=server)
    assert len(server.requests) == 8  # each file: the dead mirror, then the good one
    assert all((tmp_path / "cache" / name).exists() for name in files)


def test_mnist_offline_names_the_fix(tmp_path):
    files = tiny_mnist(tmp_path / "server")
    offline = FakeServer(files, down={"m1/", "m2/"})
    with pytest.raises(data.DownloadError, match="could not be downloaded") as error:
        data.load_mnist(
            tmp_path / "cache", files=sums(files), mirrors=["m1/", "m2/"], opener=offline
        )
    message = str(error.value)
    assert "load_digits()" in message and "place the MNIST files" in message
    assert str(tmp_path / "cache") in message and "no route to host" in message
    assert list((tmp_path / "cache").iterdir()) == []  # nothing half-written


def test_mnist_checksum_mismatch_on_download(tmp_path):
    files = tiny_mnist(tmp_path / "server")
    wrong = {**sums(files), "t10k-labels-idx1-ubyte.gz": "0" * 64}
    with pytest.raises(data.ChecksumError, match="SHA-256 is not the expected 0{64}") as error:
        data.load_mnist(tmp_path / "cache", files=wrong, mirrors=["m/"], opener=FakeServer(files))
    assert "load_digits()" in str(error.value)
    assert not (tmp_path / "cache" / "t10k-labels-idx1-ubyte.gz").exists()
    assert len(list((tmp_path / "cache").iterdir())) == 3  # the three good files, no temp file


def test_mnist_damaged_cache_file_names_the_fix(tmp_path):
    files = tiny_mnist(tmp_path / "server")
    cache = tmp_path / "cache"
    data.download_mnist(cache, files=sums(files), mirrors=["m/"], opener=FakeServer(files))
    (cache / "train-labels-idx1-ubyte.gz").write_bytes(b"damaged")
    with pytest.raises(data.ChecksumError, match="delete it so that load_mnist"):
        data.load_mnist(cache, files=sums(files), opener=FakeServer({}))


def test_mnist_interrupted_download_leaves_no_file(tmp_path):
    class Broken(io.BytesIO):
        def read(self, size=-1):
            if self.tell() > 0:
                raise ConnectionResetError("connection reset")
            return super().read(10)

        read1 = read  # the download reads with read1 where there is one

    files = tiny_mnist(tmp_path / "server")
    with pytest.raises(data.DownloadError, match="connection reset"):
        data.download_mnist(
            tmp_path / "cache", files=sums(files), mirrors=["m/"],
            opener=lambda url, timeout: Broken(files[url.rsplit("/", 1)[1]]),
        )  # fmt: skip
    assert list((tmp_path / "cache").iterdir()) == []


def test_mnist_cache_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("OPTIMIZERS_DATA_DIR", raising=False)
    assert data.mnist_dir() == Path.home() / ".cache" / "optimizers" / "mnist"
    monkeypatch.setenv("OPTIMIZERS_DATA_DIR", str(tmp_path))
    assert data.mnist_dir() == tmp_path / "mnist"
    assert data.mnist_dir(tmp_path / "x") == tmp_path / "x"


def test_mnist_inconsistent_files(tmp_path):
    files = tiny_mnist(tmp_path / "server")
    labels = tmp_path / "five-labels.gz"
    data.write_idx(labels, np.zeros(5, np.uint8))  # 5 labels for 3 test images
    bad = {**files, "t10k-labels-idx1-ubyte.gz": labels.read_bytes()}
    with pytest.raises(ValueError, match="do not form an MNIST set"):
        data.load_mnist(tmp_path / "c", files=sums(bad), mirrors=["m/"], opener=FakeServer(bad))
    with pytest.raises(ValueError, match=r"val_size must be in \[0, 7\)"):
        data.load_mnist(
            tmp_path / "d", val_size=7, files=sums(files), mirrors=["m/"], opener=FakeServer(files)
        )


@pytest.mark.parametrize(
    ("val_size", "error", "message"),
    [
        (1.5, TypeError, "val_size must be a non-negative integer, got 1.5"),
        (None, TypeError, "val_size must be a non-negative integer, got None"),
        (True, TypeError, "val_size must be a non-negative integer, got True"),
        (-1, ValueError, "val_size must be a non-negative integer, got -1"),
    ],
)
def test_mnist_val_size_is_checked_before_the_download(tmp_path, val_size, error, message):
    # review: 1.5 gave IndexError, None a '<=' TypeError, True was taken as 1
    server = FakeServer({})
    with pytest.raises(error, match=f"load_mnist: {message}"):
        data.load_mnist(tmp_path / "c", val_size=val_size, mirrors=["m/"], opener=server)
    assert server.requests == [] and not (tmp_path / "c").exists()


def test_mnist_val_size_numpy_integer(tmp_path):
    files = tiny_mnist(tmp_path / "server")
    d = data.load_mnist(
        tmp_path / "c", val_size=np.int64(3), files=sums(files), mirrors=["m/"],
        opener=FakeServer(files),
    )  # fmt: skip
    assert (len(d.x_train), len(d.x_val), len(d.x_test)) == (4, 3, 3)


# --- mini-batches -----------------------------------------------------------------------------


def test_minibatches_cover_one_epoch():
    x, t = np.arange(10.0).reshape(10, 1), np.arange(10)
    batches = list(data.minibatches(x, t, 4, rng=0))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    seen = np.concatenate([b[1] for b in batches])
    assert sorted(seen) == list(range(10)) and list(seen) != list(range(10))  # shuffled
    assert all(np.array_equal(bx[:, 0], bt) for bx, bt in batches)  # rows stay paired
    assert [len(b[1]) for b in data.minibatches(x, t, 4, drop_last=True)] == [4, 4]
    ordered = list(data.minibatches(x, t, 3, shuffle=False))
    assert [list(b[1]) for b in ordered] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]


def test_minibatch_special_cases_and_seeds():
    x, t = np.zeros((10, 2)), np.arange(10)
    assert [len(b[1]) for b in data.minibatches(x, t, None)] == [10]  # full batch
    assert [len(b[1]) for b in data.minibatches(x, t, 1)] == [1] * 10  # stochastic
    assert [len(b[1]) for b in data.minibatches(x, t, 50)] == [10]
    one = [b[1].tolist() for b in data.minibatches(x, t, 3, rng=5)]
    assert one == [b[1].tolist() for b in data.minibatches(x, t, 3, rng=5)]
    assert one != [b[1].tolist() for b in data.minibatches(x, t, 3, rng=6)]


def test_index_batches_count_epochs():
    stream = data.index_batches(5, 2, rng=0)
    first = list(itertools.islice(stream, 7))
    assert [e for e, _ in first] == [0, 0, 0, 1, 1, 1, 2]
    epoch0 = np.concatenate([i for e, i in first if e == 0])
    epoch1 = np.concatenate([i for e, i in first if e == 1])
    assert sorted(epoch0) == sorted(epoch1) == [0, 1, 2, 3, 4]
    assert list(epoch0) != list(epoch1)  # reshuffled every epoch
    assert data.batches_per_epoch(1079, 128) == 9
    assert data.batches_per_epoch(1079, 128, drop_last=True) == 8


def test_minibatch_errors():
    with pytest.raises(ValueError, match="x has 3 examples but t has 2"):
        data.minibatches(np.zeros((3, 1)), np.zeros(2), 2)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        data.minibatches(np.zeros((3, 1)), np.zeros(3), 0)
    with pytest.raises(TypeError, match="batch_size must be a positive integer or None, got 1.5"):
        data.index_batches(3, 1.5)
    with pytest.raises(TypeError, match="batch_size must be a positive integer or None, got True"):
        data.minibatches(np.zeros((3, 1)), np.zeros(3), True)
    with pytest.raises(ValueError, match="batch_size must be a positive integer or None, got -3"):
        data.batches_per_epoch(3, -3)
    assert data.batches_per_epoch(10, np.int64(3)) == 4
    with pytest.raises(ValueError, match="drop_last=True with batch_size=4 > 3"):
        data.index_batches(3, 4, drop_last=True)
    with pytest.raises(ValueError, match="empty data set"):
        data.index_batches(0, 4)


def test_minibatch_errors_name_the_argument():
    # review: minibatches(5.0, 5.0, 1) -> "len() of unsized object"
    with pytest.raises(ValueError, match="minibatches: x must hold one example per row.*5.0"):
        data.minibatches(5.0, 5.0, 1)
    with pytest.raises(ValueError, match="minibatches: t must hold one example per row"):
        data.minibatches(np.zeros(3), np.array(2), 1)
    # review: index_batches(5.5, 2) -> AxisError
    with pytest.raises(TypeError, match="n must be a non-negative integer, got 5.5"):
        data.index_batches(5.5, 2)
    with pytest.raises(TypeError, match="n must be a non-negative integer, got True"):
        data.batches_per_epoch(True, 1)
    with pytest.raises(ValueError, match="n must be a non-negative integer, got -2"):
        data.index_batches(-2, 1)
    assert [len(i) for _, i in itertools.islice(data.index_batches(np.int64(5), 2), 3)] == [2, 2, 1]
