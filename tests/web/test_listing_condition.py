"""The new-listing form has no default condition grade: a builder in a hurry must choose one
(issue 13), and a form posted without it is refused with the field's error, nothing saved."""

import re
from datetime import timedelta

import sqlalchemy as sa

from marketplace import clock
from marketplace.models import Listing
from tests import factories
from tests.helpers import english_client, fresh, sign_in


def _builder_client(app):
    builder = factories.builder(email="grade@example.com")
    site = factories.site(builder)
    client = english_client(app)
    assert sign_in(client, builder).status_code == 302
    return client, site


def _condition_select(html: str) -> str:
    return re.search(r'<select[^>]*id="condition".*?</select>', html, re.S).group(0)


def test_the_form_offers_an_empty_choose_option_and_selects_nothing(app):
    client, _site = _builder_client(app)
    select = _condition_select(client.get("/listings/new").text)
    options = re.findall(r"<option([^>]*)>([^<]*)</option>", select)
    assert 'value=""' in options[0][0] and options[0][1] == "Choose condition…"
    assert len(options) == 6  # the empty choice and the five grades
    assert not any("selected" in attrs for attrs, _label in options)  # the browser shows "Choose"


def test_a_listing_posted_without_a_condition_is_refused_and_not_saved(app):
    client, site = _builder_client(app)
    today = clock.today()
    response = client.post(
        "/listings/new",
        data={
            "title": "Kuusilauta 22x100",
            "category": "timber",
            "quantity": "2",
            "unit": "m3",
            "condition": "",
            "site_id": str(site.id),
            "available_from": today.isoformat(),
            "available_until": (today + timedelta(days=20)).isoformat(),
            "hazard_free": "y",
        },
    )
    assert response.status_code == 422
    assert re.search(
        r'<p class="error" id="condition-error">Choose a condition grade.</p>', response.text
    )
    assert fresh().scalar(sa.select(sa.func.count()).select_from(Listing)) == 0
