"""Wire format: bytes <-> message objects. Structure only: no crypto, no state, no policy.

This package's ``__init__`` imports nothing so that ``glasstls.errors`` can import
``glasstls.wire.enums`` without a cycle.
"""
