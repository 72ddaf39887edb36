"""The benchmarks behind ``jifen bench`` (CONTRACT.md, "Benchmark names").

They live inside the package so that a plain ``pip install .`` brings what
``jifen bench`` runs; ``bench/`` at the repository root only points here.
``runner`` orchestrates, ``scratch`` makes and drops the scratch databases,
``child`` runs work in spawned processes, and each other module is one
benchmark (pgbench, award, debit, balance_read, bonus, checkin, redeem; ``loadgen`` is
the HTTP load generator of checkin and redeem, ``serve`` runs ``jifen serve`` for them).
"""
