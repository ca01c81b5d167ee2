"""Competitions: settings, test data files and hidden labels (hosts)."""
