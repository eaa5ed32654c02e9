"""API shapes of messages about a reservation (contract: api-v1-additions.md, "Messages about a
reservation")."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from ..models.messages import MAX_BODY
from .schemas import Request, limits


class ThreadMessageCreate(Request):
    body: str = Field(
        description=(
            "Plain text, 1-2000 characters after trimming; line breaks are kept, HTML is shown "
            "as typed"
        ),
        **limits(minLength=1, maxLength=MAX_BODY),
    )


class ThreadMessageAuthor(BaseModel):
    display_name: str
    side: Literal["taker", "seller"]
    organization: str | None = Field(
        None, description="The listing's organisation, for a message from the seller's side"
    )


class ThreadMessageOut(BaseModel):
    id: int
    body: str
    author: ThreadMessageAuthor
    created_at: datetime
