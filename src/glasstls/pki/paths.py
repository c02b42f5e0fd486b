"""Choosing which of the certificates a peer sent can be on a path from its leaf (bounded work).

A peer may send more certificates than its path needs: cross-signed intermediates, old roots, other chains,
in any order (RFC 8446 section 4.4.2 allows any order after the leaf; RFC 5246 section 7.4.2 senders are often
sloppy). :func:`select_intermediates` keeps those that chain by name from the leaf (RFC 5280 section 6.1:
each certificate's issuer is the next one's subject), nearest first, at most :data:`MAX_CANDIDATES_PER_ISSUER`
per issuer name, so the path builder beneath (cryptography's) never sees the noise and a short valid path is
found however many certificates came with it.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509

from glasstls.pki.facts import _MEMO_SIZE, _der, _ext

__all__ = ["MAX_CANDIDATES_PER_ISSUER", "select_intermediates"]

#: The most certificates with one subject name tried as the issuer of one certificate. A CA rarely has more
#: than three or four certificates in circulation under one name (re-keys, cross-signs by other roots); eight
#: leaves room, and bounds the signature checks a peer can make us do per step (a named bound on
#: attacker-driven work).
MAX_CANDIDATES_PER_ISSUER = 8


def _key_id(
    cert: x509.Certificate, kind: type[x509.AuthorityKeyIdentifier | x509.SubjectKeyIdentifier]
) -> bytes | None:
    value = _ext(cert, kind)
    if value is None:
        return None
    if isinstance(value, x509.AuthorityKeyIdentifier):
        return value.key_identifier
    return bytes(value.digest)


#: select_intermediates results by (max_depth, identities of the leaf and the certificates sent). A peer sends
#: the same chain on every connection and each DER parses to one certificate object (crypto/keys.py), so the
#: choice (names compared, key identifiers read) is made once per chain. Bounded as pki/facts.py's memos.
_selected: dict[tuple[int, ...], tuple[tuple[x509.Certificate, ...], tuple[x509.Certificate, ...]]] = {}


def select_intermediates(
    leaf: x509.Certificate, sent: Sequence[x509.Certificate], max_depth: int
) -> list[x509.Certificate]:
    """The certificates of ``sent`` (after the leaf) that chain by name from ``leaf`` within ``max_depth + 1``
    steps, nearest first; among those with one name, the ones whose subjectKeyIdentifier matches the
    authorityKeyIdentifier of the certificate they would issue come first (RFC 5280 section 4.2.1.1). Each
    certificate once (by DER)."""
    chain = (leaf, *sent)
    key = (max_depth, *map(id, chain))
    hit = _selected.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], chain, strict=True)):
        return list(hit[1])
    selected = _select(leaf, sent, max_depth)
    if len(_selected) >= _MEMO_SIZE:
        _selected.clear()
    _selected[key] = (chain, tuple(selected))  # the entry holds the chain, so its ids are not reused meanwhile
    return selected


def _select(leaf: x509.Certificate, sent: Sequence[x509.Certificate], max_depth: int) -> list[x509.Certificate]:
    leaf_der = _der(leaf)
    by_subject: dict[x509.Name, list[x509.Certificate]] = {}
    seen: set[bytes] = {leaf_der}
    for cert in sent:
        der = _der(cert)
        if der in seen:
            continue
        seen.add(der)
        by_subject.setdefault(cert.subject, []).append(cert)
    selected: list[x509.Certificate] = []
    chosen: set[int] = set()
    frontier = [leaf]
    for _ in range(max_depth + 1):
        following: list[x509.Certificate] = []
        for cert in frontier:
            candidates = by_subject.get(cert.issuer, [])
            if not candidates:
                continue
            wanted = _key_id(cert, x509.AuthorityKeyIdentifier)
            if wanted is not None:
                candidates = sorted(candidates, key=lambda c: _key_id(c, x509.SubjectKeyIdentifier) != wanted)
            for candidate in candidates[:MAX_CANDIDATES_PER_ISSUER]:
                if id(candidate) not in chosen:
                    chosen.add(id(candidate))
                    selected.append(candidate)
                    following.append(candidate)
        if not following:
            break
        frontier = following
    return selected
