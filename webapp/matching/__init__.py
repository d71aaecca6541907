"""Matching and scheduling as pure functions on plain data.

Nothing in this package imports Flask or the database, so it can be tested and
benchmarked on its own.
"""
