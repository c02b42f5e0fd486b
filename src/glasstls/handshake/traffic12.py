"""TLS 1.2 pieces both sides share: the negotiated-session facts, key derivation steps, and the connected state.

Key derivation (RFC 5246 sections 6.3, 8.1; RFC 7627 section 4)::

    premaster ──► master_secret = PRF(premaster, "master secret", client_random + server_random)
              or  master_secret = PRF(premaster, "extended master secret", session_hash)     (RFC 7627)
    master_secret ──► key_block = PRF(master, "key expansion", server_random + client_random)
                  ──► verify_data = PRF(master, "client finished" | "server finished", Hash(handshake_messages))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal, cast

from glasstls.crypto import signatures, tls12
from glasstls.crypto.keys import PrivateKey
from glasstls.crypto.tls12 import KeyBlock, Tls12CipherSuite
from glasstls.crypto.transcript import Transcript
from glasstls.errors import NoRenegotiation
from glasstls.events import Negotiated
from glasstls.handshake.base import (
    Actions,
    Context,
    FinishedVerified,
    ServerCertVerified,
    State,
    check_finished12,
)
from glasstls.handshake.peer_auth import Verification
from glasstls.wire.enums import (
    AlertDescription,
    AlertLevel,
    HandshakeType,
    NamedGroup,
    ProtocolVersion,
    SignatureScheme,
)
from glasstls.wire.messages import Finished, HandshakeMessage

if TYPE_CHECKING:  # annotations only: certificates load when a certificate arrives
    from cryptography import x509

#: The groups a TLS 1.2 ECDHE key exchange can use: the elliptic curves of RFC 8422 section 5.1.1. An allow-list,
#: so that a group added for TLS 1.3 only (the ML-KEM hybrids, whose shares do not fit the 1-byte ECPoint length
#: of a ServerKeyExchange) is never chosen for, or accepted in, TLS 1.2.
TLS12_ECDHE_GROUPS = frozenset(
    {NamedGroup.X25519, NamedGroup.X448, NamedGroup.SECP256R1, NamedGroup.SECP384R1, NamedGroup.SECP521R1}
)


@dataclass
class Session12:
    """What a TLS 1.2 handshake settled on, passed from state to state (secrets kept out of repr)."""

    suite: Tls12CipherSuite
    client_random: bytes
    server_random: bytes
    extended_master_secret: bool
    encrypt_then_mac: bool
    session_id: bytes
    master_secret: bytes = field(default=b"", repr=False)
    key_block: KeyBlock | None = field(default=None, repr=False)
    resumed: bool = False

    def derive_master(self, premaster: bytes, session_hash: bytes, actions: Actions) -> None:
        """RFC 5246 section 8.1, or RFC 7627 section 4 when extended_master_secret was negotiated."""
        if self.extended_master_secret:
            self.master_secret = tls12.extended_master_secret(self.suite, premaster, session_hash)
            how = "extended master secret (RFC 7627): bound to the whole handshake so far"
        else:
            self.master_secret = tls12.master_secret(self.suite, premaster, self.client_random, self.server_random)
            how = (
                "master secret from the premaster secret and the two randoms: NO extended master secret (LEGACY, "
                "allowed by require_extended_master_secret=False, --allow-no-ems; open to the triple-handshake "
                "attack, RFC 7627 section 1)"
            )
        actions.trace("keys_installed", "key schedule", f"derived the {how}", {"secret": "master secret"})
        actions.log_secret("CLIENT_RANDOM", self.master_secret)
        self.derive_keys()

    def use_master(self, master_secret: bytes, actions: Actions) -> None:
        """A resumed session (RFC 5246 section 7.3): the stored master secret, fresh randoms, new keys."""
        self.master_secret = master_secret
        self.resumed = True
        actions.log_secret("CLIENT_RANDOM", master_secret)
        self.derive_keys()

    def derive_keys(self) -> None:
        self.key_block = tls12.key_block(self.suite, self.master_secret, self.client_random, self.server_random)

    def keys_for(self, side: Literal["client", "server"]) -> tls12.DirectionKeys:
        assert self.key_block is not None
        return self.key_block.client if side == "client" else self.key_block.server

    def verify_data(self, sender: Literal["client", "server"], handshake_hash: bytes) -> bytes:
        return tls12.finished_verify_data(self.suite, self.master_secret, sender=sender, handshake_hash=handshake_hash)

    def exporter(self, label: bytes, context: bytes | None, length: int) -> bytes:
        """RFC 5705 section 4 (``None``: no context; ``b""``: a present, empty context)."""
        return tls12.export_keying_material(
            self.suite, self.master_secret, self.client_random, self.server_random, label, context, length
        )


def install(
    actions: Actions, session: Session12, side: Literal["client", "server"], direction: Literal["read", "write"]
) -> None:
    actions.install12(
        direction,
        session.suite,
        session.keys_for(side),
        encrypt_then_mac=session.encrypt_then_mac,
        label=f"{side} write",
    )


def tls12_schemes_for_key(
    key: PrivateKey, allowed: Sequence[SignatureScheme], *, rsa_pss_key: bool
) -> tuple[SignatureScheme, ...]:
    """The ``allowed`` schemes ``key`` can sign with in TLS 1.2, the key's own first.

    RFC 5246 section 7.4.1.4.1: a TLS 1.2 ECDSA code point names only the hash (0x0503 is sha384/ecdsa), so a
    P-256 key may sign with ecdsa_secp384r1_sha384 when that is all the peer accepts (OpenSSL's ``-sigalgs
    ECDSA+SHA384``). RFC 8446 section 4.2.3: "the old semantics did not constrain the signing curve".
    """
    own = tuple(s for s in signatures.schemes_for_key(key, tls13=False, rsa_pss_key=rsa_pss_key) if s in allowed)
    others = tuple(
        s
        for s in allowed
        if s not in own and signatures.scheme_matches_key(s, key, rsa_pss_key=rsa_pss_key, tls12=True)
    )
    return own + others


def negotiated12(
    session: Session12,
    peer_proof: ServerCertVerified | None,
    verification: Verification,
    *,
    group: NamedGroup | None,
    scheme: SignatureScheme | None,
    alpn: str | None,
    server_name: str | None,
    peer_chain: tuple[x509.Certificate, ...],
    client_certificate_requested: bool,
    record_size_limit: int | None,
) -> Negotiated:
    """What a TLS 1.2 handshake negotiated, for either side (no HelloRetryRequest in TLS 1.2): ``peer_proof``, the
    peer's verified chain (None when resumed or not sent), ``verification``, when and against what it was
    verified (peer_auth)."""
    return Negotiated(
        version=ProtocolVersion.TLS12,
        cipher_suite=session.suite.suite,
        group=group,
        signature_scheme=scheme,
        alpn_protocol=alpn,
        server_name=server_name,
        peer_certificates=peer_chain,
        verified_chain=peer_proof.chain if peer_proof is not None else None,
        hello_retry_request=False,
        resumed=session.resumed,
        encrypt_then_mac=session.encrypt_then_mac,
        client_certificate_requested=client_certificate_requested,
        record_size_limit=record_size_limit,
        peer_verified_at=verification[0],
        peer_verified_with=verification[1],
    )


def send_finished(
    actions: Actions, session: Session12, transcript: Transcript, side: Literal["client", "server"]
) -> None:
    """RFC 5246 sections 7.1 and 7.4.9: ChangeCipherSpec, our new write keys, then Finished under them."""
    actions.send_ccs()
    install(actions, session, side, "write")
    transcript.add(actions.send(Finished(session.verify_data(side, transcript.digest()))))


def check_peer_finished(
    actions: Actions,
    session: Session12,
    transcript: Transcript,
    msg: HandshakeMessage,
    raw: bytes,
    *,
    peer: Literal["client", "server"],
    step: str,
) -> FinishedVerified:
    """RFC 5246 section 7.4.9: the peer's verify_data over every handshake message before it."""
    expected = session.verify_data(peer, transcript.digest())
    proof = check_finished12(expected, cast(Finished, msg), peer=peer, step=step)
    actions.check(step, f"{peer} Finished verify_data matches our transcript")
    transcript.add(raw)
    return proof


class Traffic12(State):
    """Connected with TLS 1.2. Renegotiation is refused (RFC 5746 section 4.2 / 4.4, RFC 5246 section 7.2.2):
    a client answers HelloRequest with a no_renegotiation warning; a server answers a new ClientHello likewise."""

    step = "post-handshake"
    accepts_application_data = True
    wire_version = ProtocolVersion.TLS12

    #: A peer that keeps asking gets a fatal alert after this many refusals in a row (bounded work per byte).
    MAX_REFUSALS: Final = 8

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.refusals = 0
        self.expects = frozenset(  # per side
            {HandshakeType.HELLO_REQUEST if ctx.side == "client" else HandshakeType.CLIENT_HELLO}
        )

    def application_data_received(self) -> None:
        self.refusals = 0

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        self.refusals += 1
        what = "HelloRequest" if self.ctx.side == "client" else "a new ClientHello"
        if self.refusals > self.MAX_REFUSALS:
            raise NoRenegotiation(f"the peer asked to renegotiate {self.refusals} times in a row", step="renegotiation")
        actions.alert(AlertLevel.WARNING, AlertDescription.NO_RENEGOTIATION)
        actions.trace("info", "renegotiation", f"refused renegotiation: received {what}, answered no_renegotiation")
        return self
