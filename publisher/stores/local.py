"""A repository in a local directory: the embedded default store."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from publisher.stores.base import FileVersion, ObjectInfo, PreconditionFailed, StoreError

LOCK_NAME = ".r2repo.lock"
TEMP_PREFIX = ".r2repo-tmp-"
COPY_CHUNK = 1 << 30
# link(2) errors that mean "copy the bytes instead", not a failure.
_NO_LINK = frozenset({errno.EXDEV, errno.EMLINK, errno.EPERM, errno.EACCES, errno.ENOTSUP})


def _copy_file(source: int, target: int) -> None:
    """Copy in the kernel (sendfile, as shutil does): no buffer allocated in Python per file."""
    offset = 0
    try:
        while sent := os.sendfile(target, source, offset, COPY_CHUNK):
            offset += sent
    except OSError:
        if offset:
            raise
        while chunk := os.read(source, 1 << 20):  # a filesystem without sendfile support
            _write_all(target, chunk)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _etag_of_version(version: FileVersion) -> str:
    return '"{:x}-{:x}-{:x}"'.format(*version)


def _version(st: os.stat_result) -> FileVersion:
    return (st.st_ino, st.st_mtime_ns, st.st_size)


@contextlib.contextmanager
def _create_only(key: str) -> Iterator[None]:
    """A link(2)/linkat(2) onto a taken name is the create-only put losing: PreconditionFailed."""
    try:
        yield
    except FileExistsError:
        raise PreconditionFailed(f"{key}: already exists") from None


def _create_unnamed(
    directory: str, path: str, key: str, write: Callable[[int], None]
) -> os.stat_result | None:
    """Create `path` from a file that has no name until it is complete (O_TMPFILE, linkat).

    One directory entry per file instead of three (temporary name, link, unlink): creating
    entries is what a fresh publish of many packages waits on. A crash leaves nothing behind.
    None when the file system cannot do it (no O_TMPFILE, no /proc): the caller falls back.
    """
    try:
        directory_fd = os.open(directory, os.O_PATH | os.O_DIRECTORY)
    except AttributeError:
        return None
    try:
        try:
            fd = os.open(".", os.O_TMPFILE | os.O_WRONLY, 0o644, dir_fd=directory_fd)
        except (AttributeError, OSError):
            return None
        try:
            write(fd)
            os.fchmod(fd, 0o644)  # the umask may have narrowed the mode given to open
            try:
                # linkat(AT_SYMLINK_FOLLOW) through /proc names the open file; EEXIST if taken.
                # (A dir fd makes CPython call linkat with that flag instead of plain link.)
                with _create_only(key):
                    os.link(
                        f"/proc/self/fd/{fd}",
                        os.path.basename(path),
                        dst_dir_fd=directory_fd,
                        follow_symlinks=True,
                    )
            except FileNotFoundError:
                if not os.path.exists(f"/proc/self/fd/{fd}"):
                    return None  # no /proc
                raise
            return os.fstat(fd)
        finally:
            os.close(fd)
    finally:
        os.close(directory_fd)


class LocalStore:
    """Objects are files under `root`; writes are atomic renames; CAS under a flock."""

    # A write here is a handful of fast system calls: threads would only pass the GIL back and
    # forth between them, spending more system time than the writes.
    upload_workers = 1
    create_only_first = False  # a stat is cheaper than a failed link

    def __init__(self, root: str | Path, *, link_inputs: bool = False) -> None:
        # Create-only puts of files (packages) hard-link the input instead of copying it.
        self.link_inputs = link_inputs
        self._directories: set[str] = set()
        self.root = Path(root).resolve()
        self.url = str(self.root)
        self._prefix = self.url.rstrip("/") + "/"
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(f"{root}: store exists and is not a directory")

    def _path(self, key: str) -> Path:
        return Path(self._file(key))

    def _file(self, key: str) -> str:
        # A string path: pathlib's parsing is a visible cost per object in a big publish.
        parts = key.split("/")
        if "" in parts or "." in parts or ".." in parts:  # also "" and a leading "/"
            raise StoreError(f"{key!r}: invalid object key")
        return self._prefix + key  # os.path.join's checks cost as much again; key is relative

    def file_of(self, key: str) -> str:
        return self._file(key)

    @staticmethod
    def file_version(file: str) -> FileVersion | None:
        try:
            st = os.stat(file)
        except (FileNotFoundError, NotADirectoryError):
            return None
        return _version(st)

    @staticmethod
    def etag_of_version(version: FileVersion) -> str:
        return _etag_of_version(version)

    def _make_directory(self, directory: str) -> None:
        # r2repo never removes a directory, so one that existed once still does: the kernel is
        # asked once per directory, not once per package.
        if directory not in self._directories:
            os.makedirs(directory, exist_ok=True)
            self._directories.add(directory)

    def _info(self, key: str, st: os.stat_result) -> ObjectInfo:
        return ObjectInfo(
            key=key, size=st.st_size, etag=_etag_of_version(_version(st)), last_modified=st.st_mtime
        )

    def head(self, key: str) -> ObjectInfo | None:
        try:
            st = os.stat(self._file(key))
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

    def _write_atomically(
        self,
        key: str,
        write: Callable[[int], None],
        *,
        create_only: bool = False,
    ) -> ObjectInfo:
        """Write a temporary file beside the object, then move it into place in one step.

        `create_only` places it with link(2), which fails when the name exists: a conditional
        create that needs no lock.
        """
        path = self._file(key)
        directory = os.path.dirname(path)
        self._make_directory(directory)
        if create_only:
            created = _create_unnamed(directory, path, key, write)
            if created is not None:
                return self._info(key, created)
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=directory)
        try:
            try:
                write(fd)
                os.fchmod(fd, 0o644)
            finally:
                os.close(fd)
            if create_only:
                with _create_only(key):
                    os.link(tmp, path)
                os.unlink(tmp)
            else:
                os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return self._info(key, os.stat(path))

    def put_bytes(
        self,
        key: str,
        data: bytes,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> ObjectInfo:
        def write(fd: int) -> None:
            _write_all(fd, data)

        if if_match is None:
            return self._write_atomically(key, write, create_only=if_none_match)
        with self._locked():
            current = self.head(key)
            if current is None or current.etag != if_match:
                raise PreconditionFailed(f"{key}: changed since it was read")
            return self._write_atomically(key, write)

    def put_file(
        self, key: str, path: Path, *, sha256: str | None = None, if_none_match: bool = False
    ) -> ObjectInfo:
        if if_none_match and self.link_inputs:
            linked = self._link_input(key, str(path))
            if linked is not None:
                return linked

        def copy(fd: int) -> None:
            source = os.open(path, os.O_RDONLY | os.O_CLOEXEC)  # no Python file object needed
            try:
                _copy_file(source, fd)
            finally:
                os.close(source)

        return self._write_atomically(key, copy, create_only=if_none_match)

    def _link_input(self, key: str, source: str) -> ObjectInfo | None:
        """The input itself under `key` (link(2): create-only), or None to copy it instead.

        Copied instead: anything but a regular file, a file others may not read (serving it
        would depend on who serves), and a link across file systems or over the link limit.
        """
        st = os.stat(source)
        if not stat.S_ISREG(st.st_mode) or st.st_mode & 0o444 != 0o444:
            return None
        path = self._file(key)
        self._make_directory(os.path.dirname(path))
        try:
            with _create_only(key):
                os.link(source, path)
        except OSError as exc:
            if exc.errno in _NO_LINK:
                return None
            raise
        return self._info(key, st)

    def copy(
        self,
        source_key: str,
        target_key: str,
        *,
        sha256: str | None = None,
        if_none_match: bool = False,
    ) -> ObjectInfo:
        """A hard link to the source's file (no byte read or written): every write here is the
        rename of a fresh file, so neither name ever sees the other change. A copy instead
        where a link cannot be made (another file system, the link limit)."""
        source, path = self._file(source_key), self._file(target_key)
        try:
            st = os.stat(source)
        except (FileNotFoundError, NotADirectoryError):
            raise StoreError(f"{source_key}: no such object to copy") from None
        if not stat.S_ISREG(st.st_mode):
            raise StoreError(f"{source_key}: no such object to copy")
        self._make_directory(os.path.dirname(path))
        try:
            if if_none_match:
                with _create_only(target_key):
                    os.link(source, path)
            else:
                self._link_over(source, path)
        except OSError as exc:
            if exc.errno not in _NO_LINK:
                raise
            return self._copy_bytes(source, target_key, if_none_match)
        return self._info(target_key, os.stat(path))

    def _link_over(self, source: str, path: str) -> None:
        """Link `source` to a temporary name, then rename it over `path` in one step."""
        tmp = os.path.join(os.path.dirname(path), f"{TEMP_PREFIX}{os.urandom(8).hex()}")
        os.link(source, tmp)
        try:
            os.replace(tmp, path)
        finally:
            # rename(2) between two links of one file does nothing and leaves `tmp`.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def _copy_bytes(self, source: str, key: str, create_only: bool) -> ObjectInfo:
        def copy(fd: int) -> None:
            source_fd = os.open(source, os.O_RDONLY | os.O_CLOEXEC)
            try:
                _copy_file(source_fd, fd)
            finally:
                os.close(source_fd)

        return self._write_atomically(key, copy, create_only=create_only)

    def warm(self, connections: int) -> None:
        return None  # system calls: nothing to open ahead

    def touch(self, key: str) -> bool:
        try:
            os.utime(self._path(key))
        except FileNotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    def ancestors(self) -> list[LocalStore]:
        return [LocalStore(parent) for parent in self.root.parents]

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
