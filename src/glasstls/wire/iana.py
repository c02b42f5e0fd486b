"""Names from the IANA TLS registries, for code points glasstls does not implement.

The open enums of :mod:`glasstls.wire.enums` name what glasstls supports. A value a peer sends that is not
among them still prints by its registered name when IANA has one (``TLS_DHE_RSA_WITH_AES_128_GCM_SHA256``,
``FFDHE6144``, ``ECDSA_SHA224``); a value in a reserved or private-use range prints as such; only an unassigned
value prints as ``UNKNOWN_0x....`` (and GREASE, RFC 8701, as ``GREASE_0x....``, decided in enums.py).

Sources. The tables follow the IANA registries (https://www.iana.org/assignments/tls-parameters: cipher
suites, supported groups, alerts, handshake types, content types, TLS 1.2 hash and signature algorithms;
https://www.iana.org/assignments/tls-extensiontype-values; the TLS SignatureScheme registry). The values a first
version wrote from memory were checked on 2026-12-08 against what registered them, found through the stored copies
of public material (no live registry was reachable from here):

* extension types 52-62 (transparency_info .. tls_flags), 0xFD00 and 0xFE0D: IANA's ExtensionType table as
  mirrored value by value in public TLS parsers, and the registering documents (RFC 9162, 9146, 8844, 9001,
  9149, 9102, draft-pismenny-tls-dtls-plaintext-sequence-number, draft-ietf-tls-dtls-rrc,
  draft-ietf-tls-tlsflags; the ECH draft's "Update of the TLS ExtensionType Registry" for
  encrypted_client_hello(0xfe0d) and ech_outer_extensions(0xfd00)). IANA spells 53 "connection_id
  (deprecated)"; it prints as CONNECTION_ID_DEPRECATED (a name is one word);
* alerts: too_many_cids_requested(52) (RFC 9147; the Linux kernel's include/net/tls_prot.h, copied from the
  registry), general_error(117) (draft-ietf-tls-rfc8446bis, published as RFC 9846: "add a general_error
  generic alert"), ech_required(121) (the ECH draft's "Update of the TLS Alert Registry");
* handshake types 9, 10 (RFC 9147), 17 (RFC 9261), 25 (RFC 8879), 26 (RFC 8870): the registry as mirrored in
  several public TLS parsers, which agree;
* cipher suites 0x1306 TLS_AEGIS_256_SHA512 and 0x1307 TLS_AEGIS_128L_SHA256: draft-denis-tls-aegis (SHA512 for
  the 256-bit key variants) and the registry as quoted by the AEGIS authors; an early Fizz release spelled 0x1306
  ..._SHA384, which the registry does not.

RFC 8446 section 11 populated the alert and handshake-type registries with the names of its appendix B, where
values retired by TLS 1.3 carry a ``_RESERVED`` suffix (``no_certificate_RESERVED``); every such value is a member
of glasstls's enums (TLS 1.2 still uses most of them), so the tables here keep the plain names and never decide
those. A value none of these sources confirmed is left out, so that it prints as ``UNKNOWN_0x....``: a wrong name
is worse than none. Cipher suite names keep IANA's spelling (``TLS_DH_anon_...``); the other registries' names
are upper-cased, as glasstls prints its own enum members (``x25519`` -> ``X25519``).

ProtocolVersion has no IANA registry: its members are SSL 3.0 to TLS 1.3 (``SSL30``, ``TLS10`` .. ``TLS13``); the
DTLS versions print in the same scheme (``DTLS10`` = 0xFEFF, RFC 4347; ``DTLS12`` = 0xFEFD, RFC 6347; ``DTLS13``
= 0xFEFC, RFC 9147), since a peer may send one where a TLS version belongs.

The tables are parsed on first use: most connections never print an unsupported code point.
"""

from __future__ import annotations

import functools

__all__ = ["registered_name"]

