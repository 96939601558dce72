"""The MNIST download against real HTTP servers on 127.0.0.1 (threads): a good mirror and the
broken ones of the reliability review (404, an answer that is not HTTP, a chunked body cut
short, a body shorter than its Content-Length, a login page, a mirror that trickles bytes, one
that never answers, one that hangs up, a refused port, a malformed URL), plus the cache-folder
failures. The files are tiny fake IDX files with their own SHA-256 sums, so no real MNIST and
no network is needed. After every failure no temporary ``.part`` file may be left."""

from __future__ import annotations

import errno
import fcntl
import gzip
import hashlib
import os
import socket
import socketserver
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from optimizers import data

TRAIN_X = "train-images-idx3-ubyte.gz"


def fake_mnist() -> dict[str, bytes]:
    """The four MNIST files, gzipped IDX, with 12 training and 4 test images."""
    rng = np.random.default_rng(0)
    arrays = {
        TRAIN_X: rng.integers(0, 256, (12, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": np.arange(12, dtype=np.uint8) % 10,
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": np.array([3, 1, 4, 1], dtype=np.uint8),
    }
    out = {}
    for name, array in arrays.items():
        header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
            n.to_bytes(4, "big") for n in array.shape
        )
        out[name] = gzip.compress(header + array.tobytes(), mtime=0)
    return out


FILES = fake_mnist()
SUMS = {name: hashlib.sha256(raw).hexdigest() for name, raw in FILES.items()}
ONE = {TRAIN_X: SUMS[TRAIN_X]}  # a download of one file keeps the slow cases fast


class Mirror(socketserver.ThreadingTCPServer):
    """A fake mirror on 127.0.0.1 that behaves as ``kind`` and records the requested paths."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, kind: str):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.kind, self.requests, self.stop = kind, [], threading.Event()
        self.url = f"http://127.0.0.1:{self.server_address[1]}/"
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self.shutdown()
        self.server_close()


def _head(status: str, length: int | None = None, extra: str = "") -> bytes:
    size = "" if length is None else f"Content-Length: {length}\r\n"
    return f"HTTP/1.1 {status}\r\n{size}{extra}Connection: close\r\n\r\n".encode()


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server, send = self.server, self.request.sendall
        request = self.request.recv(65536).decode("latin-1")
        path = request.split(" ")[1] if request.count(" ") >= 2 else ""
        server.requests.append(path)
        body = FILES.get(path.rsplit("/", 1)[-1])
        try:
            if server.kind == "good" and body is not None:
                send(_head("200 OK", len(body)) + body)
            elif server.kind in ("good", "404"):
                send(_head("404 Not Found", 0))
            elif server.kind == "garbage":
                send(b"HELLO THIS IS NOT HTTP\r\n\r\n")
            elif server.kind == "cut-chunked":  # announces a 1 KB chunk, sends 100 bytes, hangs up
                send(
                    _head("200 OK", extra="Transfer-Encoding: chunked\r\n")
                    + b"400\r\n"
                    + b"x" * 100
                )
            elif server.kind == "short":  # half of the announced body, then hangs up
                send(_head("200 OK", len(body)) + body[: len(body) // 2])
            elif server.kind == "html":  # a captive portal's login page
                page = b"<html><body>Please log in</body></html>"
                send(_head("200 OK", len(page)) + page)
            elif server.kind == "trickle":  # one byte every 50 ms of a 100 KB body (1.4 hours)
                send(_head("200 OK", 100_000))
                while not server.stop.wait(0.05):
                    send(b"x")
            elif server.kind == "black-hole":  # accepts the connection, never answers
                server.stop.wait(10)
            # "hang-up": closes the connection without a word
        except OSError:  # the client gave up
            pass


@pytest.fixture
def serve():
    """serve(kind) -> a running Mirror; all are closed after the test."""
    started = []

    def start(kind: str) -> Mirror:
        started.append(Mirror(kind))
        return started[-1]

    yield start
    for mirror in started:
        mirror.close()


def refused_url() -> str:
    """A URL on 127.0.0.1 whose port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


def leftovers(folder: Path) -> list[str]:
    """Temporary files left in ``folder`` (there must never be any after a call)."""
    return sorted(p.name for p in folder.glob("*.part")) + sorted(
        p.name for p in folder.glob(".*.part")
    )


# --- the good mirror --------------------------------------------------------------------------


def test_load_mnist_from_a_local_mirror(tmp_path, serve):
    good = serve("good")
    d = data.load_mnist(tmp_path, val_size=2, files=SUMS, mirrors=[good.url], timeout=5)
    assert repr(d) == "Dataset('mnist', train=10, val=2, test=4, features=784, classes=10)"
    assert len(good.requests) == 4 and sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    np.testing.assert_array_equal(d.t_test, [3, 1, 4, 1])


def test_upper_case_sums_and_a_mirror_without_the_final_slash(tmp_path, serve):
    # review: upper-case hex was a checksum mismatch; ".../mnist" became ".../mnisttrain-..."
    # and "http://127.0.0.1:PORT" an InvalidURL "nonnumeric port"
    good = serve("good")
    upper = {name: s.upper() for name, s in SUMS.items()}
    data.download_mnist(tmp_path / "a", files=upper, mirrors=(good.url + "mnist",), timeout=5)
    assert good.requests[0] == f"/mnist/{TRAIN_X}"
    data.download_mnist(tmp_path / "b", files=ONE, mirrors=[good.url.rstrip("/")], timeout=5)
    assert (tmp_path / "b" / TRAIN_X).read_bytes() == FILES[TRAIN_X]
    data.download_mnist(tmp_path / "a", files=upper, mirrors=(), timeout=5)  # cached: verified


# --- broken mirrors: the next one is tried, and the error says what each did ------------------

BROKEN = {  # kind: (error class, what the message says the mirror did)
    "404": (data.DownloadError, "HTTP error 404 Not Found"),
    "garbage": (data.DownloadError, "answered something that is not HTTP: 'HELLO THIS IS NOT"),
    "cut-chunked": (data.DownloadError, "the connection closed before the end of the file"),
    "short": (data.DownloadError, "the connection closed after 4723 of 9447 bytes"),
    "html": (data.ChecksumError, "sent 39 bytes with SHA-256 [0-9a-f]{64}"),
    "trickle": (data.DownloadError, r"too slow: [0-9]+ bytes in 0.5 s \(timeout=0.5 is the time"),
    "black-hole": (data.DownloadError, "no answer within 0.5 s"),
    "hang-up": (data.DownloadError, "closed the connection without answering"),
    "refused": (data.DownloadError, "Connection refused"),
    "malformed": (data.DownloadError, r"not a valid URL \(unknown url type"),
    "bad-port": (data.DownloadError, r"not a valid URL \(nonnumeric port"),
}


def broken_url(kind: str, serve) -> str:
    if kind == "refused":
        return refused_url()
    if kind == "malformed":
        return "not a url/"
    if kind == "bad-port":
        return "http://127.0.0.1:80x/"
    return serve(kind).url


@pytest.mark.parametrize("kind", list(BROKEN))
def test_a_broken_mirror_falls_through_to_the_next(tmp_path, serve, kind):
    # review finding 3: garbage, a cut chunked body and a malformed URL escaped as raw
    # BadStatusLine / IncompleteRead / ValueError, and the second mirror was never tried
    bad, good = broken_url(kind, serve), serve("good")
    start = time.monotonic()
    folder = data.download_mnist(tmp_path, files=ONE, mirrors=[bad, good.url], timeout=0.5)
    assert time.monotonic() - start < 2.0
    assert (folder / TRAIN_X).read_bytes() == FILES[TRAIN_X]
    assert good.requests == [f"/{TRAIN_X}"] and leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", list(BROKEN))
def test_the_only_mirror_broken_gives_an_error_with_the_fix(tmp_path, serve, kind):
    error, did = BROKEN[kind]
    url = broken_url(kind, serve)
    start = time.monotonic()
    with pytest.raises(error, match=did) as caught:
        data.download_mnist(tmp_path, files=ONE, mirrors=[url], timeout=0.5)
    assert time.monotonic() - start < 2.0
    message = str(caught.value)
    assert f"  - {url}{TRAIN_X}: " in message
    assert "\nFix: " in message and message.endswith("holds them).")
    assert leftovers(tmp_path) == [] and not (tmp_path / TRAIN_X).exists()
    if error is data.ChecksumError:
        assert "Nothing was written to the cache" in message and "log in" in message


def test_the_review_reproducer_cut_connection_then_next_mirror(tmp_path):
    # review finding 3, verbatim: IncompleteRead(0 bytes read); the 2nd mirror is never tried
    class Cut(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.recv(4096)
            head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n"
            self.request.sendall(head + b"x" * 100)

    cut = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Cut)
    threading.Thread(target=cut.serve_forever, args=(0.05,), daemon=True).start()
    good = Mirror("good")
    try:
        mirrors = (f"http://127.0.0.1:{cut.server_address[1]}/", good.url)
        data.download_mnist(tmp_path, files=ONE, mirrors=mirrors, timeout=2)
    finally:
        cut.shutdown()
        cut.server_close()
        good.close()
    assert (tmp_path / TRAIN_X).exists() and good.requests == [f"/{TRAIN_X}"]


def test_every_mirror_is_listed_in_order(tmp_path, serve):
    garbage, missing = serve("garbage"), serve("404")
    mirrors = [garbage.url, "not a url/", missing.url]
    with pytest.raises(data.DownloadError) as caught:
        data.download_mnist(tmp_path, files=ONE, mirrors=mirrors, timeout=1)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"{TRAIN_X} is not in {tmp_path} and could not be downloaded. " + (
        "The mirrors tried:"
    )
    assert lines[1].startswith(f"  - {garbage.url}{TRAIN_X}: answered something that is not")
    assert lines[2].startswith(f"  - not a url/{TRAIN_X}: not a valid URL")
    assert lines[3] == f"  - {missing.url}{TRAIN_X}: HTTP error 404 Not Found"
    assert lines[4].startswith("Fix: check the network connection (or proxy)")
    assert len(lines) == 5


def test_a_wrong_sum_and_a_network_failure_give_a_checksum_error(tmp_path, serve):
    html, dead = serve("html"), refused_url()
    with pytest.raises(data.ChecksumError, match="Connection refused") as caught:
        data.download_mnist(tmp_path, files=ONE, mirrors=[html.url, dead], timeout=1)
    assert f"{html.url}{TRAIN_X}: sent 39 bytes" in str(caught.value)


# --- the deadline -----------------------------------------------------------------------------


def test_a_trickling_mirror_is_abandoned_at_the_deadline(tmp_path, serve):
    # review finding 5: with timeout=2 a mirror that drips a byte every 0.25 s was still being
    # read after 120 s (urllib's timeout bounds each socket read, not the download)
    trickle = serve("trickle")
    start = time.monotonic()
    with pytest.raises(data.DownloadError, match=r"too slow: \d+ bytes in 1 s"):
        data.download_mnist(tmp_path, files=ONE, mirrors=[trickle.url], timeout=1)
    assert 0.9 < time.monotonic() - start < 2.0
    assert leftovers(tmp_path) == []


def test_load_mnist_passes_its_timeout_on(tmp_path, serve):
    # review: load_mnist() had no timeout; two black-hole mirrors took 2 x 60 s
    holes = [serve("black-hole").url, serve("black-hole").url]
    start = time.monotonic()
    with pytest.raises(data.DownloadError, match="no answer within 0.3 s") as caught:
        data.load_mnist(tmp_path, files=SUMS, mirrors=holes, timeout=0.3)
    assert 0.5 < time.monotonic() - start < 1.5  # 2 mirrors x 0.3 s, then it stops
    assert str(caught.value).count("no answer within 0.3 s") == 2


# --- arguments --------------------------------------------------------------------------------


def test_mirrors_as_one_string_is_refused(tmp_path, serve):
    # review: a single string was tried character by character ("unknown url type: 'htrain...'")
    good = serve("good")
    with pytest.raises(TypeError, match=r"mirrors must be a tuple or list of URLs.*got 'http"):
        data.download_mnist(tmp_path / "c", files=ONE, mirrors=good.url)
    with pytest.raises(TypeError, match="mirrors must be a tuple or list"):
        data.load_mnist(tmp_path / "c", files=SUMS, mirrors=good.url)
    with pytest.raises(TypeError, match="each mirror must be a URL"):
        data.download_mnist(tmp_path / "c", files=ONE, mirrors=[b"http://x/"])
    assert good.requests == [] and not (tmp_path / "c").exists()


def test_other_arguments_are_checked(tmp_path):
    with pytest.raises(TypeError, match="download_mnist: files must be a dict"):
        data.download_mnist(tmp_path, files=[TRAIN_X])
    with pytest.raises(ValueError, match="SHA-256 sum of x.gz in files must be 64 hex digits"):
        data.download_mnist(tmp_path, files={"x.gz": "abc"})
    with pytest.raises(ValueError, match=r"'\.\./x\.gz' in files is not a plain file name"):
        data.download_mnist(tmp_path, files={"../x.gz": "0" * 64})
    with pytest.raises(ValueError, match="timeout must be a positive finite number, got 0"):
        data.download_mnist(tmp_path, files=ONE, timeout=0)
    with pytest.raises(TypeError, match="timeout must be a real number.*'5'"):
        data.load_mnist(tmp_path, files=SUMS, timeout="5")
    with pytest.raises(TypeError, match="opener must be callable"):
        data.download_mnist(tmp_path, files=ONE, opener="urlopen")
    assert list(tmp_path.iterdir()) == []


# --- the fix names every missing file ---------------------------------------------------------


def test_the_fix_names_every_missing_file(tmp_path, serve):
    # review: "the fix lists only the first missing file"
    good = serve("good")
    first_two = dict(list(SUMS.items())[:2])
    data.download_mnist(tmp_path, files=first_two, mirrors=[good.url], timeout=5)
    with pytest.raises(data.DownloadError) as caught:
        data.download_mnist(tmp_path, files=SUMS, mirrors=[refused_url()], timeout=1)
    fix = str(caught.value).split("\nFix: ")[1]
    assert "place the MNIST files t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz in" in fix
    assert TRAIN_X not in fix  # already in the cache


# --- the cache folder -------------------------------------------------------------------------


def test_cache_dir_that_is_a_file(tmp_path, monkeypatch):
    # review 15: FileExistsError "[Errno 17] File exists", no fix
    afile = tmp_path / "cache"
    afile.write_text("not a folder")
    with pytest.raises(data.DownloadError, match=f"cache folder {afile} is a file, not a folder"):
        data.download_mnist(afile, files=ONE, mirrors=["http://127.0.0.1:9/"])
    # OPTIMIZERS_DATA_DIR pointing at a file: the folder is <file>/mnist
    monkeypatch.setenv("OPTIMIZERS_DATA_DIR", str(afile))
    with pytest.raises(data.DownloadError, match="cannot write the MNIST files") as caught:
        data.load_mnist(files=SUMS, mirrors=["http://127.0.0.1:9/"])
    message = str(caught.value)
    assert f"cache folder {afile / 'mnist'}: Not a directory" in message
    assert "Fix: choose a folder you can write to" in message and "load_digits()" in message


def test_read_only_cache_folder_simulated(tmp_path, monkeypatch, serve):
    # review 15: PermissionError naming the hidden temp file '.train-images-....part', no fix
    def refuse(dir, prefix, suffix):
        path = os.path.join(dir, f"{prefix}abc123{suffix}")
        raise PermissionError(errno.EACCES, "Permission denied", path)

    monkeypatch.setattr(data.tempfile, "mkstemp", refuse)
    good = serve("good")
    with pytest.raises(data.DownloadError) as caught:
        data.download_mnist(tmp_path, files=ONE, mirrors=[good.url])
    message = str(caught.value)
    assert message.startswith(f"cannot write the MNIST files into the cache folder {tmp_path}:")
    assert "Permission denied" in message and ".part" not in message
    assert "Fix: choose a folder you can write to" in message and good.requests == []


def writes_into_read_only_folders() -> bool:
    """True for root (or CAP_DAC_OVERRIDE), which the permission bits do not stop."""
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o555)
        try:
            Path(folder, "probe").touch()
        except PermissionError:
            return False
        finally:
            os.chmod(folder, 0o755)
        return True


