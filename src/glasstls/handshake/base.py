"""The state machinery shared by every handshake state.

Rules (DESIGN "Rules of the house"):

1. A state is a class named for the message it waits for. It declares ``expects``, the handshake message
   types it accepts; anything else is ``unexpected_message``, decided in one place (``State.check_accepts``).
2. ``handle(msg, raw, actions)`` only *records* what should happen (send a message, install keys, emit an
   event, trace a step) in ``actions`` and returns the next state. The connection applies the actions after
   ``handle`` returns; a state that raised applies nothing.
3. Checks that must not be skipped return proof objects (``ServerCertVerified``, ``SignatureVerified``,
   ``FinishedVerified``) that later states require in their constructors.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

from glasstls.config import CertificateChain, ClientConfig, ServerConfig
from glasstls.crypto import key_schedule as ks
from glasstls.crypto import signatures
from glasstls.crypto.keys import PublicKey, is_rsassa_pss_certificate, load_der_certificate, public_key_of
from glasstls.crypto.suites import Tls13CipherSuite
from glasstls.crypto.tls12 import DirectionKeys, Tls12CipherSuite
from glasstls.errors import BadCertificate, DecryptError, IllegalParameter, UnexpectedMessage, UnsupportedCertificate
from glasstls.events import Event, Negotiated
from glasstls.sessions import ClientSession
from glasstls.trace.events import NO_DETAILS, TraceKind
from glasstls.wire import messages_dhe  # noqa: F401  (registers the TLS 1.2 DHE key exchange decoders)
from glasstls.wire.enums import AlertDescription, AlertLevel, HandshakeType, ProtocolVersion, SignatureScheme
from glasstls.wire.messages import CertificateVerify, Finished, HandshakeMessage, decode_handshake

if TYPE_CHECKING:  # annotations only: certificates and their verification load when a certificate arrives
    from cryptography import x509

    from glasstls.pki.verify import VerifiedChain

Side = Literal["client", "server"]

# -- actions ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendMessage:
    message: HandshakeMessage
    raw: bytes


@dataclass(frozen=True)
class SendChangeCipherSpec:
    """The middlebox-compatibility change_cipher_spec record (RFC 8446 appendix D.4)."""


@dataclass(frozen=True)
class InstallKeys:
    """Switch record protection for one direction to keys derived from ``secret`` (RFC 8446 section 7.3).

    ``label`` names the secret for the trace; ``keylog_label`` for the NSS key log (None: not logged).
    """

    direction: Literal["read", "write"]
    suite: Tls13CipherSuite
    secret: bytes = field(repr=False)
    label: str
    keylog_label: str | None


@dataclass(frozen=True)
class InstallTls12Keys:
    """Switch TLS 1.2 record protection for one direction (RFC 5246 sections 6.1-6.3): the connection builds
    the protection from ``suite`` and ``keys`` (``encrypt_then_mac``: RFC 7366, CBC suites only)."""

    direction: Literal["read", "write"]
    suite: Tls12CipherSuite
    keys: DirectionKeys = field(repr=False)
    encrypt_then_mac: bool
    label: str


@dataclass(frozen=True)
class SendAlert:
    """A non-fatal alert (e.g. TLS 1.2 no_renegotiation, RFC 5746 section 4.2); fatal alerts come from errors."""

    level: AlertLevel
    description: AlertDescription


@dataclass(frozen=True)
class RememberSession:
    """A client keeps a session for resumption under its server identity (RFC 5246 7.3, RFC 5077 3.4)."""

    session: ClientSession


@dataclass(frozen=True)
class LogSecret:
    """A secret that has no record keys of its own but belongs in the key log (e.g. EXPORTER_SECRET)."""

    keylog_label: str
    secret: bytes = field(repr=False)


@dataclass(frozen=True)
class AllowChangeCipherSpec:
    allowed: bool


@dataclass(frozen=True)
class EmitEvent:
    event: Event


@dataclass(frozen=True)
class Trace:
    kind: TraceKind
    step: str
    summary: str
    details: Mapping[str, object]
    ok: bool | None = None


@dataclass(frozen=True)
class SetPeerRecordSizeLimit:
    """The peer's record_size_limit (RFC 8449 section 4): caps what we send."""

    limit: int


