"""One run of the whole bench: handshake rows, bulk rows, memory rows."""

from __future__ import annotations

import functools
import os
import platform
import ssl
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cryptography

from glasstls.bench.cases import (
    BULK_SUITES,
    BULK_TARGET,
    CASES,
    CONTENDERS,
    HANDSHAKE_SUITE,
    HANDSHAKE_TARGET,
    TLS13,
    WRITE,
    Case,
    Material,
    Plan,
    _log,
    make_material,
)
from glasstls.bench.compiled import is_compiled
from glasstls.bench.contenders import (
    _OPENSSL_NAMES,
    FloorRunner,
    GlasstlsRunner,
    Runner,
    SslPair,
    SslRunner,
    _check_glasstls_negotiated,
    glasstls_bulk,
    glasstls_configs,
    glasstls_handshake,
    ssl_bulk,
    ssl_contexts,
    ssl_handshake,
)
from glasstls.bench.floor import FloorHandshake, FloorHandshake12, floor_bulk
from glasstls.bench.importtime import MODULE, TARGET_MS, measure_imports
from glasstls.bench.memory import run_memory
from glasstls.bench.stats import Stat, Tally, _handshake_ms, _mb_per_s, _stat, interleave
from glasstls.connection import ClientConnection, ServerConnection
from glasstls.errors import TLSError
from glasstls.wire.enums import SignatureScheme

# -- the run ---------------------------------------------------------------------------------------------


@dataclass
class Row:
    key: str
    metric: str
    unit: str
    higher_is_better: bool
    values: dict[str, Stat | None]
    target: str | None = None
    target_ratio: float | None = None
    note: str | None = None
    errors: dict[str, Tally] | None = None
    #: A target on glasstls's own figure (the import time), instead of a ratio to ssl.
    target_value: float | None = None

    def ratio(self, other: str, mine_name: str = "glasstls") -> float | None:
        mine, theirs = self.values.get(mine_name), self.values.get(other)
        if mine is None or theirs is None or theirs.median == 0:
            return None
        return mine.median / theirs.median

    def verdict(self) -> str | None:
        mine = self.values.get("glasstls")
        if self.target_value is not None and mine is not None:
            ok = mine.median >= self.target_value if self.higher_is_better else mine.median <= self.target_value
            return "PASS" if ok else "MISS"
        r = self.ratio("ssl")
        if self.target_ratio is None or r is None:
            return None
        ok = r >= self.target_ratio if self.higher_is_better else r <= self.target_ratio
        return "PASS" if ok else "MISS"

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "metric": self.metric,
            "unit": self.unit,
            "higher_is_better": self.higher_is_better,
            **{name: (s.as_json() if s is not None else None) for name, s in self.values.items()},
            "ratio_glasstls_ssl": self.ratio("ssl"),
            "ratio_glasstls_floor": self.ratio("floor"),
            **(
                {"ratio_compiled_ssl": self.ratio("ssl", "compiled"), "ratio_compiled_floor": None}
                if "compiled" in self.values
                else {}
            ),
            "target": self.target,
            "verdict": self.verdict(),
            "note": self.note,
            "errors": {name: t.as_json() for name, t in self.errors.items()} if self.errors is not None else None,
        }


def _check_verification_is_on(material: Material) -> None:
    """Both contenders must refuse a certificate for another name: verification really is on."""
    client_config, server_config = glasstls_configs(material.trust, material.chain("ecdsa"), HANDSHAKE_SUITE)
    client = ClientConnection(client_config, server_name="wrong.example")
    server = ServerConnection(server_config)
    client.start()
    try:
        server.receive_data(client.data_to_send())
        client.receive_data(server.data_to_send())
    except TLSError:
        pass
    else:
        raise RuntimeError("glasstls accepted a certificate for the wrong name: verification is off")
    contexts = ssl_contexts(material, "ecdsa", HANDSHAKE_SUITE)
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    ssl_client = contexts.client.wrap_bio(c_in, c_out, server_hostname="wrong.example")
    ssl_server = contexts.server.wrap_bio(s_in, s_out, server_side=True)
    try:
        for _ in range(4):
            for obj, src, dst in ((ssl_client, c_out, s_in), (ssl_server, s_out, c_in)):
                try:
                    obj.do_handshake()
                except ssl.SSLWantReadError:
                    pass
                dst.write(src.read())
    except ssl.SSLCertVerificationError:
        return
    raise RuntimeError("ssl accepted a certificate for the wrong name: verification is off")