def test_read_only_cache_folder_for_real(tmp_path, serve):
    # A complete read-only cache loads, for everyone. The refusal to write into a read-only
    # folder is real only for a user the permission bits stop: root (CI) writes anyway, and
    # there test_read_only_cache_folder_simulated checks the message.
    good = serve("good")
    full, partial = tmp_path / "full", tmp_path / "partial"
    data.download_mnist(full, files=SUMS, mirrors=[good.url])
    data.download_mnist(partial, files=ONE, mirrors=[good.url])
    for folder in (full, partial):
        folder.chmod(0o555)
    try:
        assert len(data.load_mnist(full, val_size=2, files=SUMS, mirrors=()).x_train) == 10
        if not writes_into_read_only_folders():
            with pytest.raises(
                data.DownloadError, match=f"cache folder {partial}: Permission denied"
            ):
                data.download_mnist(partial, files=SUMS, mirrors=[good.url])
    finally:
        for folder in (full, partial):
            folder.chmod(0o755)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_full_disk(tmp_path, monkeypatch, serve):
    # review: a full disk said "could not be downloaded (offline?) ... No space left on device"
    part = tmp_path / f".{TRAIN_X}.abc123.part"

    def on_full_disk(dir, prefix, suffix):  # writes go to /dev/full: ENOSPC from the kernel
        part.touch()
        return os.open("/dev/full", os.O_WRONLY), str(part)

    monkeypatch.setattr(data.tempfile, "mkstemp", on_full_disk)
    with pytest.raises(data.DownloadError) as caught:
        data.download_mnist(tmp_path, files=ONE, mirrors=[serve("good").url], timeout=5)
    message = str(caught.value)
    assert f"cache folder {tmp_path}: No space left on device" in message
    assert "Fix: free some disk space, or choose a folder" in message
    assert "(offline?)" not in message and not part.exists()


