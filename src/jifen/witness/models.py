"""Checkpoints above the community: every published seal chained per county and town."""
