"""Entry to the benchmarks from a checkout: ``python -m bench [--quick] [--only NAME] [--json F]``.

The benchmark code itself is ``jifen.bench`` (src/jifen/bench/), so that a plain
``pip install .`` brings everything ``jifen bench`` needs; see bench/README.md.
"""
