"""The Trade Register lookup (PRH_LOOKUP=on) at its HTTP boundary: a real HTTP server on
127.0.0.1 stands in for PRH's YTJ API (v3) and answers in its shape. A sign-up whose business
ID belongs to an active company of the same name is verified by the worker; a mismatch, a ceased
company, 404, 500, a timeout or an unreadable body leaves it for staff with the reason noted."""

from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from marketplace import trade_register
from marketplace.extensions import db
from marketplace.models import Listing, Notification, Organization, OutboxMessage
from tests import factories
from tests.conftest import running_app
from tests.helpers import deliver, english_client, fresh, sign_in
from tests.http_standin import JsonStandIn, serving

# generous, so a loaded CI machine's pauses never look like an outage; the slow-answer
# tests stall the stand-in until they end, so their own length is this timeout
TIMEOUT_S = 2.0


def company(business_id, name, *, status="1", ended=None, old_name=None):
    """One company as the YTJ API v3 describes it (abridged: the fields the lookup reads, and a
    few it does not, as the real answer has them)."""
    names = [
        {"name": name, "type": "1", "registrationDate": "2019-03-01", "version": 1, "source": "1"}
    ]
    if old_name:
        names.append(
            {
                "name": old_name,
                "type": "1",
                "registrationDate": "2012-05-02",
                "endDate": "2019-02-28",
                "version": 2,
                "source": "1",
            }
        )
    return {
        "businessId": {"value": business_id, "registrationDate": "2012-05-02", "source": "3"},
        "euId": {"value": f"FIFPRO.{business_id}", "source": "1"},
        "names": names,
        "mainBusinessLine": {
            "type": "43110",
            "descriptions": [{"languageCode": "3", "description": "Demolition"}],
            "source": "2",
        },
        "companyForms": [
            {"type": "16", "descriptions": [{"languageCode": "1", "description": "Osakeyhtiö"}]}
        ],
        "tradeRegisterStatus": status,
        "status": "2",
        "registrationDate": "2012-05-02",
        "endDate": ended,
        "lastModified": "2026-01-02T07:49:26",
    }


class StandIn(JsonStandIn):
    """GET /v3/companies?businessId=…: the answer the test set for that business ID."""

    answers: dict = {}
    asked: list = []

    def do_GET(self):  # noqa: N802 - http.server's name
        url = urlsplit(self.path)
        business_id = parse_qs(url.query).get("businessId", [""])[0]
        StandIn.asked.append((url.path, business_id))
        status, body = StandIn.answers.get(business_id, (200, {"totalResults": 0, "companies": []}))
        if status == "slow":
            self.stall()
            return
        self.reply(status, body)


@pytest.fixture
def register():
    StandIn.answers, StandIn.asked = {}, []
    with serving(StandIn, "/v3") as url:
        yield url


@pytest.fixture
def app(tmp_path, register):
    with running_app(
        tmp_path, PRH_LOOKUP=True, PRH_API_URL=register, PRH_TIMEOUT_S=TIMEOUT_S
    ) as app:
        yield app


def sign_up(business_id, name="Kera Purku Oy"):
    """A builder's web sign-up with one listing waiting for review; the worker then runs."""
    builder = factories.unverified_builder(org_name=name, business_id_=business_id)
    listing = factories.listing(builder, title="Purettu kattotiili")
    deliver()
    return fresh().get(Organization, builder.organization_id), fresh().get(Listing, listing.id)


def test_an_active_company_of_the_same_name_is_verified_and_its_listing_published(app):
    business_id = factories.business_id(101)
    StandIn.answers[business_id] = (
        200,
        {
            "totalResults": 1,
            "companies": [company(business_id, "KERA PURKU OY", old_name="Vanha Nimi Oy")],
        },
    )
    organization, listing = sign_up(business_id, name="Kera  Purku")
    assert StandIn.asked == [("/v3/companies", business_id)]
    assert organization.verified_at is not None and organization.verification_note == ""
    assert listing.status == "available"
    deliver()  # the published listing's index update, the notice
    hits = english_client(app).get("/api/v1/listings", query_string={"q": "kattotiili"}).get_json()
    assert [h["id"] for h in hits["hits"]] == [listing.id]
    kinds = fresh().scalars(
        sa.select(Notification.kind).where(Notification.user_id == listing.created_by_id)
    )
    assert "organization.verified" in list(kinds)


@pytest.mark.parametrize(
    "answer, note",
    [
        (
            (200, {"totalResults": 1, "companies": ["{id}:Toinen Rakennus Oy"]}),
            "name_mismatch:Toinen Rakennus Oy",
        ),
        ((200, {"totalResults": 1, "companies": ["{id}:Kera Purku Oy:ceased"]}), "inactive:3"),
        ((404, {"message": "Not found"}), "not_found:"),
        ((200, {"totalResults": 0, "companies": []}), "not_found:"),
        ((500, {"message": "Internal server error"}), "http_error:HTTP 500"),
        (("slow", None), "timeout:"),
        ((200, b'{"companies": [ oops'), "malformed:"),
        ((200, {"totalResults": 1, "companies": "nope"}), "malformed:"),
    ],
    ids=["mismatch", "ceased", "404", "none", "500", "timeout", "garbage", "odd-shape"],
)
def test_anything_else_is_left_for_staff_with_the_reason(app, answer, note):
    business_id = factories.business_id(202)
    status, body = answer
    if isinstance(body, dict) and isinstance(body.get("companies"), list):
        body = {**body, "companies": [_company(spec, business_id) for spec in body["companies"]]}
    StandIn.answers[business_id] = (status, body)
    organization, listing = sign_up(business_id)
    assert organization.verified_at is None and organization.verification_note == note
    assert listing.status == "pending_review"
    assert _pending_lookups() == 0  # not retried: staff decide now
    staff = english_client(app)
    sign_in(staff, factories.city())
    queue = staff.get("/staff/organisations").text.split('id="verification-queue"')[1]
    assert "Trade Register" in queue.split(f'data-key="{organization.id}"')[1].split("</tr>")[0]


def test_without_prh_lookup_nothing_is_asked(tmp_path, register):
    with running_app(tmp_path / "off", PRH_API_URL=register):
        business_id = factories.business_id(303)
        StandIn.answers[business_id] = (
            200,
            {"totalResults": 1, "companies": [company(business_id, "X Oy")]},
        )
        organization, _listing = sign_up(business_id, name="X Oy")
        assert StandIn.asked == [] and organization.verified_at is None
        assert _pending_lookups() == 0


def test_names_are_compared_as_people_read_them():
    registered = trade_register.Company(
        "1572860-0", ("Oy Kera Purku Ab", "Kera Rivning Ab"), True, "1"
    )
    for ours in (
        "kera purku",
        "KERA PURKU OY",
        "Kera  Purku Oyj",
        "Kera Purku Oy.",
        "Kera Rivning",
    ):
        assert trade_register.same_name(ours, registered), ours
    for ours in ("Kera Purku Ky", "Kera", "Oy", ""):
        assert not trade_register.same_name(ours, registered), ours


def _company(spec, business_id):
    """'{id}:Name' or '{id}:Name:ceased' -> the company in the API's shape."""
    _id, name, *rest = spec.split(":")
    return (
        company(business_id, name, status="3", ended="2024-06-30")
        if rest
        else company(business_id, name)
    )


def _pending_lookups() -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.topic == "organization.registered", OutboxMessage.status == "pending")
    )
