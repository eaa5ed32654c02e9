"""Schemathesis over every operation of /api/v1/openapi.json, in-process against the WSGI app,
as anonymous, resident, builder and city staff: no request gets a 5xx, and every answer's
status code, content type and body are the ones the document declares.

Each operation gets the coverage phase's boundary cases (both sides of every bound, missing and
extra fields, wrong types) plus EXAMPLES generated ones, valid and invalid. No check is excluded.
Rate limits stay off (TestConfig): the per-IP login limit would turn the rest of the run into
429s; the limits have their own tests, and 429 is documented where a limit applies.
"""

import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from marketplace import config, create_app
from marketplace.extensions import db

from ..conftest import NOON
from .world import ROLES, SENT, populate

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Small, so the module stays within a few minutes on two cores; derandomized, so CI sends the
# same requests on every run and a failure reproduces by running it again.
EXAMPLES = 25

# One app for this module on its own SQLite file; the document it serves is what is fuzzed.
_tmp = tempfile.TemporaryDirectory(prefix="kera-fuzz-")
APP = create_app(
    config.TestConfig(
        INSTANCE_DIR=_tmp.name,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{_tmp.name}/fuzz.sqlite3",
        UPLOAD_DIR=f"{_tmp.name}/uploads",
        SEARCH_DB_PATH=f"{_tmp.name}/search.sqlite3",
        ARGON2_FAST=True,
    )
)
# Loaded as a document rather than with from_wsgi, which leaves out the operation serving it.
schema = schemathesis.openapi.from_dict(APP.test_client().get("/api/v1/openapi.json").get_json())


@schema.hook
def after_call(context, case, response):
    """Count every request the fuzzer sends, by operation and status."""
    SENT[(case.operation.label, response.status_code)] += 1


@pytest.fixture(scope="module")
def auth_headers():
    """The market's data, and each role's Authorization header."""
    yield populate(APP, NOON)
    with APP.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api(case, role, auth_headers):
    """Whatever the fuzzer sends, the answer is one the OpenAPI document allows."""
    case.call_and_validate(app=APP, headers=auth_headers[role], checks=CHECKS)
