"""What an interrupted commit of an RPM root leaves behind, for the next publish to finish.

repomd.xml (the compare-and-swap) goes first and repomd.xml.asc right after it: a publisher
killed between the two leaves a signature of the previous repomd.xml, which clients with
repo_gpgcheck refuse until the next publish signs again (see docs/design.md).
"""

from __future__ import annotations

from publisher.signing.verify import SignatureChecker
from publisher.stores import Store
from publisher.yum.gcrecord import signature_key
from publisher.yum.state import RpmRootState


def signature_behind(store: Store, state: RpmRootState, checker: SignatureChecker) -> str | None:
    """Why repomd.xml.asc does not sign the current repomd.xml; None when it does."""
    if state.repomd is None:
        return None
    key = signature_key(state.root)
    signature = store.get_bytes(key)
    if signature is None:
        return f"{key}: missing"
    reason = checker.detached(signature, state.repomd)
    return f"{key}: bad signature of repomd.xml ({reason})" if reason else None
