"""glasstls: a TLS 1.3 and TLS 1.2 implementation in Python that people can see through."""

__version__ = "0.1.0"
