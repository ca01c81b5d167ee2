"""Tests of the scorer service."""