@dataclass(frozen=True)
class SkipEarlyData:
    """RFC 8446 section 4.2.10: the server rejected the client's 0-RTT data; skip records that do not open under
    the handshake keys (or, after a HelloRetryRequest, plaintext-time application_data records), at most
    ``limit`` bytes of them."""

    limit: int


@dataclass(frozen=True)
class EarlyDataWrite:
    """Client, TLS 1.3 0-RTT (RFC 8446 section 2.3): ``data`` goes out now as application_data under the current
    write keys (the early traffic keys); ``None``: writes go back to plaintext (the server answered with a
    HelloRetryRequest, so the second ClientHello is not protected, section 4.1.4)."""

    data: bytes | None = field(repr=False)


#: RFC 5705 / RFC 8446 section 7.5: (label, context, length) -> keying material.
Exporter = Callable[[bytes, bytes | None, int], bytes]


@dataclass(frozen=True)
class HandshakeDone:
    """``exporter``: set by TLS 1.2 (RFC 5705 over the master secret); TLS 1.3 uses ``exporter_master_secret``."""

    negotiated: Negotiated
    exporter_master_secret: bytes = field(repr=False)
    resumption_master_secret: bytes = field(repr=False)
    exporter: Exporter | None = field(default=None, repr=False)


Action = (
    SendMessage
    | SendChangeCipherSpec
    | InstallKeys
    | InstallTls12Keys
    | SendAlert
    | RememberSession
    | LogSecret
    | AllowChangeCipherSpec
    | EmitEvent
    | Trace
    | SetPeerRecordSizeLimit
    | SkipEarlyData
    | EarlyDataWrite
    | HandshakeDone
)


#: What a message a state sends becomes: a replacement, or ``None`` (hashed by the sender as if sent, never
#: sent). See :func:`set_send_hook`.
SendHook = Callable[[HandshakeMessage], "HandshakeMessage | None"]
_send_hook: SendHook | None = None


def set_send_hook(hook: SendHook | None) -> None:
    """Pass every handshake message a state sends through ``hook`` first (``None``: none, as in every program).
    The negative tests alter what one side sends with it (tests/handshake_pair.py, ``Pair.mutate``): a hook
    called from here works in the compiled build too, where replacing ``Actions.send`` on the class would not
    reach the compiled states' calls. The sender hashes what it actually sent."""
    global _send_hook
    _send_hook = hook


