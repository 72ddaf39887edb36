"""Jifen (积分): community volunteer-points governance."""

__version__ = "0.1.0"
