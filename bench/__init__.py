"""Benchmarks. ``python -m bench`` (or ``make bench``) runs every ``bench/<name>.py``; each can
also run alone: ``python -m bench.<name>``. Each writes its own section of docs/BENCHMARKS.md."""