class Actions:
    """What a state wants done, in order. Filled by ``handle``, applied by the connection afterwards."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self.items: list[Action] = []
        #: When each action was recorded (``clock``: the connection's injected monotonic clock), so that a
        #: trace step is timed when its work was done, not when the connection applies it; empty without one.
        self.times: list[float] = []
        self._clock = clock

    def _add(self, action: Action) -> None:
        self.items.append(action)
        if self._clock is not None:
            self.times.append(self._clock())

    def send(self, message: HandshakeMessage) -> bytes:
        """Queue a handshake message; returns its encoding (the bytes the transcript must hash)."""
        if _send_hook is not None:
            altered = _send_hook(message)
            if altered is None:
                return message.encode()  # dropped: hashed by the sender, never sent
            message = altered
        raw = message.encode()
        self._add(SendMessage(message, raw))
        return raw

    def send_ccs(self) -> None:
        self._add(SendChangeCipherSpec())

    def install(
        self,
        direction: Literal["read", "write"],
        suite: Tls13CipherSuite,
        secret: bytes,
        label: str,
        keylog_label: str | None,
    ) -> None:
        self._add(InstallKeys(direction, suite, secret, label, keylog_label))

    def install12(
        self,
        direction: Literal["read", "write"],
        suite: Tls12CipherSuite,
        keys: DirectionKeys,
        *,
        encrypt_then_mac: bool,
        label: str,
    ) -> None:
        self._add(InstallTls12Keys(direction, suite, keys, encrypt_then_mac, label))

    def remember(self, session: ClientSession) -> None:
        self._add(RememberSession(session))

    def alert(self, level: AlertLevel, description: AlertDescription) -> None:
        self._add(SendAlert(level, description))

    def log_secret(self, keylog_label: str, secret: bytes) -> None:
        self._add(LogSecret(keylog_label, secret))

    def allow_ccs(self, allowed: bool) -> None:
        self._add(AllowChangeCipherSpec(allowed))

    def emit(self, event: Event) -> None:
        self._add(EmitEvent(event))

    def trace(
        self,
        kind: TraceKind,
        step: str,
        summary: str,
        details: Mapping[str, object] | None = None,
        ok: bool | None = None,
    ) -> None:
        self._add(Trace(kind, step, summary, details if details is not None else NO_DETAILS, ok))

    def check(self, step: str, summary: str, details: Mapping[str, object] | None = None) -> None:
        """Trace a check that passed (failed checks raise; the connection traces the error)."""
        self._add(Trace("check", step, summary, details if details is not None else NO_DETAILS, True))

    def peer_record_size_limit(self, limit: int) -> None:
        self._add(SetPeerRecordSizeLimit(limit))

    def skip_early_data(self, limit: int) -> None:
        self.items.append(SkipEarlyData(limit))

    def early_data_write(self, data: bytes | None) -> None:
        self._add(EarlyDataWrite(data))

    def done(
        self,
        negotiated: Negotiated,
        exporter_master_secret: bytes,
        resumption_master_secret: bytes,
        exporter: Exporter | None = None,
    ) -> None:
        self._add(HandshakeDone(negotiated, exporter_master_secret, resumption_master_secret, exporter))


class Secrets(dict[str, bytes]):
    """Secrets by name (e.g. the current traffic secret of each side); the repr names them, never shows them
    (DESIGN rule 9: a traceback with locals or a debugger prints reprs)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<secrets: {', '.join(self)}>"


# -- context shared by the states of one connection ------------------------------------------------------


@dataclass
class Context:
    """Per-connection facts the states share: the side, the config, the client random (for the key log)."""

    side: Side
    config: ClientConfig | ServerConfig
    client_random: bytes = b""

    @property
    def peer(self) -> Side:
        return "server" if self.side == "client" else "client"


# -- proofs (RFC 8446 section 4.4: these checks must not be skipped) ------------------------------------

_PROOF_TOKEN = object()


class _Proof:
    __slots__ = ()

    def __init__(self, token: object) -> None:
        if token is not _PROOF_TOKEN:
            raise TypeError(f"{type(self).__name__} is made only by the check it proves")


class ServerCertVerified(_Proof):
    """The peer's certificate chain was verified (or verification was explicitly, dangerously, skipped)."""

    __slots__ = ("chain", "skipped")

    def __init__(self, token: object, chain: VerifiedChain | None, skipped: bool) -> None:
        super().__init__(token)
        self.chain = chain
        self.skipped = skipped


class SignatureVerified(_Proof):
    """The CertificateVerify signature over the transcript was valid (RFC 8446 section 4.4.3)."""

    __slots__ = ()


class FinishedVerified(_Proof):
    """The peer's Finished verify_data matched (RFC 8446 section 4.4.4)."""

    __slots__ = ()


def cert_verified(chain: VerifiedChain | None, *, skipped: bool) -> ServerCertVerified:
    """The proof for a chain that ``pki.verify`` accepted (or whose verification was dangerously skipped)."""
    return ServerCertVerified(_PROOF_TOKEN, chain, skipped)


