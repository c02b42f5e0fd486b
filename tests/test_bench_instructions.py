"""``python -m glasstls.bench --instructions CASE``: what it counts and how it fails. Counting under valgrind takes
minutes, so the suite checks the pieces (the child's loop, the parsing of callgrind's summary, the errors), not a
whole run; no count is asserted (figures are for people, as every bench figure)."""

from __future__ import annotations

import pytest

from glasstls.bench import instructions
from glasstls.bench.__main__ import main
from glasstls.bench.cases import CASES_BY_KEY, BenchError


def test_callgrinds_summary_gives_the_count() -> None:
    stderr = "==123== Events    : Ir\n==123== Collected : 192172854\n==123==\n==123== I   refs:      192,172,854\n"
    assert instructions.collected(stderr) == 192172854
    with pytest.raises(BenchError, match="no instruction count"):
        instructions.collected("valgrind: command not understood\n")


def test_the_floor_is_counted_for_full_handshakes_only() -> None:
    assert instructions.contenders(CASES_BY_KEY["handshake_ecdsa"]) == ("glasstls", "ssl", "floor")
    assert instructions.contenders(CASES_BY_KEY["resume13_psk_dhe"]) == ("glasstls", "ssl")


@pytest.mark.parametrize("who", ["glasstls", "ssl", "floor"])
def test_the_child_runs_checked_handshakes(who: str) -> None:
    instructions.child("handshake_ecdsa", who, 2)  # raises BenchError if a handshake is not what the case says


def test_without_valgrind_one_clear_line_and_status_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(instructions.shutil, "which", lambda name: None)
    assert main(["--instructions", "handshake_ecdsa"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--instructions needs valgrind" in err


def test_a_count_below_one_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--instructions", "--handshakes", "0"])
    assert exc.value.code == 2
    assert "--handshakes must be at least 1" in capsys.readouterr().err
