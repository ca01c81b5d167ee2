"""Tests of the leaderboard service."""