#: tls-parameters-4: every assigned cipher suite, "value name" per line.
_CIPHER_SUITES = """
0000 TLS_NULL_WITH_NULL_NULL
0001 TLS_RSA_WITH_NULL_MD5
0002 TLS_RSA_WITH_NULL_SHA
0003 TLS_RSA_EXPORT_WITH_RC4_40_MD5
0004 TLS_RSA_WITH_RC4_128_MD5
0005 TLS_RSA_WITH_RC4_128_SHA
0006 TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5
0007 TLS_RSA_WITH_IDEA_CBC_SHA
0008 TLS_RSA_EXPORT_WITH_DES40_CBC_SHA
0009 TLS_RSA_WITH_DES_CBC_SHA
000A TLS_RSA_WITH_3DES_EDE_CBC_SHA
000B TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA
000C TLS_DH_DSS_WITH_DES_CBC_SHA
000D TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA
000E TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA
000F TLS_DH_RSA_WITH_DES_CBC_SHA
0010 TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA
0011 TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA
0012 TLS_DHE_DSS_WITH_DES_CBC_SHA
0013 TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA
0014 TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA
0015 TLS_DHE_RSA_WITH_DES_CBC_SHA
0016 TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA
0017 TLS_DH_anon_EXPORT_WITH_RC4_40_MD5
0018 TLS_DH_anon_WITH_RC4_128_MD5
0019 TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA
001A TLS_DH_anon_WITH_DES_CBC_SHA
001B TLS_DH_anon_WITH_3DES_EDE_CBC_SHA
001E TLS_KRB5_WITH_DES_CBC_SHA
001F TLS_KRB5_WITH_3DES_EDE_CBC_SHA
0020 TLS_KRB5_WITH_RC4_128_SHA
0021 TLS_KRB5_WITH_IDEA_CBC_SHA
0022 TLS_KRB5_WITH_DES_CBC_MD5
0023 TLS_KRB5_WITH_3DES_EDE_CBC_MD5
0024 TLS_KRB5_WITH_RC4_128_MD5
0025 TLS_KRB5_WITH_IDEA_CBC_MD5
0026 TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA
0027 TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA
0028 TLS_KRB5_EXPORT_WITH_RC4_40_SHA
0029 TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5
002A TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5
002B TLS_KRB5_EXPORT_WITH_RC4_40_MD5
002C TLS_PSK_WITH_NULL_SHA
002D TLS_DHE_PSK_WITH_NULL_SHA
002E TLS_RSA_PSK_WITH_NULL_SHA
002F TLS_RSA_WITH_AES_128_CBC_SHA
0030 TLS_DH_DSS_WITH_AES_128_CBC_SHA
0031 TLS_DH_RSA_WITH_AES_128_CBC_SHA
0032 TLS_DHE_DSS_WITH_AES_128_CBC_SHA
0033 TLS_DHE_RSA_WITH_AES_128_CBC_SHA
0034 TLS_DH_anon_WITH_AES_128_CBC_SHA
0035 TLS_RSA_WITH_AES_256_CBC_SHA
0036 TLS_DH_DSS_WITH_AES_256_CBC_SHA
0037 TLS_DH_RSA_WITH_AES_256_CBC_SHA
0038 TLS_DHE_DSS_WITH_AES_256_CBC_SHA
0039 TLS_DHE_RSA_WITH_AES_256_CBC_SHA
003A TLS_DH_anon_WITH_AES_256_CBC_SHA
003B TLS_RSA_WITH_NULL_SHA256
003C TLS_RSA_WITH_AES_128_CBC_SHA256
003D TLS_RSA_WITH_AES_256_CBC_SHA256
003E TLS_DH_DSS_WITH_AES_128_CBC_SHA256
003F TLS_DH_RSA_WITH_AES_128_CBC_SHA256
0040 TLS_DHE_DSS_WITH_AES_128_CBC_SHA256
0041 TLS_RSA_WITH_CAMELLIA_128_CBC_SHA
0042 TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA
0043 TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA
0044 TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA
0045 TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA
0046 TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA
0067 TLS_DHE_RSA_WITH_AES_128_CBC_SHA256
0068 TLS_DH_DSS_WITH_AES_256_CBC_SHA256
0069 TLS_DH_RSA_WITH_AES_256_CBC_SHA256
006A TLS_DHE_DSS_WITH_AES_256_CBC_SHA256
006B TLS_DHE_RSA_WITH_AES_256_CBC_SHA256
006C TLS_DH_anon_WITH_AES_128_CBC_SHA256
006D TLS_DH_anon_WITH_AES_256_CBC_SHA256
0084 TLS_RSA_WITH_CAMELLIA_256_CBC_SHA
0085 TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA
0086 TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA
0087 TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA
0088 TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA
0089 TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA
008A TLS_PSK_WITH_RC4_128_SHA
008B TLS_PSK_WITH_3DES_EDE_CBC_SHA
008C TLS_PSK_WITH_AES_128_CBC_SHA
008D TLS_PSK_WITH_AES_256_CBC_SHA
008E TLS_DHE_PSK_WITH_RC4_128_SHA
008F TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA
0090 TLS_DHE_PSK_WITH_AES_128_CBC_SHA
0091 TLS_DHE_PSK_WITH_AES_256_CBC_SHA
0092 TLS_RSA_PSK_WITH_RC4_128_SHA
0093 TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA
0094 TLS_RSA_PSK_WITH_AES_128_CBC_SHA
0095 TLS_RSA_PSK_WITH_AES_256_CBC_SHA
0096 TLS_RSA_WITH_SEED_CBC_SHA
0097 TLS_DH_DSS_WITH_SEED_CBC_SHA
0098 TLS_DH_RSA_WITH_SEED_CBC_SHA
0099 TLS_DHE_DSS_WITH_SEED_CBC_SHA
009A TLS_DHE_RSA_WITH_SEED_CBC_SHA
009B TLS_DH_anon_WITH_SEED_CBC_SHA
009C TLS_RSA_WITH_AES_128_GCM_SHA256
009D TLS_RSA_WITH_AES_256_GCM_SHA384
009E TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
009F TLS_DHE_RSA_WITH_AES_256_GCM_SHA384
00A0 TLS_DH_RSA_WITH_AES_128_GCM_SHA256
00A1 TLS_DH_RSA_WITH_AES_256_GCM_SHA384
00A2 TLS_DHE_DSS_WITH_AES_128_GCM_SHA256
00A3 TLS_DHE_DSS_WITH_AES_256_GCM_SHA384
00A4 TLS_DH_DSS_WITH_AES_128_GCM_SHA256
00A5 TLS_DH_DSS_WITH_AES_256_GCM_SHA384
00A6 TLS_DH_anon_WITH_AES_128_GCM_SHA256
00A7 TLS_DH_anon_WITH_AES_256_GCM_SHA384
00A8 TLS_PSK_WITH_AES_128_GCM_SHA256
00A9 TLS_PSK_WITH_AES_256_GCM_SHA384
00AA TLS_DHE_PSK_WITH_AES_128_GCM_SHA256
00AB TLS_DHE_PSK_WITH_AES_256_GCM_SHA384
00AC TLS_RSA_PSK_WITH_AES_128_GCM_SHA256
00AD TLS_RSA_PSK_WITH_AES_256_GCM_SHA384
00AE TLS_PSK_WITH_AES_128_CBC_SHA256
00AF TLS_PSK_WITH_AES_256_CBC_SHA384
00B0 TLS_PSK_WITH_NULL_SHA256
00B1 TLS_PSK_WITH_NULL_SHA384
00B2 TLS_DHE_PSK_WITH_AES_128_CBC_SHA256
00B3 TLS_DHE_PSK_WITH_AES_256_CBC_SHA384
00B4 TLS_DHE_PSK_WITH_NULL_SHA256
00B5 TLS_DHE_PSK_WITH_NULL_SHA384
00B6 TLS_RSA_PSK_WITH_AES_128_CBC_SHA256
00B7 TLS_RSA_PSK_WITH_AES_256_CBC_SHA384
00B8 TLS_RSA_PSK_WITH_NULL_SHA256
00B9 TLS_RSA_PSK_WITH_NULL_SHA384
00BA TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256
00BB TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256
00BC TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256
00BD TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256
00BE TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256
00BF TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256
00C0 TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256
00C1 TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256
00C2 TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256
00C3 TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256
00C4 TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256
00C5 TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256
00C6 TLS_SM4_GCM_SM3
00C7 TLS_SM4_CCM_SM3
00FF TLS_EMPTY_RENEGOTIATION_INFO_SCSV
1301 TLS_AES_128_GCM_SHA256
1302 TLS_AES_256_GCM_SHA384
1303 TLS_CHACHA20_POLY1305_SHA256
1304 TLS_AES_128_CCM_SHA256
1305 TLS_AES_128_CCM_8_SHA256
1306 TLS_AEGIS_256_SHA512
1307 TLS_AEGIS_128L_SHA256
5600 TLS_FALLBACK_SCSV
C001 TLS_ECDH_ECDSA_WITH_NULL_SHA
C002 TLS_ECDH_ECDSA_WITH_RC4_128_SHA
C003 TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA
C004 TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA
C005 TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA
C006 TLS_ECDHE_ECDSA_WITH_NULL_SHA
C007 TLS_ECDHE_ECDSA_WITH_RC4_128_SHA
C008 TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA
C009 TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA
C00A TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA
C00B TLS_ECDH_RSA_WITH_NULL_SHA
C00C TLS_ECDH_RSA_WITH_RC4_128_SHA
C00D TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA
C00E TLS_ECDH_RSA_WITH_AES_128_CBC_SHA
C00F TLS_ECDH_RSA_WITH_AES_256_CBC_SHA
C010 TLS_ECDHE_RSA_WITH_NULL_SHA
C011 TLS_ECDHE_RSA_WITH_RC4_128_SHA
C012 TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA
C013 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
C014 TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA
C015 TLS_ECDH_anon_WITH_NULL_SHA
C016 TLS_ECDH_anon_WITH_RC4_128_SHA
C017 TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA
C018 TLS_ECDH_anon_WITH_AES_128_CBC_SHA
C019 TLS_ECDH_anon_WITH_AES_256_CBC_SHA
C01A TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA
C01B TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA
C01C TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA
C01D TLS_SRP_SHA_WITH_AES_128_CBC_SHA
C01E TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA
C01F TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA
C020 TLS_SRP_SHA_WITH_AES_256_CBC_SHA
C021 TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA
C022 TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA
C023 TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256
C024 TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384
C025 TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256
C026 TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384
C027 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256
C028 TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384
C029 TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256
C02A TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384
C02B TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
C02C TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
C02D TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256
C02E TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384
C02F TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
C030 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
C031 TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256
C032 TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384
C033 TLS_ECDHE_PSK_WITH_RC4_128_SHA
C034 TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA
C035 TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA
C036 TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA
C037 TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256
C038 TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384
C039 TLS_ECDHE_PSK_WITH_NULL_SHA
C03A TLS_ECDHE_PSK_WITH_NULL_SHA256
C03B TLS_ECDHE_PSK_WITH_NULL_SHA384
C03C TLS_RSA_WITH_ARIA_128_CBC_SHA256
C03D TLS_RSA_WITH_ARIA_256_CBC_SHA384
C03E TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256
C03F TLS_DH_DSS_WITH_ARIA_256_CBC_SHA384
C040 TLS_DH_RSA_WITH_ARIA_128_CBC_SHA256
C041 TLS_DH_RSA_WITH_ARIA_256_CBC_SHA384
C042 TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256
C043 TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384
C044 TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256
C045 TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384
C046 TLS_DH_anon_WITH_ARIA_128_CBC_SHA256
C047 TLS_DH_anon_WITH_ARIA_256_CBC_SHA384
C048 TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256
C049 TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384
C04A TLS_ECDH_ECDSA_WITH_ARIA_128_CBC_SHA256
C04B TLS_ECDH_ECDSA_WITH_ARIA_256_CBC_SHA384
C04C TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256
C04D TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384
C04E TLS_ECDH_RSA_WITH_ARIA_128_CBC_SHA256
C04F TLS_ECDH_RSA_WITH_ARIA_256_CBC_SHA384
C050 TLS_RSA_WITH_ARIA_128_GCM_SHA256
C051 TLS_RSA_WITH_ARIA_256_GCM_SHA384
C052 TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256
C053 TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384
C054 TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256
C055 TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384
C056 TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256
C057 TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384
C058 TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256
C059 TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384
C05A TLS_DH_anon_WITH_ARIA_128_GCM_SHA256
C05B TLS_DH_anon_WITH_ARIA_256_GCM_SHA384
C05C TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256
C05D TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384
C05E TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256
C05F TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384
C060 TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256
C061 TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384
C062 TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256
C063 TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384
C064 TLS_PSK_WITH_ARIA_128_CBC_SHA256
C065 TLS_PSK_WITH_ARIA_256_CBC_SHA384
C066 TLS_DHE_PSK_WITH_ARIA_128_CBC_SHA256
C067 TLS_DHE_PSK_WITH_ARIA_256_CBC_SHA384
C068 TLS_RSA_PSK_WITH_ARIA_128_CBC_SHA256
C069 TLS_RSA_PSK_WITH_ARIA_256_CBC_SHA384
C06A TLS_PSK_WITH_ARIA_128_GCM_SHA256
C06B TLS_PSK_WITH_ARIA_256_GCM_SHA384
C06C TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256
C06D TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384
C06E TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256
C06F TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384
C070 TLS_ECDHE_PSK_WITH_ARIA_128_CBC_SHA256
C071 TLS_ECDHE_PSK_WITH_ARIA_256_CBC_SHA384
C072 TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256
C073 TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384
C074 TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256
C075 TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384
C076 TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256
C077 TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384
C078 TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256
C079 TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384
C07A TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256
C07B TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384
C07C TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256
C07D TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384
C07E TLS_DH_RSA_WITH_CAMELLIA_128_GCM_SHA256
C07F TLS_DH_RSA_WITH_CAMELLIA_256_GCM_SHA384
C080 TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256
C081 TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384
C082 TLS_DH_DSS_WITH_CAMELLIA_128_GCM_SHA256
C083 TLS_DH_DSS_WITH_CAMELLIA_256_GCM_SHA384
C084 TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256
C085 TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384
C086 TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256
C087 TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384
C088 TLS_ECDH_ECDSA_WITH_CAMELLIA_128_GCM_SHA256
C089 TLS_ECDH_ECDSA_WITH_CAMELLIA_256_GCM_SHA384
C08A TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256
C08B TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384
C08C TLS_ECDH_RSA_WITH_CAMELLIA_128_GCM_SHA256
C08D TLS_ECDH_RSA_WITH_CAMELLIA_256_GCM_SHA384
C08E TLS_PSK_WITH_CAMELLIA_128_GCM_SHA256
C08F TLS_PSK_WITH_CAMELLIA_256_GCM_SHA384
C090 TLS_DHE_PSK_WITH_CAMELLIA_128_GCM_SHA256
C091 TLS_DHE_PSK_WITH_CAMELLIA_256_GCM_SHA384
C092 TLS_RSA_PSK_WITH_CAMELLIA_128_GCM_SHA256
C093 TLS_RSA_PSK_WITH_CAMELLIA_256_GCM_SHA384
C094 TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256
C095 TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384
C096 TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256
C097 TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384
C098 TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256
C099 TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384
C09A TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256
C09B TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384
C09C TLS_RSA_WITH_AES_128_CCM
C09D TLS_RSA_WITH_AES_256_CCM
C09E TLS_DHE_RSA_WITH_AES_128_CCM
C09F TLS_DHE_RSA_WITH_AES_256_CCM
C0A0 TLS_RSA_WITH_AES_128_CCM_8
C0A1 TLS_RSA_WITH_AES_256_CCM_8
C0A2 TLS_DHE_RSA_WITH_AES_128_CCM_8
C0A3 TLS_DHE_RSA_WITH_AES_256_CCM_8
C0A4 TLS_PSK_WITH_AES_128_CCM
C0A5 TLS_PSK_WITH_AES_256_CCM
C0A6 TLS_DHE_PSK_WITH_AES_128_CCM
C0A7 TLS_DHE_PSK_WITH_AES_256_CCM
C0A8 TLS_PSK_WITH_AES_128_CCM_8
C0A9 TLS_PSK_WITH_AES_256_CCM_8
C0AA TLS_PSK_DHE_WITH_AES_128_CCM_8
C0AB TLS_PSK_DHE_WITH_AES_256_CCM_8
C0AC TLS_ECDHE_ECDSA_WITH_AES_128_CCM
C0AD TLS_ECDHE_ECDSA_WITH_AES_256_CCM
C0AE TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8
C0AF TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8
C0B0 TLS_ECCPWD_WITH_AES_128_GCM_SHA256
C0B1 TLS_ECCPWD_WITH_AES_256_GCM_SHA384
C0B2 TLS_ECCPWD_WITH_AES_128_CCM_SHA256
C0B3 TLS_ECCPWD_WITH_AES_256_CCM_SHA384
C0B4 TLS_SHA256_SHA256
C0B5 TLS_SHA384_SHA384
C100 TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC
C101 TLS_GOSTR341112_256_WITH_MAGMA_CTR_OMAC
C102 TLS_GOSTR341112_256_WITH_28147_CNT_IMIT
C103 TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L
C104 TLS_GOSTR341112_256_WITH_MAGMA_MGM_L
C105 TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_S
C106 TLS_GOSTR341112_256_WITH_MAGMA_MGM_S
CCA8 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
CCA9 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
CCAA TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256
CCAB TLS_PSK_WITH_CHACHA20_POLY1305_SHA256
CCAC TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256
CCAD TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256
CCAE TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256
D001 TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256
D002 TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384
D003 TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256
D005 TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256
"""

