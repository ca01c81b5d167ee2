"""Webhooks: hosts (for a competition) and administrators (for the whole platform) register
HTTPS endpoints; competition events are delivered to them signed, at least once, from a
delivery log in the gateway's database (``delivery.py`` sends, ``addresses.py`` keeps them
off internal networks, ``signing.py`` signs)."""
