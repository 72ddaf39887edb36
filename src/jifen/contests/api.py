"""The JSON API of project contests."""

from ninja import Router

router = Router(tags=["contests"])