#: (first, last, label) ranges of the cipher suite registry that are reserved rather than unassigned.
_CIPHER_SUITE_RANGES = (
    (0x001C, 0x001D, "RESERVED"),  # RFC 5246: to avoid conflicts with SSLv3
    (0x0047, 0x005C, "RESERVED"),  # to avoid conflicts with deployed implementations
    (0x0060, 0x0066, "RESERVED"),
    (0xFEFE, 0xFEFF, "RESERVED"),
    (0xFF00, 0xFFFF, "PRIVATE_USE"),  # RFC 8446 B.4
)

#: tls-parameters-8: TLS Supported Groups.
_GROUPS: dict[int, str] = {
    1: "sect163k1",
    2: "sect163r1",
    3: "sect163r2",
    4: "sect193r1",
    5: "sect193r2",
    6: "sect233k1",
    7: "sect233r1",
    8: "sect239k1",
    9: "sect283k1",
    10: "sect283r1",
    11: "sect409k1",
    12: "sect409r1",
    13: "sect571k1",
    14: "sect571r1",
    15: "secp160k1",
    16: "secp160r1",
    17: "secp160r2",
    18: "secp192k1",
    19: "secp192r1",
    20: "secp224k1",
    21: "secp224r1",
    22: "secp256k1",
    23: "secp256r1",
    24: "secp384r1",
    25: "secp521r1",
    26: "brainpoolP256r1",
    27: "brainpoolP384r1",
    28: "brainpoolP512r1",
    29: "x25519",
    30: "x448",
    31: "brainpoolP256r1tls13",
    32: "brainpoolP384r1tls13",
    33: "brainpoolP512r1tls13",
    34: "GC256A",
    35: "GC256B",
    36: "GC256C",
    37: "GC256D",
    38: "GC512A",
    39: "GC512B",
    40: "GC512C",
    41: "curveSM2",
    256: "ffdhe2048",
    257: "ffdhe3072",
    258: "ffdhe4096",
    259: "ffdhe6144",
    260: "ffdhe8192",
    512: "MLKEM512",
    513: "MLKEM768",
    514: "MLKEM1024",
    4587: "SecP256r1MLKEM768",
    4588: "X25519MLKEM768",
    4589: "SecP384r1MLKEM1024",
    25497: "X25519Kyber768Draft00",  # obsolete (pre-standard)
    25498: "SecP256r1Kyber768Draft00",  # obsolete (pre-standard)
    65281: "arbitrary_explicit_prime_curves",
    65282: "arbitrary_explicit_char2_curves",
}
_GROUP_RANGES = (
    (0x0000, 0x0000, "RESERVED"),
    (0x01FC, 0x01FF, "PRIVATE_USE"),  # RFC 7919 (FFDHE)
    (0xFE00, 0xFEFF, "PRIVATE_USE"),  # RFC 8422
)

