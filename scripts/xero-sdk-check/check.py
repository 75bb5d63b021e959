#!/usr/bin/env python3
"""Points Xero's own Python SDK (xero-python, from PyPI) at the sandbox's Xero service and checks
that it can do what a connector does: tokens, connections, organisation and chart, manual journals
with summarize_errors=False, reads, lists with if_modified_since/where/page, a bank transaction,
a validation error, a 429 and an expired token, each parsed by the SDK itself.

Usage: check.py http://127.0.0.1:PORT   (a sandbox started with --generate ...; see run.sh)
Exit status 0 when every check passes; each check prints one line.
"""

import base64
import datetime
import hashlib
import json
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal

from xero_python.accounting import (
    Account,
    AccountingApi,
    BankTransaction,
    BankTransactions,
    Contact,
    LineAmountTypes,
    LineItem,
    LineItemTracking,
    ManualJournal,
    ManualJournalLine,
    ManualJournals,
    TrackingCategory,
)
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client import oauth2 as sdk_oauth2
from xero_python.api_client.oauth2 import OAuth2Token
from xero_python.exceptions import AccountingBadRequestException, ApiException, RateLimitException
from xero_python.identity import IdentityApi

CLIENT_ID = "xero-client"  # the generator's Xero app (generate/accounting.rs)
CLIENT_SECRET = "xero-secret"
REDIRECT = "http://localhost:8765/callback"
SCOPES = "openid profile email offline_access accounting.transactions accounting.settings accounting.contacts"

FAILURES = []


def check(name, condition, detail=""):
    print(("ok    " if condition else "FAIL  ") + name + (f"  ({detail})" if detail and not condition else ""))
    if not condition:
        FAILURES.append(name)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http(method, url, data=None, headers=None):
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def sandbox(base, path, body):
    return http("POST", base + path, json.dumps(body).encode(), {"Content-Type": "application/json"})


def sandbox_now(base):
    """The sandbox clock's now (it runs ahead of real time once a check has advanced it)."""
    _, _, body = http("GET", base + "/_sandbox/time")
    return datetime.datetime.fromisoformat(json.loads(body)["now"].replace("Z", "+00:00"))


