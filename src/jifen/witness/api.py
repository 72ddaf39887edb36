"""The JSON API of witnesses."""

from ninja import Router

router = Router(tags=["witness"])