def check_certificate_verify(
    cv: CertificateVerify,
    *,
    offered: Collection[SignatureScheme],
    public_key: PublicKey,
    transcript_hash: bytes,
    signer: Side,
    rsa_pss_key: bool,
    step: str,
) -> SignatureVerified:
    """RFC 8446 section 4.4.3: a scheme we offered (never rsa_pkcs1 in TLS 1.3), valid over the transcript."""
    if cv.algorithm not in offered or cv.algorithm not in signatures.TLS13_CERTIFICATE_VERIFY_SCHEMES:
        raise IllegalParameter(f"{signer} signed with {cv.algorithm}, which we did not offer for TLS 1.3", step=step)
    content = signatures.tls13_signed_content(transcript_hash, server=signer == "server")
    signatures.verify(cv.algorithm, public_key, content, cv.signature, rsa_pss_key=rsa_pss_key)
    return SignatureVerified(_PROOF_TOKEN)


def tls13_scheme_for(
    chain: CertificateChain, offered: Collection[SignatureScheme], allowed: Collection[SignatureScheme]
) -> SignatureScheme | None:
    """RFC 8446 sections 4.2.3, 4.4.3: the scheme our chain's key signs a CertificateVerify with, the key's own
    order first, among those the peer offered and we allow; None when there is none (the same choice for the
    server's certificate and the client's)."""
    rsa_pss_key = is_rsassa_pss_certificate(chain.leaf)
    for scheme in signatures.schemes_for_key(chain.private_key, tls13=True, rsa_pss_key=rsa_pss_key):
        if scheme in offered and scheme in allowed:
            return scheme
    return None


def check_signature12(
    *,
    scheme: SignatureScheme,
    offered: Collection[SignatureScheme],
    public_key: PublicKey,
    content: bytes,
    signature: bytes,
    signer: Side,
    rsa_pss_key: bool,
    step: str,
) -> SignatureVerified:
    """TLS 1.2 signatures (ServerKeyExchange, RFC 8422 section 5.4; CertificateVerify, RFC 5246 section 7.4.8):
    a scheme we offered in signature_algorithms (RFC 5246 section 7.4.1.4.1), valid over ``content``."""
    if scheme not in offered:
        raise IllegalParameter(f"{signer} signed with {scheme}, which we did not offer", step=step)
    signatures.verify(scheme, public_key, content, signature, rsa_pss_key=rsa_pss_key, tls12=True)
    return SignatureVerified(_PROOF_TOKEN)


def check_finished12(expected: bytes, finished: Finished, *, peer: Side, step: str) -> FinishedVerified:
    """RFC 5246 section 7.4.9: verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11],
    compared in constant time."""
    if not ks.constant_time_equal(expected, finished.verify_data):
        raise DecryptError(
            f"{peer} Finished does not match: the two sides derived different keys or saw different messages",
            step=step,
        )
    return FinishedVerified(_PROOF_TOKEN)


def check_finished(
    suite: Tls13CipherSuite, base_key: bytes, transcript_hash: bytes, finished: Finished, *, peer: Side, step: str
) -> FinishedVerified:
    """RFC 8446 section 4.4.4: verify_data = HMAC(finished_key, transcript hash), compared in constant time."""
    expected = ks.finished_verify_data(suite, base_key, transcript_hash)
    if not ks.constant_time_equal(expected, finished.verify_data):
        raise DecryptError(
            f"{peer} Finished does not match: the two sides derived different keys or saw different messages",
            step=step,
        )
    return FinishedVerified(_PROOF_TOKEN)


