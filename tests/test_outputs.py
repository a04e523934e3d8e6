"""Output files: where a path really leads, and outputs written all together or not at all.

A regular file (or a new path) is written atomically; a symbolic link (or a chain) is
followed and its target written; a character device, FIFO or ``/dev/stdout`` is written
directly (never replaced by a regular file); a folder, socket or block device is refused.
``--out``/``--plot`` of a command are committed together: a failure leaves none of them.
Each case runs through the library and through the real ``dynsys`` in a subprocess.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from dynsys import _io
from dynsys._figures import save_figure
from dynsys._io import OutputTransaction, resolve_output, write_bytes, write_json, write_text
from dynsys.cli import main
from dynsys.errors import ModelError

DYNSYS = str(Path(sys.executable).parent / "dynsys")
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="mknod needs root")
SIMULATE = ["simulate", "self_excitation", "--x0", "59", "--t-end", "1", "--json"]


def _cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([DYNSYS, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)


def _one_error(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def _no_temporaries(folder: Path) -> None:
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


class _FifoReader:
    """Read a FIFO to its end in a thread (the writer blocks until a reader opens it)."""

    def __init__(self, path: Path) -> None:
        self.data = b""
        self._thread = threading.Thread(target=self._read, args=(path,), daemon=True)
        self._thread.start()

    def _read(self, path: Path) -> None:
        with open(path, "rb") as fh:
            self.data = fh.read()

    def result(self, timeout: float = 60) -> bytes:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the FIFO was never written and closed"
        return self.data


def _null_device(path: Path) -> Path:
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return path


# ----------------------------------------------------------------- where a path leads
def test_symlink_is_followed_and_its_target_written(tmp_path):
    (tmp_path / "real.txt").write_text("old")
    (tmp_path / "link").symlink_to("real.txt")
    assert write_text(tmp_path / "link", "new") == tmp_path / "real.txt"
    assert (tmp_path / "link").is_symlink()
    assert (tmp_path / "real.txt").read_text() == "new"
    _no_temporaries(tmp_path)


def test_symlink_chain_and_relative_links(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "real.json").write_text("{}")
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("sub/c")
    (sub / "c").symlink_to("../sub/real.json")
    write_json(tmp_path / "a", {"x": 1})
    assert json.loads((sub / "real.json").read_text()) == {"x": 1}
    assert all((tmp_path / p).is_symlink() for p in ("a", "b", "sub/c"))


def test_dangling_symlink_creates_its_target_or_is_refused(tmp_path):
    (tmp_path / "dangling").symlink_to("new.txt")
    write_bytes(tmp_path / "dangling", b"data")
    assert (tmp_path / "new.txt").read_bytes() == b"data"
    assert (tmp_path / "dangling").is_symlink()
    (tmp_path / "nowhere").symlink_to("missing/new.txt")
    with pytest.raises(ModelError, match=r"missing.*does not exist"):
        write_text(tmp_path / "nowhere", "x")


def test_symlink_loop_is_refused(tmp_path):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(ModelError, match="symbolic links"):
        write_text(tmp_path / "a", "x")


def test_new_file_gets_the_usual_mode_and_a_replaced_file_keeps_its_own(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(write_text(tmp_path / "new.txt", "x").stat().st_mode) == 0o666 & ~umask
    old = tmp_path / "old.txt"
    old.write_text("x")
    old.chmod(0o600)
    write_text(old, "y")
    assert stat.S_IMODE(old.stat().st_mode) == 0o600 and old.read_text() == "y"


def test_fifo_is_written_directly(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = _FifoReader(fifo)
    write_text(fifo, "through the pipe\n")
    assert reader.result() == b"through the pipe\n"
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    _no_temporaries(tmp_path)


def test_figure_to_fifo_and_through_symlink(tmp_path):
    from dynsys.plots._style import new_axes

    fig, ax = new_axes()
    ax.plot([0, 1], [0, 1])
    fifo = tmp_path / "fig.png"
    os.mkfifo(fifo)
    reader = _FifoReader(fifo)
    save_figure(fig, fifo)
    assert reader.result().startswith(b"\x89PNG")
    (tmp_path / "link.svg").symlink_to("real.svg")
    save_figure(fig, tmp_path / "link.svg")
    assert b"<svg" in (tmp_path / "real.svg").read_bytes()


@needs_root
def test_character_device_stays_a_device(tmp_path):
    null = _null_device(tmp_path / "null")
    write_json(null, {"a": 1})
    _io.atomic_write(null, lambda p: p.write_text("generic writer"))
    info = null.stat()
    assert stat.S_ISCHR(info.st_mode) and info.st_rdev == os.makedev(1, 3)
    _no_temporaries(tmp_path)


def test_folder_and_socket_are_refused(tmp_path):
    with pytest.raises(ModelError, match="a folder"):
        write_text(tmp_path, "x")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(str(tmp_path / "sock"))
        with pytest.raises(ModelError, match="a socket"):
            write_text(tmp_path / "sock", "x")
    finally:
        sock.close()
    with pytest.raises(ModelError, match="a folder"):
        resolve_output(tmp_path / ".")


@needs_root
def test_block_device_is_refused(tmp_path):
    os.mknod(tmp_path / "blk", 0o600 | stat.S_IFBLK, os.makedev(7, 200))
    with pytest.raises(ModelError, match="block device"):
        write_text(tmp_path / "blk", "x")


# ----------------------------------------------------------------- the same through the CLI
def test_cli_follows_symlink_chain_and_dangling_link(tmp_path):
    (tmp_path / "real.json").write_text("old")
    (tmp_path / "chain").symlink_to("link")
    (tmp_path / "link").symlink_to("real.json")
    (tmp_path / "dangling").symlink_to("made.json")
    for name in ("link", "chain", "dangling"):
        proc = _cli(*SIMULATE, "--out", name, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "real.json").read_text())["model"] == "self_excitation"
    assert json.loads((tmp_path / "made.json").read_text())["model"] == "self_excitation"
    assert all((tmp_path / n).is_symlink() for n in ("chain", "link", "dangling"))
    (tmp_path / "broken").symlink_to("missing/x.json")
    _one_error(_cli(*SIMULATE, "--out", "broken", cwd=tmp_path), "missing", "does not exist")
    _no_temporaries(tmp_path)


def test_cli_writes_fifo_and_stdout_directly(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = _FifoReader(fifo)
    proc = _cli(*SIMULATE, "--out", "pipe", "--plot", "p.png", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(reader.result())["model"] == "self_excitation"
    assert stat.S_ISFIFO(fifo.stat().st_mode) and (tmp_path / "p.png").stat().st_size > 0
    proc = _cli(*SIMULATE, "--out", "/dev/stdout", cwd=tmp_path)
    assert proc.returncode == 0 and json.loads(proc.stdout)["model"] == "self_excitation"


@needs_root
def test_cli_never_replaces_a_device(tmp_path):
    null = _null_device(tmp_path / "null")
    proc = _cli(*SIMULATE, "--out", "null", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISCHR(null.stat().st_mode) and null.stat().st_rdev == os.makedev(1, 3)
    _no_temporaries(tmp_path)


def test_cli_refuses_folder_and_socket(tmp_path):
    (tmp_path / "dir").mkdir()
    _one_error(_cli(*SIMULATE, "--out", "dir", cwd=tmp_path), "--out dir", "folder")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(str(tmp_path / "sock"))
        _one_error(_cli(*SIMULATE, "--out", "sock", cwd=tmp_path), "--out sock", "socket")
    finally:
        sock.close()


# ----------------------------------------------------------------- all outputs or none
#: Each command with a --plot and an --out, quick to run.
COMMANDS = {
    "analyze": ["analyze", "mutual_excitation", "--json"],
    "phase": ["phase", "mutual_excitation", "--json"],
    "simulate": SIMULATE,
    "continue": ["continue", "self_excitation", "--param", "I", "--range", "-5:0", "--json"],
    "hopfield recall": ["hopfield", "recall", "--json", "--seed", "1"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_unwritable_out_leaves_no_plot(tmp_path, command):
    """A path inside a regular file cannot be written, even by root."""
    (tmp_path / "file").write_text("a file, not a folder")
    proc = _cli(*COMMANDS[command], "--out", "file/a.json", "--plot", "ok.png", cwd=tmp_path)
    _one_error(proc, "--out file/a.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_failure_after_the_plot_leaves_no_output(tmp_path, command, monkeypatch, capsys):
    """The figure is made, then the command fails: neither file appears, no temporary left."""
    def fail(obj):
        raise ModelError("failed while writing the results")

    monkeypatch.setattr(_io, "json_text", fail)
    out, plot = tmp_path / "a.json", tmp_path / "ok.png"
    assert main([*COMMANDS[command], "--out", str(out), "--plot", str(plot)]) == 2
    assert "error: failed while writing the results" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    assert main([*COMMANDS[command], "--out", str(out), "--plot", str(plot)]) == 0
    assert out.stat().st_size > 0 and plot.stat().st_size > 0
    _no_temporaries(tmp_path)


@needs_root
def test_stream_failing_at_commit_leaves_no_file(tmp_path):
    """Streams are written before files are renamed: /dev/full failing leaves no figure."""
    os.mknod(tmp_path / "full", 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    proc = _cli(*SIMULATE, "--out", "full", "--plot", "p.png", cwd=tmp_path)
    _one_error(proc, "No space left")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


def test_same_file_twice_is_refused(tmp_path):
    _one_error(_cli(*SIMULATE, "--out", "x.png", "--plot", "x.png", cwd=tmp_path),
               "same file")


def test_transaction_commits_together_or_not_at_all(tmp_path):
    with OutputTransaction() as tx:
        tx.write_text(tmp_path / "a.txt", "a")
        tx.reserve(tmp_path / "unused.txt")  # reserved, never written: not created
        assert not (tmp_path / "a.txt").exists()
    assert (tmp_path / "a.txt").read_text() == "a" and not (tmp_path / "unused.txt").exists()
    with pytest.raises(RuntimeError), OutputTransaction() as tx:
        tx.write_text(tmp_path / "a.txt", "changed")
        tx.write_text(tmp_path / "b.txt", "b")
        raise RuntimeError
    assert (tmp_path / "a.txt").read_text() == "a" and not (tmp_path / "b.txt").exists()
    _no_temporaries(tmp_path)


@pytest.mark.skipif(ROOT, reason="root writes into a read-only folder anyway")
def test_read_only_folder_out_leaves_no_plot(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        proc = _cli(*COMMANDS["analyze"], "--out", "ro/a.json", "--plot", "ok.png", cwd=tmp_path)
    finally:
        ro.chmod(0o755)
    _one_error(proc, "Permission denied")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ro"] and not any(ro.iterdir())