#: The TLS SignatureScheme registry (RFC 8446 section 4.2.3 and later).
_SIGNATURE_SCHEMES: dict[int, str] = {
    0x0201: "rsa_pkcs1_sha1",
    0x0203: "ecdsa_sha1",
    0x0401: "rsa_pkcs1_sha256",
    0x0403: "ecdsa_secp256r1_sha256",
    0x0420: "rsa_pkcs1_sha256_legacy",
    0x0501: "rsa_pkcs1_sha384",
    0x0503: "ecdsa_secp384r1_sha384",
    0x0520: "rsa_pkcs1_sha384_legacy",
    0x0601: "rsa_pkcs1_sha512",
    0x0603: "ecdsa_secp521r1_sha512",
    0x0620: "rsa_pkcs1_sha512_legacy",
    0x0704: "eccsi_sha256",
    0x0705: "iso_ibs1",
    0x0706: "iso_ibs2",
    0x0707: "iso_chinese_ibs",
    0x0708: "sm2sig_sm3",
    0x0709: "gostr34102012_256a",
    0x070A: "gostr34102012_256b",
    0x070B: "gostr34102012_256c",
    0x070C: "gostr34102012_256d",
    0x070D: "gostr34102012_512a",
    0x070E: "gostr34102012_512b",
    0x070F: "gostr34102012_512c",
    0x0804: "rsa_pss_rsae_sha256",
    0x0805: "rsa_pss_rsae_sha384",
    0x0806: "rsa_pss_rsae_sha512",
    0x0807: "ed25519",
    0x0808: "ed448",
    0x0809: "rsa_pss_pss_sha256",
    0x080A: "rsa_pss_pss_sha384",
    0x080B: "rsa_pss_pss_sha512",
    0x081A: "ecdsa_brainpoolP256r1tls13_sha256",
    0x081B: "ecdsa_brainpoolP384r1tls13_sha384",
    0x081C: "ecdsa_brainpoolP512r1tls13_sha512",
    0x0904: "mldsa44",
    0x0905: "mldsa65",
    0x0906: "mldsa87",
}
#: TLS 1.2's SignatureAndHashAlgorithm pairs (RFC 5246 section 7.4.1.4.1; tls-parameters-18 and -16), which
#: the SignatureScheme registry keeps "reserved for backward compatibility": hash byte, then signature byte.
_TLS12_HASHES = {1: "md5", 2: "sha1", 3: "sha224", 4: "sha256", 5: "sha384", 6: "sha512"}
_TLS12_SIGNATURES = {1: "rsa_pkcs1", 2: "dsa", 3: "ecdsa"}

