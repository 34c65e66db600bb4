"""Rows about dossiers, documents, users and the audit trail, in SQLite or PostgreSQL."""