def test_a_folder_where_a_cached_file_should_be(tmp_path):
    (tmp_path / TRAIN_X).mkdir()
    with pytest.raises(data.DownloadError, match=f"cannot read the cached file {tmp_path}"):
        data.download_mnist(tmp_path, files=ONE, mirrors=())
    with pytest.raises(data.DownloadError, match=f"Fix: delete {tmp_path / TRAIN_X}"):
        data.download_mnist(tmp_path, files=ONE, mirrors=())


# --- temporary files --------------------------------------------------------------------------


def test_interrupt_during_a_download_leaves_no_part_file(tmp_path):
    class Interrupted:
        calls = 0

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read1(self, size):
            self.calls += 1
            if self.calls > 1:
                raise KeyboardInterrupt
            return b"x" * 10

    with pytest.raises(KeyboardInterrupt):
        data.download_mnist(
            tmp_path, files=ONE, mirrors=["m/"], opener=lambda *a, **k: Interrupted()
        )
    assert list(tmp_path.iterdir()) == []


def test_abandoned_part_files_are_removed_but_not_a_running_downloads(tmp_path, serve):
    data.download_mnist(tmp_path, files=ONE, mirrors=[serve("good").url], timeout=5)
    abandoned = tmp_path / f".{TRAIN_X}.killed9.part"
    running = tmp_path / f".{TRAIN_X}.running.part"
    other = tmp_path / ".somebody-elses.part"
    for path in (abandoned, running, other):
        path.write_bytes(b"half a file")
    with open(running, "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # as a download in another process does
        data.download_mnist(tmp_path, files=ONE, mirrors=())
    assert not abandoned.exists() and running.exists() and other.exists()


def test_kill_9_during_a_download_then_the_next_call_cleans_up(tmp_path, serve):
    # review: after kill -9 the hidden .part file stayed in the cache for good
    trickle, good = serve("trickle"), serve("good")
    code = textwrap.dedent(f"""
        from optimizers import data
        data.download_mnist({str(tmp_path)!r}, files={ONE!r}, mirrors=[{trickle.url!r}], timeout=60)
    """)
    child = subprocess.Popen([sys.executable, "-c", code], cwd=Path(data.__file__).parent.parent)
    try:
        for _ in range(200):
            if leftovers(tmp_path):
                break
            time.sleep(0.02)
        assert leftovers(tmp_path)
    finally:
        child.kill()  # SIGKILL: no clean-up runs
        child.wait()
    assert leftovers(tmp_path)  # the kill left it
    data.download_mnist(tmp_path, files=ONE, mirrors=[good.url], timeout=5)
    assert leftovers(tmp_path) == [] and (tmp_path / TRAIN_X).exists()