#: tls-extensiontype-values-1: TLS ExtensionType Values.
_EXTENSIONS: dict[int, str] = {
    0: "server_name",
    1: "max_fragment_length",
    2: "client_certificate_url",
    3: "trusted_ca_keys",
    4: "truncated_hmac",
    5: "status_request",
    6: "user_mapping",
    7: "client_authz",
    8: "server_authz",
    9: "cert_type",
    10: "supported_groups",
    11: "ec_point_formats",
    12: "srp",
    13: "signature_algorithms",
    14: "use_srtp",
    15: "heartbeat",
    16: "application_layer_protocol_negotiation",
    17: "status_request_v2",
    18: "signed_certificate_timestamp",
    19: "client_certificate_type",
    20: "server_certificate_type",
    21: "padding",
    22: "encrypt_then_mac",
    23: "extended_master_secret",
    24: "token_binding",
    25: "cached_info",
    26: "tls_lts",
    27: "compress_certificate",
    28: "record_size_limit",
    29: "pwd_protect",
    30: "pwd_clear",
    31: "password_salt",
    32: "ticket_pinning",
    33: "tls_cert_with_extern_psk",
    34: "delegated_credential",
    35: "session_ticket",
    36: "TLMSP",
    37: "TLMSP_proxying",
    38: "TLMSP_delegate",
    39: "supported_ekt_ciphers",
    41: "pre_shared_key",
    42: "early_data",
    43: "supported_versions",
    44: "cookie",
    45: "psk_key_exchange_modes",
    47: "certificate_authorities",
    48: "oid_filters",
    49: "post_handshake_auth",
    50: "signature_algorithms_cert",
    51: "key_share",
    52: "transparency_info",
    53: "connection_id_deprecated",
    54: "connection_id",
    55: "external_id_hash",
    56: "external_session_id",
    57: "quic_transport_parameters",
    58: "ticket_request",
    59: "dnssec_chain",
    60: "sequence_number_encryption_algorithms",
    61: "rrc",
    62: "tls_flags",  # draft-ietf-tls-tlsflags
    0xFD00: "ech_outer_extensions",
    0xFE0D: "encrypted_client_hello",
    0xFF01: "renegotiation_info",
}
_EXTENSION_RANGES = (
    (40, 40, "RESERVED"),  # used by drafts of key_share (RFC 8446 section 11)
    (46, 46, "RESERVED"),  # used by drafts of early_data
    (0xFF00, 0xFFFF, "PRIVATE_USE"),  # RFC 8446 section 11
)

