"""The Finnish Trade Register's open data: one company by business ID, from the Patent and
Registration Office's YTJ API (version 3, `GET {PRH_API_URL}/companies?businessId=…`).

Its answer is `{"totalResults": n, "companies": [company]}`; a company has `businessId.value`,
`names` (`name`, `type`: "1" the official name, "2" a parallel name in another language,
"3" an auxiliary name; `endDate` set on names no longer in use), `tradeRegisterStatus`
("1" = registered) and `endDate` once it has ceased.

Off unless PRH_LOOKUP=on (config.PRH_LOOKUP_ENABLED), and called only by the outbox worker,
never inside a request. Every way a lookup can fail is a `LookupFailed` whose `code` says why
(labels.LOOKUP_NOTES names it for staff).
"""

import re
import urllib.parse
import urllib.request
from dataclasses import dataclass

from .http_lookup import LookupFailed, NotFound, get_json

__all__ = ["Company", "LookupFailed", "fetch", "parse"]

MAX_BYTES = 1_000_000  # one company's record is a few kB
REGISTERED = "1"  # tradeRegisterStatus of a company entered in the register
NAME_TYPES = ("1", "2")  # the official name and its parallel names
COMPANY_SUFFIXES = {"oy", "oyj", "ab", "abp"}  # osakeyhtiö / julkinen osakeyhtiö / aktiebolag


@dataclass(frozen=True)
class Company:
    """What the register says about one business ID."""

    business_id: str
    names: tuple[str, ...]  # current official and parallel names
    active: bool  # registered and not ceased
    status: str  # tradeRegisterStatus as given


def fetch(business_id: str, *, base_url: str, timeout: float) -> Company | None:
    """The company holding `business_id`, or None when the register has none."""
    url = f"{base_url}/companies?{urllib.parse.urlencode({'businessId': business_id})}"
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:  # the URL is the operator's setting (PRH_API_URL), never the user's input
        data = get_json(request, timeout=timeout, max_bytes=MAX_BYTES)
    except NotFound:
        return None
    return parse(data, business_id)


def parse(data, business_id: str) -> Company | None:
    """The company of `business_id` in a /companies answer (None when it lists none)."""
    companies = data.get("companies") if isinstance(data, dict) else None
    if not isinstance(companies, list):
        raise LookupFailed("malformed")
    for entry in companies:
        if not isinstance(entry, dict) or not isinstance(entry.get("businessId"), dict):
            raise LookupFailed("malformed")
        if entry["businessId"].get("value") != business_id:
            continue
        names = entry.get("names")
        if not isinstance(names, list) or not all(isinstance(n, dict) for n in names):
            raise LookupFailed("malformed")
        current = tuple(
            n["name"]
            for n in names
            if isinstance(n.get("name"), str)
            and str(n.get("type")) in NAME_TYPES
            and not n.get("endDate")
        )
        status = str(entry.get("tradeRegisterStatus") or "")
        return Company(
            business_id=business_id,
            names=current,
            status=status,
            active=status == REGISTERED and not entry.get("endDate"),
        )
    return None


def normalised_name(name: str) -> str:
    """A company name compared as people read it: case, spacing, punctuation and the company
    form (Oy, Oyj, Ab, Abp, first or last) do not matter."""
    words = re.sub(r"[.,]", " ", name or "").casefold().split()
    while words and words[-1] in COMPANY_SUFFIXES:
        words.pop()
    while words and words[0] in COMPANY_SUFFIXES:
        words.pop(0)
    return " ".join(words)


def same_name(ours: str, company: Company) -> bool:
    """Does the name given at sign-up match one of the company's current names?"""
    wanted = normalised_name(ours)
    return bool(wanted) and any(normalised_name(name) == wanted for name in company.names)
