"""Handshake states: one class per state, named for the message it waits for (DESIGN rule 1).

``base.py`` has the machinery (State, Actions, proofs); ``client13.py`` and ``server13.py`` the TLS 1.3 states;
``traffic.py`` the post-handshake state shared by both sides.
"""
