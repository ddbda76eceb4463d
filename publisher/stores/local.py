"""A repository in a local directory: the embedded default store."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from publisher.stores.base import ObjectInfo, PreconditionFailed, StoreError

LOCK_NAME = ".r2repo.lock"
TEMP_PREFIX = ".r2repo-tmp-"
Writer = Callable[[BinaryIO], object]
O_TMPFILE: int | None = getattr(os, "O_TMPFILE", None)  # Linux only
PROC_FD = Path("/proc/self/fd")


_proc_fds: dict[int, int | None] = {}  # process id -> its open /proc/self/fd, or None


def _proc_fd() -> int | None:
    """This process's /proc/self/fd directory, opened once (a fork opens its own)."""
    pid = os.getpid()
    if pid not in _proc_fds:
        try:
            _proc_fds[pid] = os.open(PROC_FD, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            _proc_fds[pid] = None
    return _proc_fds[pid]


def _copy(source: BinaryIO, out: BinaryIO) -> None:
    """In the kernel (sendfile) when it can: a publish copies every package into the store."""
    out.flush()
    try:
        while os.sendfile(out.fileno(), source.fileno(), None, 1 << 30):
            pass
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOSYS):
            raise
        shutil.copyfileobj(source, out, 1 << 20)


def _etag(st: os.stat_result) -> str:
    # Every write puts a fresh file under the name (a rename or a link), so inode + mtime + size
    # change with the bytes.
    return f'"{st.st_ino:x}-{st.st_mtime_ns:x}-{st.st_size:x}"'


class LocalStore:
    """Objects are files under `root`; writes are atomic renames, or links for If-None-Match;
    If-Match under a flock."""

    # A write here is a few system calls with Python in between, which holds the GIL: threads
    # mostly queue for it (10,000 package copies on a busy machine: 2.2 to 4 s on one thread,
    # 3.4 to 5.4 s on four).
    upload_workers = 1

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self.url = str(self.root)
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(f"{root}: store exists and is not a directory")

    def _fspath(self, key: str) -> str:
        """The file of `key`, as a string: pathlib's parsing showed in the profile of a commit."""
        if not key or any(p in ("", ".", "..") for p in key.split("/")):
            raise StoreError(f"{key!r}: invalid object key")
        return f"{self.url}/{key}"

    def _path(self, key: str) -> Path:
        return Path(self._fspath(key))

    def _info(self, key: str, st: os.stat_result) -> ObjectInfo:
        return ObjectInfo(key=key, size=st.st_size, etag=_etag(st), last_modified=st.st_mtime)

    def head(self, key: str) -> ObjectInfo | None:
        try:
            st = os.stat(self._fspath(key))
        except (FileNotFoundError, NotADirectoryError):
            return None
        return None if stat.S_ISDIR(st.st_mode) else self._info(key, st)

    def get_bytes(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    def get_with_info(self, key: str) -> tuple[bytes, ObjectInfo] | None:
        try:
            with open(self._path(key), "rb") as handle:
                # fstat on the open handle: the ETag is that of the bytes read, even mid-rename.
                return handle.read(), self._info(key, os.fstat(handle.fileno()))
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    def open_read(self, key: str, start: int = 0) -> BinaryIO:
        path = self._path(key)
        if path.is_dir():
            raise FileNotFoundError(key)
        handle = open(path, "rb")  # noqa: SIM115 - the caller owns and closes the stream
        if start:
            handle.seek(start)
        return handle

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # flock dies with its process, so a crashed publisher never leaves a stale lock.
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK_NAME, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _write_atomically(self, key: str, write: Writer) -> ObjectInfo:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                write(out)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return self._info(key, path.stat())

    def _create(self, key: str, write: Writer) -> ObjectInfo:
        """Write `key` only if it does not exist (If-None-Match: *), without the lock.

        The bytes go into a file with no name, which is then linked in: a link never replaces a
        name, so the check and the write are one atomic step, and no reader sees a partial file.
        A publish of 10,000 packages into one directory pays one directory update per file
        instead of a temporary name, a rename and a lock each.
        """
        path = self._fspath(key)
        directory = os.path.dirname(path)
        if O_TMPFILE is None or _proc_fd() is None:
            os.makedirs(directory, exist_ok=True)
            return self._create_named(key, Path(path), write)
        try:
            fd = os.open(directory, O_TMPFILE | os.O_WRONLY, 0o644)
        except FileNotFoundError:
            os.makedirs(directory, exist_ok=True)
            return self._create(key, write)
        except OSError as exc:
            if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                raise
            return self._create_named(key, Path(path), write)  # no O_TMPFILE on this filesystem
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fchmod(fd, 0o644)
            try:
                # linkat(AT_SYMLINK_FOLLOW) of /proc/self/fd/N names an unnamed file.
                os.link(str(fd), path, src_dir_fd=_proc_fd())
            except FileExistsError:
                raise PreconditionFailed(f"{key}: already exists") from None
            return self._info(key, os.fstat(fd))

    def _create_named(self, key: str, path: Path, write: Writer) -> ObjectInfo:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                write(out)
            os.chmod(tmp, 0o644)
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise PreconditionFailed(f"{key}: already exists") from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        return self._info(key, path.stat())

    def put_bytes(
        self,
        key: str,
        data: bytes,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> ObjectInfo:
        if if_none_match and if_match is None:
            return self._create(key, lambda out: out.write(data))
        if if_match is None:
            return self._write_atomically(key, lambda out: out.write(data))
        with self._locked():
            current = self.head(key)
            if if_none_match and current is not None:
                raise PreconditionFailed(f"{key}: already exists")
            if current is None or current.etag != if_match:
                raise PreconditionFailed(f"{key}: changed since it was read")
            return self._write_atomically(key, lambda out: out.write(data))

    def put_file(
        self, key: str, path: Path, *, sha256: str | None = None, if_none_match: bool = False
    ) -> ObjectInfo:
        def copy(out: BinaryIO) -> None:
            with open(path, "rb") as src:
                _copy(src, out)

        if if_none_match:
            return self._create(key, copy)
        return self._write_atomically(key, copy)

    def touch(self, key: str) -> bool:
        try:
            os.utime(self._path(key))
        except FileNotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        if not self.root.is_dir():
            return
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames.sort()
            rel = os.path.relpath(dirpath, self.root)
            base = "" if rel == "." else rel.replace(os.sep, "/") + "/"
            if not (base.startswith(prefix) or prefix.startswith(base)):
                dirnames.clear()
                continue
            for name in filenames:
                key = base + name
                if name == LOCK_NAME or name.startswith(TEMP_PREFIX) or not key.startswith(prefix):
                    continue
                found.append(key)
        for key in sorted(found):
            info = self.head(key)
            if info is not None:
                yield info
