"""Public-key infrastructure: trust stores, certificate chain verification with explanations, test PKI."""
