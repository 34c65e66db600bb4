"""PAdES signing and verification on pyHanko — the signing stage.

It plugs into the core through document versions: a signed PDF is stored as a new
``DocumentVersion`` (the earlier state stays, byte for byte), its ``signed`` flag set from
the file itself, and every signing step goes through the audit trail.

Nothing lives here yet: this package is reserved for that stage.
"""
