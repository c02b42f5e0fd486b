"""What a verification was made against, as one comparable string (issue 9: sessions record how the peer was
authenticated, and are resumed only under the same verification).

``verification_profile(trust, revocation, crls)`` names the trust anchors (by :attr:`TrustStore.fingerprint`),
the revocation policy and the CRLs consulted (by their SHA-256 fingerprints). Two verifications with the same
profile would accept and refuse the same chains at the same moment; a session verified under one profile is
resumed only where the current profile is the same (a weaker or different one cannot vouch for a stronger
one, and telling "stronger" apart in general would need the chain verified again).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes

if TYPE_CHECKING:  # annotations only: the handshake asks for a profile without loading the trust store
    from cryptography import x509

    from glasstls.pki.trust import TrustStore

__all__ = ["verification_profile"]

#: Profiles remembered per (trust store, policy, CRLs) object identities: a config keeps the same objects for
#: its lifetime. Bounded (named bound): configs are few; beyond it the oldest entry is dropped.
MAX_REMEMBERED_PROFILES = 64

_lock = threading.Lock()
#: key -> (the objects, kept alive so that their ids stay theirs, and the profile)
_remembered: dict[tuple[object, ...], tuple[object, str]] = {}


def verification_profile(
    trust: TrustStore,
    revocation: str,
    crls: Sequence[x509.CertificateRevocationList],
    *,
    identities: Sequence[str] = (),
    certificate_profile: str = "web",
    default_profile: str = "web",
) -> str:
    """``"trust sha256:<hex> (<n> anchors); revocation <policy>; CRLs <sha256 of their fingerprints | none>"``,
    then ``"; identities <names>"`` when only some client identities are accepted (pki/client_identity.py): a
    session verified for any client does not vouch for a server that accepts only some; and ``"; profile
    <name>"`` when the certificate profile is not ``default_profile`` (the default of the role: "web" for
    server chains, "rfc5280" for client chains), so that profiles made before the choice existed still match."""
    key = (id(trust), revocation, tuple(id(c) for c in crls), certificate_profile, default_profile, *identities)
    with _lock:
        found = _remembered.get(key)
    if found is not None:
        return found[1]
    if crls:
        digests = sorted(c.fingerprint(hashes.SHA256()) for c in crls)
        crl_part = "sha256:" + hashlib.sha256(b"".join(digests)).hexdigest()[:32]
    else:
        crl_part = "none"
    profile = (
        f"trust sha256:{trust.fingerprint[:32]} ({len(trust.certificates)} anchors); "
        f"revocation {revocation}; CRLs {crl_part}"
    )
    if identities:
        profile += "; identities " + ", ".join(sorted(identities))
    if certificate_profile != default_profile:
        profile += f"; profile {certificate_profile}"
    with _lock:
        if len(_remembered) >= MAX_REMEMBERED_PROFILES:
            del _remembered[next(iter(_remembered))]
        _remembered[key] = ((trust, tuple(crls)), profile)
    return profile
