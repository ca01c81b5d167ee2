"""The ``holdout`` command: the one place that wires the four services together.

It is the bootstrap (cosmicpython's ``bootstrap.py``): it may import every service;
no service imports it.
"""
