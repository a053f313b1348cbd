"""Benchmarks, run by ``make bench`` (``python -m bench``); never part of the test suite.

Convention: every ``bench/bench_*.py`` module has ``def run() -> list[str]`` returning
the lines to print, one per scenario, as ``name: ratio=<x> (<what over what>)``, plus
any figures (peak memory, page counts) on lines of their own. Ratios compare two timings
taken in the same run, so results do not depend on the machine's speed.
"""
