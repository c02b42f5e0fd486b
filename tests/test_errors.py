"""The error tree (glasstls.errors): each error sends its class's alert, unless the raiser named another; the same
in the compiled build (``make compiled``), where a class-body default of an instance attribute in a subclass of
Exception is not applied, so the alert is set by ``TLSError.__init__`` from ``default_alert``."""

from __future__ import annotations

import pytest

from glasstls import errors
from glasstls.errors import AlertReceived, DecodeError, HandshakeFailure, NotTls, TLSError, UnknownCA
from glasstls.wire.enums import AlertDescription as AD  # noqa: N817


def _tree(cls: type[TLSError]) -> list[type[TLSError]]:
    return [cls, *(sub for child in cls.__subclasses__() for sub in _tree(child))]


@pytest.mark.parametrize(
    "cls", [c for c in _tree(TLSError) if c.__module__ == errors.__name__], ids=lambda c: c.__name__
)
def test_each_error_sends_its_class_alert(cls: type[TLSError]) -> None:
    error = AlertReceived(AD.HANDSHAKE_FAILURE) if cls is AlertReceived else cls("what went wrong")
    assert error.alert == cls.default_alert
    assert error.context is None


def test_the_classes_alerts_are_the_rfc_names_and_a_raiser_may_name_another() -> None:
    assert DecodeError("x").alert == AD.DECODE_ERROR
    assert NotTls("x").alert == AD.DECODE_ERROR  # inherited from DecodeError
    assert UnknownCA("x").alert == AD.UNKNOWN_CA
    assert AlertReceived(AD.HANDSHAKE_FAILURE).alert is None  # the peer's own alert: none is sent back
    assert HandshakeFailure("x", alert=AD.ILLEGAL_PARAMETER).alert == AD.ILLEGAL_PARAMETER
    assert TLSError("x").alert == AD.INTERNAL_ERROR