#: tls-parameters-6: TLS Alerts.
_ALERTS: dict[int, str] = {
    0: "close_notify",
    10: "unexpected_message",
    20: "bad_record_mac",
    21: "decryption_failed",
    22: "record_overflow",
    30: "decompression_failure",
    40: "handshake_failure",
    41: "no_certificate",
    42: "bad_certificate",
    43: "unsupported_certificate",
    44: "certificate_revoked",
    45: "certificate_expired",
    46: "certificate_unknown",
    47: "illegal_parameter",
    48: "unknown_ca",
    49: "access_denied",
    50: "decode_error",
    51: "decrypt_error",
    52: "too_many_cids_requested",
    60: "export_restriction",
    70: "protocol_version",
    71: "insufficient_security",
    80: "internal_error",
    86: "inappropriate_fallback",
    90: "user_canceled",
    100: "no_renegotiation",
    109: "missing_extension",
    110: "unsupported_extension",
    111: "certificate_unobtainable",
    112: "unrecognized_name",
    113: "bad_certificate_status_response",
    114: "bad_certificate_hash_value",
    115: "unknown_psk_identity",
    116: "certificate_required",
    117: "general_error",
    120: "no_application_protocol",
    121: "ech_required",
}

#: tls-parameters-7: TLS HandshakeType.
_HANDSHAKE_TYPES: dict[int, str] = {
    0: "hello_request",
    1: "client_hello",
    2: "server_hello",
    3: "hello_verify_request",
    4: "new_session_ticket",
    5: "end_of_early_data",
    6: "hello_retry_request",
    8: "encrypted_extensions",
    9: "request_connection_id",
    10: "new_connection_id",
    11: "certificate",
    12: "server_key_exchange",
    13: "certificate_request",
    14: "server_hello_done",
    15: "certificate_verify",
    16: "client_key_exchange",
    17: "client_certificate_request",
    20: "finished",
    21: "certificate_url",
    22: "certificate_status",
    23: "supplemental_data",
    24: "key_update",
    25: "compressed_certificate",
    26: "ekt_key",
    254: "message_hash",
}

