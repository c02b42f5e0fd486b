"""Trace events (each handshake step, explained), renderers, and the NSS key log.

Secrets never appear in a trace; they go only to a key log that the user configured explicitly.
"""