def make_floor(material: Material, case: Case) -> FloorHandshake | FloorHandshake12 | None:
    """The floor of a full handshake (None for a resumption: no floor is given for those)."""
    if case.resume is not None:
        return None
    if case.version == TLS13:
        return FloorHandshake(material, case.cert)
    return FloorHandshake12(material, case.cert, case.rsa_key_exchange)


def run(
    plan: Plan,
    directory: Path,
    cases: Sequence[Case] = CASES,
    *,
    memory: bool = True,
    imports: bool = True,
    compiled: Path | None = None,
) -> dict[str, Any]:
    """The rows: handshakes, bulk, then (``memory``) memory per pair and (``imports``) the import time, with the
    compiled build's import time beside the pure one when ``compiled`` is its path."""
    material = make_material(directory)
    _check_verification_is_on(material)
    rows: list[Row] = []
    notes: list[str] = []
    ssl_ok: dict[str, bool] = {}
    seconds: dict[str, float] = {}

    # 1. Handshakes.
    started = time.perf_counter()
    _log(
        f"handshakes: {len(cases)} cases, {plan.handshake_rounds} rounds x {plan.handshake_batch} "
        "per contender and case"
    )
    tasks: dict[str, Callable[[], float | None]] = {}
    tallies: dict[str, Tally] = {}
    for case in cases:
        runners: dict[str, Runner] = {}
        g = GlasstlsRunner(material, case)
        runners["glasstls"] = g
        s = SslRunner(material, case)
        runners["ssl"] = s
        ssl_ok[case.key] = s.pinned
        if not s.pinned:
            notes.append(f"ssl could not be pinned to {case.suite}/{case.group}; it used {s.used} ({case.key})")
        floor = make_floor(material, case)
        if floor is not None:
            if case.cert == "rsa" and not case.rsa_key_exchange:
                wanted = SignatureScheme.RSA_PSS_RSAE_SHA256
                if g.signature_scheme != wanted:
                    notes.append(f"glasstls signed with {g.signature_scheme}, the floor with {wanted} ({case.key})")
            runners["floor"] = FloorRunner(floor)
        for contender, runner in runners.items():
            name = f"{case.key}/{contender}"
            tallies[name] = Tally()
            tasks[name] = _handshake_ms(runner, plan.handshake_batch, tallies[name])
    stats = interleave(tasks, plan.handshake_rounds)
    for case in cases:
        errors: dict[str, Tally] = {c: tallies[f"{case.key}/{c}"] for c in CONTENDERS if f"{case.key}/{c}" in tallies}
        for contender, tally in errors.items():
            if tally.errors:
                notes.append(
                    f"{case.key}: {contender} failed {tally.errors} of {tally.runs} handshakes "
                    f"(not counted as samples); first: {tally.first_error}"
                )
        rows.append(
            Row(
                case.key,
                f"handshake {case.metric}",
                "ms",
                False,
                {c: _stat(stats, f"{case.key}/{c}") for c in CONTENDERS},
                target=f"<= {HANDSHAKE_TARGET}x ssl",
                target_ratio=HANDSHAKE_TARGET,
                errors=errors,
            )
        )
    seconds["handshakes"] = time.perf_counter() - started

    # 2. Bulk.
    started = time.perf_counter()
    mb = plan.bulk_bytes / 1e6
    _log(f"bulk: {plan.bulk_rounds} rounds x {plan.bulk_bytes >> 20} MiB per contender and suite")
    payload = os.urandom(WRITE)
    bulk_tasks: dict[str, Callable[[], float | None]] = {}
    for name, suite in BULK_SUITES.items():
        cc, sc = glasstls_configs(material.trust, material.chain("ecdsa"), suite)
        g_pair = glasstls_handshake(cc, sc)
        _check_glasstls_negotiated(g_pair[0], suite)
        contexts = ssl_contexts(material, "ecdsa", suite)
        s_pair = ssl_handshake(contexts)
        used = s_pair.client.cipher()
        s_pair_or_none: SslPair | None = None
        if not (contexts.pinned and used is not None and used[0] == _OPENSSL_NAMES[suite]):
            notes.append(f"ssl could not be pinned to {name}; it used {used}: its bulk figure is left out")
            ssl_ok[name] = False
        else:
            s_pair_or_none = s_pair
        size = plan.bulk_bytes
        bulk_tasks[f"{name}/glasstls"] = _mb_per_s(functools.partial(glasstls_bulk, g_pair, size, payload), mb)
        if s_pair_or_none is not None:
            bulk_tasks[f"{name}/ssl"] = _mb_per_s(functools.partial(ssl_bulk, s_pair_or_none, size, payload), mb)
        bulk_tasks[f"{name}/floor"] = _mb_per_s(functools.partial(floor_bulk, suite, size, payload), mb)
    stats = interleave(bulk_tasks, plan.bulk_rounds)
    for name in BULK_SUITES:
        rows.append(
            Row(
                f"bulk_{name.lower().replace('-', '_')}",
                f"bulk {name}, 16 KiB records",
                "MB/s",
                True,
                {c: _stat(stats, f"{name}/{c}") for c in CONTENDERS},
                target=">= ssl",
                target_ratio=BULK_TARGET,
            )
        )
    seconds["bulk"] = time.perf_counter() - started

    # 3. Memory.
    top: list[dict[str, Any]] = []
    if memory:
        started = time.perf_counter()
        _log(f"memory: {plan.memory_pairs} pairs per subprocess, {plan.memory_repeats} subprocess(es) per contender")
        mem: dict[str, dict[str, Stat]] = {c: {"rss": Stat(), "tracemalloc": Stat()} for c in ("glasstls", "ssl")}
        for r in range(plan.memory_repeats):
            for contender in ("glasstls", "ssl") if r % 2 == 0 else ("ssl", "glasstls"):
                result = run_memory(contender, plan.memory_pairs, directory)
                mem[contender]["rss"].samples.append(result["rss"] / 1024)
                mem[contender]["tracemalloc"].samples.append(result["tracemalloc"] / 1024)
                if contender == "glasstls":
                    top = result["top"]
        rows.append(
            Row(
                "memory_tracemalloc",
                "memory per pair, tracemalloc",
                "KiB",
                False,
                {"glasstls": mem["glasstls"]["tracemalloc"], "ssl": mem["ssl"]["tracemalloc"], "floor": None},
                note="ssl's memory is mostly OpenSSL's, which tracemalloc does not see",
            )
        )
        rows.append(
            Row(
                "memory_rss",
                "memory per pair, RSS delta",
                "KiB",
                False,
                {"glasstls": mem["glasstls"]["rss"], "ssl": mem["ssl"]["rss"], "floor": None},
            )
        )
        seconds["memory"] = time.perf_counter() - started

    # 4. Import time.
    if imports:
        started = time.perf_counter()
        _log(f"import time: {plan.import_rounds} fresh interpreters per contender")
        import_stats = measure_imports(plan.import_rounds, compiled)
        rows.append(
            Row(
                "import_time",
                f"import {MODULE} (ssl: import ssl)",
                "ms",
                False,
                {"floor": None, **import_stats},
                target=f"<= {TARGET_MS:.0f} ms",
                target_value=TARGET_MS,
                note="a fresh interpreter per sample; python -X importtime gives the breakdown",
            )
        )
        seconds["imports"] = time.perf_counter() - started
    return {
        "meta": {
            "python": sys.version.split()[0],
            "openssl_ssl": ssl.OPENSSL_VERSION,
            "cryptography": cryptography.__version__,
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "plan": plan.__dict__,
            "ssl_pinned": all(ssl_ok.values()),
            "phase_seconds": seconds,
            "compiled": is_compiled(),
        },
        "rows": [row.as_json() for row in rows],
        "notes": notes,
        "glasstls_memory_top": top,
    }
