"""Lucky13 timing check, run by hand (not collected by pytest: no timed assertion belongs in the suite).

    .venv/bin/python tests/manual_lucky13.py [--samples 20000] [--size 1024] [--pad 255]

Opens MAC-then-encrypt CBC records (TLS_..._AES_128_CBC_SHA, HMAC-SHA1) that all carry a wrong MAC, in two
classes, interleaved in random order:

* ``valid``: well-formed padding of ``--pad`` bytes (every padding byte equal to the padding length);
* ``invalid``: the same record with one padding byte changed (its first one), so the padding check fails
  while the padding-length byte, the record length and everything else are the same; or, with
  ``--other-pad P``, a record of the same length with valid padding of length P (the original Lucky13
  distinction: the MAC covers less content when the padding is longer).

Both classes must fail with the same BadRecordMac; Lucky13 (AlFardan and Paterson, 2013) is the time
difference between them. It prints, per class, the median and trimmed mean of the time to open one record, the
AUC (probability that a random "invalid" sample is slower than a random "valid" one; 0.5 = indistinguishable)
and Welch's t on the trimmed samples. As a rule of thumb, AUC within 0.5 +- 0.02 and |t| < 4.5 over 20,000
samples per class show no difference measurable in process on a quiet machine.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import statistics
import sys
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from glasstls.crypto.tls12 import TLS12_SUITES
from glasstls.errors import BadRecordMac
from glasstls.record.protection12 import Tls12CbcProtection
from glasstls.wire.enums import CipherSuite

SUITE = TLS12_SUITES[CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA]
KEY = bytes(range(16))
MAC_KEY = bytes(range(100, 120))


def record_body(size: int, pad: int, *, valid: bool) -> bytes:
    """IV + AES-CBC(content + wrong MAC + padding): ``size`` encrypted bytes after the IV."""
    content = os.urandom(size - 20 - (pad + 1))
    padding = bytearray([pad] * (pad + 1))
    if not valid:
        padding[0] ^= 0x5A  # the first padding byte is wrong; the last (the padding length) is unchanged
    iv = os.urandom(16)
    encryptor = Cipher(algorithms.AES(KEY), modes.CBC(iv)).encryptor()
    return iv + encryptor.update(content + os.urandom(20) + bytes(padding)) + encryptor.finalize()


def auc(a: list[int], b: list[int]) -> float:
    """P(b > a) + P(b == a) / 2 (Mann-Whitney U / (n_a n_b)), by ranks."""
    both = sorted([(x, 0) for x in a] + [(x, 1) for x in b])
    ranks = [0.0] * len(both)
    i = 0
    while i < len(both):
        j = i
        while j + 1 < len(both) and both[j + 1][0] == both[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        i = j + 1
    rank_b = sum(r for r, (_, cls) in zip(ranks, both, strict=True) if cls == 1)
    return (rank_b - len(b) * (len(b) + 1) / 2) / (len(a) * len(b))


def trimmed(xs: list[int], fraction: float = 0.05) -> list[int]:
    s = sorted(xs)
    k = int(len(s) * fraction)
    return s[k : len(s) - k]


def welch_t(a: list[int], b: list[int]) -> float:
    ma, mb = statistics.fmean(a), statistics.fmean(b)
    va, vb = statistics.variance(a), statistics.variance(b)
    return (mb - ma) / math.sqrt(va / len(a) + vb / len(b))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=20000, help="samples per class (default 20000)")
    parser.add_argument("--size", type=int, default=1024, help="encrypted bytes per record after the IV")
    parser.add_argument("--pad", type=int, default=255, help="padding length byte (0..255)")
    parser.add_argument("--distinct", type=int, default=200, help="distinct records per class (cycled)")
    parser.add_argument("--other-pad", type=int, default=None, help="second class: valid padding of this length")
    args = parser.parse_args()
    other = args.pad if args.other_pad is None else args.other_pad
    longest = max(args.pad, other)
    if args.size % 16 or not 0 <= min(args.pad, other) <= longest <= 255 or args.size < longest + 21:
        print("manual_lucky13: --size must be whole blocks and hold the MAC and the padding", file=sys.stderr)
        return 2
    reader = Tls12CbcProtection(SUITE.cbc(KEY), SUITE.mac(MAC_KEY), encrypt_then_mac=False, random=os.urandom)
    records = {
        "valid": [record_body(args.size, args.pad, valid=True) for _ in range(args.distinct)],
        "invalid": [record_body(args.size, other, valid=args.other_pad is not None) for _ in range(args.distinct)],
    }
    order = ["valid"] * args.samples + ["invalid"] * args.samples
    random.shuffle(order)
    times: dict[str, list[int]] = {"valid": [], "invalid": []}
    header = b"\x17\x03\x03" + (16 + args.size).to_bytes(2, "big")
    clock = time.perf_counter_ns
    for warm in range(2000):  # warm-up, not recorded
        try:
            reader.open(23, 0x0303, records["valid" if warm % 2 else "invalid"][warm % args.distinct], header)
        except BadRecordMac:
            pass
    gc.disable()
    for i, cls in enumerate(order):
        payload = records[cls][i % args.distinct]
        start = clock()
        try:
            reader.open(23, 0x0303, payload, header)
        except BadRecordMac:
            pass
        else:
            raise AssertionError("a record with a wrong MAC was accepted")
        times[cls].append(clock() - start)
    gc.enable()
    valid, invalid = times["valid"], times["invalid"]
    tv, ti = trimmed(valid), trimmed(invalid)
    second = "invalid padding" if args.other_pad is None else f"valid padding {other}"
    print(f"records of {args.size} bytes, padding length {args.pad}, wrong MAC; {args.samples} samples per class")
    for name, xs, tx in (("valid padding", valid, tv), (second, invalid, ti)):
        print(f"  {name:16} median {statistics.median(xs):9.0f} ns   trimmed mean {statistics.fmean(tx):9.1f} ns")
    print(f"  difference ({second} - valid): trimmed means {statistics.fmean(ti) - statistics.fmean(tv):+.1f} ns")
    print(f"  AUC {auc(valid, invalid):.3f}   Welch t (trimmed 5 %) {welch_t(tv, ti):+.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