#: Versions that are not ProtocolVersion members: DTLS (RFC 4347, 6347 and 9147 give {254, 255}, {254, 253} and
#: {254, 252}: the one's complement of 1.0, 1.2 and 1.3).
_VERSIONS: dict[int, str] = {0xFEFF: "DTLS10", 0xFEFD: "DTLS12", 0xFEFC: "DTLS13"}

#: tls-parameters-5: TLS ContentType (glasstls implements 20-24).
_CONTENT_TYPES: dict[int, str] = {25: "tls12_cid", 26: "ack"}

_Ranges = tuple[tuple[int, int, str], ...]
_TABLES: dict[str, tuple[dict[int, str], _Ranges]] = {
    "NamedGroup": (_GROUPS, _GROUP_RANGES),
    "SignatureScheme": (_SIGNATURE_SCHEMES, ((0xFE00, 0xFFFF, "PRIVATE_USE"),)),  # RFC 8446 section 4.2.3
    "ExtensionType": (_EXTENSIONS, _EXTENSION_RANGES),
    "AlertDescription": (_ALERTS, ()),
    "HandshakeType": (_HANDSHAKE_TYPES, ()),
    "ContentType": (_CONTENT_TYPES, ()),
    "ProtocolVersion": (_VERSIONS, ()),
}