def code_flow(base):
    """Authorization code with PKCE (S256), consent given at once by the sandbox."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "scope": SCOPES,
        "state": "sdk-check", "code_challenge": challenge, "code_challenge_method": "S256",
    })
    status, headers, _ = http("GET", f"{base}/xero/identity/connect/authorize?{query}")
    location = headers.get("Location") or headers.get("location")
    params = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)
    check("authorize redirects with code and state", status == 302 and params.get("state") == ["sdk-check"], location)
    form = urllib.parse.urlencode({
        "grant_type": "authorization_code", "code": params["code"][0], "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }).encode()
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    status, _, body = http("POST", f"{base}/xero/identity/connect/token", form, {
        "Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"})
    token = json.loads(body)
    check("token exchange", status == 200 and token.get("expires_in") == 1800 and "refresh_token" in token, body)
    return token


def main(base):
    # The SDK's token endpoints are class attributes: point them at the sandbox.
    for name in ("refresh_token_url", "client_credentials_token_url"):
        setattr(sdk_oauth2.TokenApi, name, f"{base}/xero/identity/connect/token")
    sdk_oauth2.TokenApi.revoke_token_url = f"{base}/xero/identity/connect/revocation"

    token = code_flow(base)
    store = {}
    api_client = ApiClient(
        Configuration(oauth2_token=OAuth2Token(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)),
        pool_threads=1,
    )

    @api_client.oauth2_token_getter
    def get_token():
        return store

    @api_client.oauth2_token_saver
    def save_token(new):
        store.clear()
        store.update(new)

    token["scope"] = token["scope"].split()
    api_client.set_oauth2_token(token)
    identity = IdentityApi(api_client, base_url=f"{base}/xero")
    accounting = AccountingApi(api_client, base_url=f"{base}/xero/api.xro/2.0")

    connections = identity.get_connections()
    check("connections", len(connections) == 1 and connections[0].tenant_type == "ORGANISATION")
    tenant = connections[0].tenant_id
    check("connection dates parsed", isinstance(connections[0].created_date_utc, datetime.datetime))

    org = accounting.get_organisations(tenant).organisations[0]
    check("organisation", str(org.organisation_id) == tenant and org.base_currency is not None, org)
    sandbox(base, "/_sandbox/xero/lock-date", {"lockDate": "2025-12-31"})
    org = accounting.get_organisations(tenant).organisations[0]
    check("lock dates parsed as dates", org.period_lock_date == datetime.date(2025, 12, 31), org.period_lock_date)

    banks = accounting.get_accounts(tenant, where='Type=="BANK"').accounts
    check("bank accounts", sorted(a.code for a in banks) == ["1010", "1020"], [a.code for a in banks])
    categories = accounting.get_tracking_categories(tenant).tracking_categories
    property_category = next(c for c in categories if c.name == "Property")
    option = property_category.options[0].name
    contacts = accounting.get_contacts(tenant).contacts
    check("contacts", len(contacts) >= 1)

    started = sandbox_now(base) - datetime.timedelta(seconds=1)
    tracking = [TrackingCategory(name="Property", option=option)]
    good = ManualJournal(
        narration="Entrata P001 2026-01-31 [ent:sdk-check]", date=datetime.date(2026, 1, 31),
        status="POSTED", line_amount_types=LineAmountTypes.NOTAX, url="https://connector.example/batches/1",
        journal_lines=[
            ManualJournalLine(line_amount=Decimal("12500.10"), account_code="1210", description="Rent charges", tracking=tracking),
            ManualJournalLine(line_amount=Decimal("-12500.10"), account_code="4000", description="Rent income", tracking=tracking),
        ])
    bad = ManualJournal(narration="unbalanced", date=datetime.date(2026, 1, 31), journal_lines=[
        ManualJournalLine(line_amount=Decimal("100.00"), account_code="1210"),
        ManualJournalLine(line_amount=Decimal("-90.00"), account_code="4000"),
    ])
    created = accounting.create_manual_journals(
        tenant, ManualJournals(manual_journals=[good, bad]), summarize_errors=False, idempotency_key="sdk-check-1")
    first, second = created.manual_journals
    check("created journal OK", first.status_attribute_string == "OK" and first.manual_journal_id is not None)
    check("failed journal ERROR with its message", second.status_attribute_string == "ERROR"
          and second.validation_errors[0].message == "The total debits (100.00) must equal total credits (-90.00)",
          second.validation_errors)
    check("date and money round-trip", first.date == datetime.date(2026, 1, 31)
          and first.journal_lines[0].line_amount == Decimal("12500.10"), (first.date, first.journal_lines[0].line_amount))
    check("UpdatedDateUTC is an aware datetime", first.updated_date_utc.tzinfo is not None, first.updated_date_utc)
    check("status and tracking", first.status == "POSTED" and first.journal_lines[0].tracking[0].option == option)
    replay = accounting.create_manual_journals(
        tenant, ManualJournals(manual_journals=[good, bad]), summarize_errors=False, idempotency_key="sdk-check-1")
    check("idempotent replay", replay.manual_journals[0].manual_journal_id == first.manual_journal_id)

    read = accounting.get_manual_journal(tenant, first.manual_journal_id).manual_journals[0]
    check("read back", read.narration == good.narration and len(read.journal_lines) == 2
          and read.journal_lines[1].line_amount == Decimal("-12500.10"))
    listed = accounting.get_manual_journals(tenant, if_modified_since=started, where='Status=="POSTED"', page=1)
    check("list with if_modified_since, where, page", [j.manual_journal_id for j in listed.manual_journals] == [first.manual_journal_id]
          and len(listed.manual_journals[0].journal_lines) == 2 and listed.pagination.item_count == 1, listed.pagination)
    later = accounting.get_manual_journals(tenant, if_modified_since=sandbox_now(base) + datetime.timedelta(hours=1))
    check("nothing modified later", later.manual_journals == [])

    receive = BankTransaction(
        type="RECEIVE", contact=Contact(contact_id=contacts[0].contact_id), bank_account=Account(code="1010"),
        date=datetime.date(2026, 2, 2), reference="DEP-0001", line_amount_types=LineAmountTypes.NOTAX,
        line_items=[LineItem(description="Deposit d1", quantity=Decimal("1"), unit_amount=Decimal("1295.00"),
                             account_code="1210", tracking=[LineItemTracking(name="Property", option=option)])])
    bank = accounting.create_bank_transactions(tenant, BankTransactions(bank_transactions=[receive]), summarize_errors=False)
    made = bank.bank_transactions[0]
    check("bank transaction", made.status_attribute_string == "OK" and made.total == Decimal("1295.00")
          and made.bank_account.code == "1010" and made.date == datetime.date(2026, 2, 2), made)

    try:
        accounting.create_manual_journals(tenant, ManualJournals(manual_journals=[bad]))
        check("validation error raised", False)
    except AccountingBadRequestException as error:
        check("validation error parsed", error.status == 400 and error.reason.startswith("The total debits (100.00)"), error.reason)

    # The per-minute limit (60 calls): the SDK raises RateLimitException with the header. POSTs,
    # because urllib3 (under the SDK) itself waits out Retry-After and retries a GET or PUT on 429.
    problem, retry_after = None, None
    for _ in range(70):
        try:
            accounting.update_or_create_manual_journals(
                tenant, ManualJournals(manual_journals=[bad]), summarize_errors=False)
        except RateLimitException as error:
            problem, retry_after = error.rate_limit, error.headers.get("Retry-After")
            break
    check("429 parsed", problem == "minute" and retry_after is not None and int(retry_after) >= 1, (problem, retry_after))
    sandbox(base, "/_sandbox/time", {"advanceSeconds": 60})
    check("limit recovers on the sandbox clock", accounting.get_organisations(tenant).organisations[0] is not None)

    # An access token expired on the sandbox clock is refused with 401; the SDK refreshes.
    sandbox(base, "/_sandbox/time", {"advanceSeconds": 1800})
    try:
        accounting.get_organisations(tenant)
        check("expired token refused", False)
    except ApiException as error:
        detail = json.loads(error.body).get("Detail", "")
        check("expired token refused", error.status == 401 and detail.startswith("TokenExpired"), detail)
    refreshed = api_client.refresh_oauth2_token()
    check("refresh through the SDK", refreshed and store.get("refresh_token") != token["refresh_token"])
    check("works after refresh", accounting.get_organisations(tenant).organisations[0] is not None)
    check("revoke through the SDK", api_client.revoke_oauth2_token())

    print(f"\n{len(FAILURES)} failed" if FAILURES else "\nall checks passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8080"))
