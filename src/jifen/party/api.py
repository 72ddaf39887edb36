"""The JSON API of party members."""

from ninja import Router

router = Router(tags=["party"])
