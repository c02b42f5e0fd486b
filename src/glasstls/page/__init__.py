"""The page of one connection: an illustrated, byte-by-byte, self-contained HTML file (issue 16)."""
