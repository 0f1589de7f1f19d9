"""Benchmarks of ``segmenter`` against its peers: accuracy, speed and scaling.

Run ``python -m benchmarks.run`` (see ``benchmarks/README.md``). The peers (jusText,
trafilatura, boilerpy3) and the plotting library are the ``bench`` extra, never
runtime dependencies of ``segmenter``.
"""
