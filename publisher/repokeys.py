"""The public keys a repository publishes so clients can fetch them from it."""

from __future__ import annotations

from publisher.signing import Signer
from publisher.stores import Store
from publisher.uploads import Phase, Upload


def key_uploads(store: Store, signer: Signer, keys: dict[str, bool]) -> list[Upload]:
    """`keys` maps a store key to armored (True) or binary (False); only changed keys are put."""
    uploads = []
    for key, armor in keys.items():
        data = signer.public_keys(armor)
        if store.get_bytes(key) != data:
            uploads.append(Upload(key, Phase.PACKAGE, data=data))
    return uploads
