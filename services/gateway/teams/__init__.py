"""Teams: a user belongs to at most one team per competition."""