def parse_peer_chain(
    chain_der: Sequence[bytes], peer: Literal["client", "server"], step: str
) -> tuple[tuple[x509.Certificate, ...], PublicKey]:
    """RFC 5246 section 7.4.2, RFC 8446 section 4.4.2: the peer's certificates, leaf first; every one must parse
    (bad_certificate), and the leaf's key must be one we can use (unsupported_certificate).

    The loader raises ``ValueError``, but also ``x509.InvalidVersion`` (a version other than v1 or v3); some
    fields are parsed only when read (a bad subject raises then); reading a key of an unknown algorithm raises
    ``UnsupportedAlgorithm``: none may escape as internal_error.
    """
    from cryptography import x509  # for InvalidVersion; loaded with the first certificate (issue 17)

    chain = []
    for index, der in enumerate(chain_der):
        try:
            cert = load_der_certificate(der)
            # Read the fields the trace and the checks read, so that a malformed one fails here.
            cert.subject, cert.issuer, cert.not_valid_before_utc, cert.not_valid_after_utc  # noqa: B018
            chain.append(cert)
        except (ValueError, x509.InvalidVersion) as e:
            what = "certificate" if index == 0 else f"certificate #{index + 1} in the chain"
            raise BadCertificate(f"the {peer}'s {what} cannot be parsed: {e}", step=step, check="parse") from None
    try:
        key = public_key_of(chain[0])
    except UnsupportedCertificate as unusable:
        raise UnsupportedCertificate(unusable.reason, step=step, check="key type") from None
    return tuple(chain), key


def parse_stored_chain(chain_der: Sequence[bytes]) -> tuple[x509.Certificate, ...]:
    """A resumed session's stored peer chain (RFC 5246 section 7.3, RFC 8446 section 2.2), for Negotiated: the
    certificates that parse, each parsed once per DER (the chain was verified when the session was made)."""
    out = []
    for der in chain_der:
        try:
            out.append(load_der_certificate(der))
        except ValueError:
            continue
    return tuple(out)


# -- the state base --------------------------------------------------------------------------------------


class State:
    """A handshake state. Subclasses set ``expects`` and ``step`` and implement ``handle``."""

    #: The messages the state accepts: a class default, which a state whose answer depends on the suite or the
    #: side (TLS 1.2 CertificateStatus, the traffic states) sets per instance.
    expects: frozenset[HandshakeType] = frozenset()
    step: ClassVar[str] = "handshake"
    accepts_application_data: ClassVar[bool] = False
    #: TLS 1.2 (RFC 5246 section 7.1): a state that waits for the peer's change_cipher_spec record.
    accepts_ccs: ClassVar[bool] = False
    hash_len: int | None = None  # for decoding Finished
    #: The version whose message formats apply (Certificate, CertificateRequest, NewSessionTicket differ).
    wire_version: ClassVar[ProtocolVersion] = ProtocolVersion.TLS13
    #: TLS 1.2: "ECDHE" or "RSA", for decoding ServerKeyExchange / ClientKeyExchange.
    key_exchange: Literal["ECDHE", "RSA", "DHE"] | None = None

    def check_accepts(self, msg_type: int) -> None:
        """The one place where a message the state does not accept becomes unexpected_message."""
        if msg_type not in self.expects:
            expected = ", ".join(sorted(str(t) for t in self.expects)) or "no handshake message"
            raise UnexpectedMessage(
                f"received {HandshakeType(msg_type)} while waiting for {expected}",
                step=self.step,
            )

    def handle(self, msg: HandshakeMessage, raw: bytes, actions: Actions) -> State:
        raise NotImplementedError

    def handle_ccs(self, actions: Actions) -> State:
        """TLS 1.2: the peer's change_cipher_spec arrived (only called when ``accepts_ccs``)."""
        raise UnexpectedMessage("unexpected change_cipher_spec", step=self.step)

    def decode(self, msg_type: int, body: bytes) -> HandshakeMessage:
        """Decode a message this state accepts, in the format of its version (DESIGN rule 4)."""
        return decode_handshake(
            msg_type,
            body,
            version=self.wire_version,
            hash_len=self.hash_len,
            key_exchange=self.key_exchange,
        )

    @property
    def name(self) -> str:
        return type(self).__name__


class Closed(State):
    """After a fatal error or once the handshake can go no further: accepts nothing."""

    step = "closed connection"
