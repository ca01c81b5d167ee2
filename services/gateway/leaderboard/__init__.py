"""Leaderboards through the gateway (proxied to the leaderboard service) and reveal."""
