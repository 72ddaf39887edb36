"""Jifen's own database backends (``ENGINE`` names), each a thin layer over Django's."""
