"""The JSON API of units."""

from ninja import Router

router = Router(tags=["units"])
