"""The table printed by ``make bench``."""

from __future__ import annotations

from typing import Any

# -- output ----------------------------------------------------------------------------------------------


def _fmt(stat: dict[str, Any] | None, unit: str) -> str:
    if stat is None:
        return "n/a"
    median = stat["median"]
    spread = (stat["p75"] - stat["p25"]) / 2 / median * 100 if median else 0.0
    digits = 3 if unit == "ms" else (1 if unit == "KiB" else 0)
    return f"{median:.{digits}f} ±{spread:.0f}%"


def _fmt_ratio(r: float | None) -> str:
    return "n/a" if r is None else f"{r:.2f}x"


def _fmt_errors(errors: dict[str, Any] | None) -> str:
    if errors is None:
        return ""
    failed = [f"{name} {e['errors']}/{e['runs']}" for name, e in errors.items() if e["errors"]]
    return ", ".join(failed) if failed else "0"


def render(result: dict[str, Any]) -> str:
    compiled = any("compiled" in row for row in result["rows"])
    header: tuple[str, ...] = ("metric", "glasstls", "ssl", "floor", "glasstls/ssl", "glasstls/floor")
    if compiled:
        header = ("metric", "pure", "compiled", "ssl", "floor", "pure/ssl", "compiled/ssl", "pure/floor")
    header = (*header, "target (pure)", "errors")
    lines = []
    table = []
    for row in result["rows"]:
        unit = row["unit"]
        target = ""
        if row["target"]:
            target = f"{row['target']}: {row['verdict'] or 'n/a'}"
        metric = f"{row['metric']} ({unit}, {'higher' if row['higher_is_better'] else 'lower'} is better)"
        cells: tuple[str, ...]
        if compiled:
            cells = (
                _fmt(row["glasstls"], unit),
                _fmt(row.get("compiled"), unit),
                _fmt(row["ssl"], unit),
                _fmt(row["floor"], unit),
                _fmt_ratio(row["ratio_glasstls_ssl"]),
                _fmt_ratio(row.get("ratio_compiled_ssl")),
                _fmt_ratio(row["ratio_glasstls_floor"]),
            )
        else:
            cells = (
                _fmt(row["glasstls"], unit),
                _fmt(row["ssl"], unit),
                _fmt(row["floor"], unit),
                _fmt_ratio(row["ratio_glasstls_ssl"]),
                _fmt_ratio(row["ratio_glasstls_floor"]),
            )
        table.append((metric, *cells, target, _fmt_errors(row.get("errors"))))
    widths = [max(len(r[i]) for r in [header, *table]) for i in range(len(header))]
    for r in [header, tuple("-" * w for w in widths), *table]:
        lines.append(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths, strict=True))
            ).rstrip()
        )
    meta = result["meta"]
    lines.append("")
    lines.append(
        f"median ±half-IQR over interleaved rounds; Python {meta['python']}, {meta['openssl_ssl']} (ssl), "
        f"cryptography {meta['cryptography']}, {meta['cpus']} CPUs"
    )
    lines.append(
        (
            "compiled: the mypyc build (make compiled) in a child process, its ratios taken within its own run; "
            if compiled
            else ""
        )
        + "ratios compare medians (time for handshakes, MB/s for bulk, KiB for memory); "
        "memory is per client+server pair; ssl's memory lives mostly in OpenSSL, outside tracemalloc: "
        "compare RSS"
    )
    lines.append(
        "handshakes: AES-128-GCM; full ones verify chain + name, no tickets; resumed ones must resume on both "
        "sides (errors column: failed/run, never timed); TLS 1.3 resumption includes the new ticket's delivery"
    )
    lines.append(
        "floor: TLS 1.3 handshake = both endpoints' x25519 keygen + exchange (x2), 1 CertificateVerify sign + "
        "verify, parse + verify the chain and name (x509.verification), 34 HKDF-Expand-Label + 6 HKDF-Extract, "
        "4 Finished HMACs; TLS 1.2 = x25519 (x2) + 1 ServerKeyExchange sign + verify, or RSA premaster "
        "encrypt + decrypt, the chain, EMS + key block + 4 Finished PRFs (24 HMACs); "
        "no floor for resumption; bulk = AEAD seal + open of each 16 KiB record"
    )
    for note in result["notes"]:
        lines.append(f"note: {note}")
    if result["glasstls_memory_top"]:
        lines.append("glasstls tracemalloc per pair, by allocating file:")
        for t in result["glasstls_memory_top"]:
            lines.append(f"  {t['bytes_per_pair'] / 1024:8.1f} KiB  {t['where']}")
    return "\n".join(lines)
