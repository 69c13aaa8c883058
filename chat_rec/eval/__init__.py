"""Evaluation: transcript replay, quality metrics, run comparison, reports and CRS benchmarks.

See ``eval/README.md`` for the transcript format and the ``chat-rec eval`` commands.
"""
