"""Summaries of the speech per clip and per stream (CONTRACTS.md §4): engines, storage, services."""
