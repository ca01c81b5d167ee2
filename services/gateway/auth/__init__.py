"""Users and bearer tokens (stored as sha256 hashes only)."""
