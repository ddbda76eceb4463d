"""Errors a user sees: each message names the input and the reason, on one line."""


class R2repoError(Exception):
    """A failure caused by the user's input or environment; the CLI prints it and exits 1."""


class PackageError(R2repoError):
    """A package file is unreadable or invalid."""


def unreadable_input(path: object, exc: OSError | None = None) -> PackageError:
    """Why an input file cannot be read: it is missing, it is not a regular file (`exc` None),
    or the system's own reason (permissions, a symlink loop)."""
    if exc is None:
        reason = "not a regular file"
    elif isinstance(exc, FileNotFoundError):
        reason = "no such file"
    else:
        reason = f"cannot read it ({(exc.strerror or type(exc).__name__).lower()})"
    return PackageError(f"{path}: {reason}")


class ConflictError(R2repoError):
    """A package would replace different bytes under the same name, version and architecture."""


class KeyTakenError(ConflictError):
    """A package file's key already holds other bytes: never overwritten (clients holding the old
    index still fetch the old bytes)."""

    def __init__(self, source: object, key: str) -> None:
        super().__init__(
            f"{source}: {key} already exists in the store with other bytes "
            "(use --replace to publish the new bytes)"
        )
        self.source = source
        self.key = key


class SigningError(R2repoError):
    """A key is missing, invalid or expired, or gpg failed."""


class CommitConflict(R2repoError):
    """Other publishers kept winning the compare-and-swap; nothing was committed."""


class BuildError(R2repoError):
    """A package cannot be built from these settings or source files."""