@functools.cache
def _cipher_suites() -> dict[int, str]:
    table: dict[int, str] = {}
    for line in _CIPHER_SUITES.split("\n"):
        if line:
            value, name = line.split()
            table[int(value, 16)] = name
    return table


def _in_ranges(value: int, ranges: _Ranges, digits: int) -> str | None:
    for first, last, label in ranges:
        if first <= value <= last:
            return f"{label}_0x{value:0{digits}x}"
    return None


def _tls12_signature_pair(value: int) -> str | None:
    """A TLS 1.2 hash/signature pair (RFC 5246 section 7.4.1.4.1), e.g. 0x0303 -> ecdsa_sha224."""
    hash_name = _TLS12_HASHES.get(value >> 8)
    signature = _TLS12_SIGNATURES.get(value & 0xFF)
    if hash_name is None or signature is None:
        return None
    return f"{signature}_{hash_name}"


def registered_name(registry: str, value: int, digits: int = 4) -> str | None:
    """The printable name of ``value`` in the IANA registry behind the enum class named ``registry``, for a
    value the enum has no member for: its registered name, ``RESERVED_0x....`` or ``PRIVATE_USE_0x....`` for
    a value in such a range, or None for an unassigned value (or a registry not kept here)."""
    if registry == "CipherSuite":
        name = _cipher_suites().get(value)
        return name if name is not None else _in_ranges(value, _CIPHER_SUITE_RANGES, digits)
    entry = _TABLES.get(registry)
    if entry is None:
        return None
    table, ranges = entry
    name = table.get(value)
    if name is None and registry == "SignatureScheme":
        name = _tls12_signature_pair(value)
    if name is not None:
        return name.upper()
    return _in_ranges(value, ranges, digits)
