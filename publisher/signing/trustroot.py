"""The public keys a repository publishes so clients can fetch them from it: its trust root.

Clients trust the keys they fetched once; a command that signed an existing repository with
any other key would make every one of them fail. So the keys it publishes decide which keys may
sign it, and only an explicit rotation adds one (beside the old ones, which stay published).
"""

from __future__ import annotations

from collections.abc import Sequence

from publisher.core.uploads import Phase, Upload
from publisher.errors import SigningError
from publisher.signing.gnupg import Signer
from publisher.signing.keyfiles import ENV_SIGNING_KEY
from publisher.stores import Store
from publisher.stores.readonce import read_ahead
from routes.openpgp import PublicKey, public_keys

ROOT_KEYS = ("key.gpg", "key.asc")
HOW_TO_SIGN = (
    f"sign with the repository's key (--signing-key FILE or ${ENV_SIGNING_KEY}), "
    "or add a new key beside it with --rotate-key"
)


def key_uploads(store: Store, signer: Signer, keys: dict[str, bool]) -> list[Upload]:
    """`keys` maps a store key to armored (True) or binary (False); only changed keys are put."""
    uploads = []
    read_ahead(store, list(keys))  # one round trip for all of them on a remote store
    for key, armor in keys.items():
        data = signer.public_keys(armor)
        if store.get_bytes(key) != data:
            uploads.append(Upload(key, Phase.STANDALONE, data=data))
    return uploads


def root_key_files(rpm_roots: Sequence[str]) -> list[str]:
    """Where a repository publishes its keys: the store's root and each RPM root's repodata."""
    return [*ROOT_KEYS, *(f"{root}/repodata/repomd.xml.key" for root in rpm_roots)]


class TrustRoot:
    """The keys a store publishes, read once."""

    def __init__(self, store: Store, rpm_roots: Sequence[str] = ()) -> None:
        self.store = store
        self.keyrings: list[bytes] = []
        found: dict[str, PublicKey] = {}
        for key in root_key_files(rpm_roots):
            data = store.get_bytes(key)
            if data:
                self.keyrings.append(data)
                for public in public_keys(data):
                    found.setdefault(public.fingerprint, public)
        self.keys = list(found.values())
        self._checked = False

    def describe(self) -> str:
        return ", ".join(
            f"{key.fingerprint} ({key.user_ids[0]})" if key.user_ids else key.fingerprint
            for key in self.keys
        )

    def refuse_new_key(self, rotate: bool) -> None:
        """Before a key is made for the working directory: it cannot be one the store trusts."""
        if self.keys and not rotate:
            raise SigningError(
                f"{self.store.url}: no signing key given, and a new one would replace the "
                f"repository's key {self.describe()}: {HOW_TO_SIGN}"
            )

    def check(self, signer: Signer, rotate: bool) -> None:
        """Refuse a signing key the store does not publish, unless `rotate`. Every published key
        stays published beside the signing keys: what it signed (dists, packages) stays
        verifiable, and clients holding only it keep working while it signs too."""
        if self._checked or not self.keys:
            return  # done, or a new repository (or one without key files): nothing to keep
        trusted = {key.fingerprint for key in self.keys}
        signing = [key.fingerprint for key in signer.keys]
        new = [fingerprint for fingerprint in signing if fingerprint not in trusted]
        if new and not rotate:
            raise SigningError(
                f"{self.store.url}: signing key {', '.join(new)} is not among the repository's "
                f"keys {self.describe()}; clients that trust them would fail: {HOW_TO_SIGN}"
            )
        if trusted - set(signing):
            signer.publish_also(self.keyrings)
        if new and len(new) == len(signing):
            signer.warn(
                f"--rotate-key: none of the repository's keys ({self.describe()}) signs; "
                "clients that trust only those fail until they fetch key.gpg again "
                "(sign with the old and the new key together during a rotation)"
            )
        self._checked = True
