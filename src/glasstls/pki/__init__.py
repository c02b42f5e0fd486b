"""Public-key infrastructure: trust stores, certificate chain verification with explanations (the report),
revocation (CRLs, OCSP staples), and the test PKI.

* ``trust``: :class:`~glasstls.pki.trust.TrustStore` (system, certifi, file, directory).
* ``verify``: ``verify_server_chain`` / ``verify_client_chain`` (proof objects) and ``explain_chain`` (the
  report for any chain, valid or not); built from ``report`` (ChainReport, CheckResult, VerifiedChain),
  ``facts`` (what each certificate says) and ``analysis`` (why cryptography rejected a chain).
* ``revocation``: ``check_revocation``, ``load_crls``, ``BadCertificateStatusResponse``.
* ``testpki``: throwaway CAs, certificates, CRLs, OCSP responses and the broken chains the tests explain.
"""
