from django.http import HttpRequest
from ninja import Router, Schema, Status

from jifen.lib.http import client_address
from jifen.people.auth import authenticate, issue_token, revoke_token

router = Router(tags=["auth"])


class Credentials(Schema):
    phone: str
    password: str


class TokenOut(Schema):
    token: str


@router.post("/token", auth=None, response={201: TokenOut})
def create_token(request: HttpRequest, payload: Credentials) -> Status[dict[str, str]]:
    person = authenticate(
        phone=payload.phone, password=payload.password, address=client_address(request)
    )
    return Status(201, {"token": issue_token(person=person)})


@router.delete("/token", response={200: dict})
def delete_token(request: HttpRequest) -> dict[str, bool]:
    revoke_token(token=request.api_token)  # type: ignore[attr-defined]
    return {"revoked": True}
