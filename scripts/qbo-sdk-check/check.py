#!/usr/bin/env python3
"""Drives the QuickBooks Online sandbox with Intuit's and the community's own Python clients,
intuit-oauth (AuthClient) and python-quickbooks, exactly as an app would use them against
Intuit; only the base URLs differ:

- intuit-oauth reads its endpoints from a discovery document; its `environment` argument may be
  that document's URL, so it is pointed at the sandbox's /qbo/.well-known/openid_configuration.
- python-quickbooks builds API URLs from QuickBooks.api_url_v3 / sandbox_api_url_v3: both are
  set to <base>/qbo/v3.

Usage: check.py --base http://127.0.0.1:PORT   (a sandbox started with --generate ...)
Exits 0 when every check passes; prints one line per check.
"""

import argparse
import datetime
import os
import sys
import urllib.parse
import uuid
import warnings
from decimal import Decimal

# The sandbox speaks plain HTTP on loopback; requests-oauthlib (under python-quickbooks) refuses
# http:// unless told this is a test.
os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")

import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError
from quickbooks import QuickBooks
from quickbooks.batch import batch_create
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import (AuthorizationException, ObjectNotFoundException, QuickbooksException,
                                   ValidationException)
from quickbooks.objects.account import Account
from quickbooks.objects.customer import Customer
from quickbooks.objects.journalentry import Entity, JournalEntry, JournalEntryLine, JournalEntryLineDetail
from quickbooks.objects.trackingclass import Class

CLIENT_ID = "qbo-client"          # the generator's (src/sandbox/generate/accounting.rs)
CLIENT_SECRET = "qbo-secret"
REDIRECT = "http://localhost:8000/callback"

passed = 0
failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def line(posting, amount, account, customer=None, description=None):
    detail = JournalEntryLineDetail()
    detail.PostingType = posting
    detail.AccountRef = account.to_ref()
    if customer is not None:
        detail.Entity = Entity()
        detail.Entity.Type = "Customer"
        detail.Entity.EntityRef = customer.to_ref()
    result = JournalEntryLine()
    result.Amount = amount
    result.Description = description
    result.JournalEntryLineDetail = detail
    return result


def journal_entry(doc, amount, ar, income, customer, credit=None):
    entry = JournalEntry()
    entry.DocNumber = doc
    entry.PrivateNote = f"sdk-check {doc}"
    entry.Line = [line("Debit", amount, ar, customer, "rent"), line("Credit", credit or amount, income)]
    return entry


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True, help="the sandbox's base URL, http://127.0.0.1:PORT")
    base = parser.parse_args().base.rstrip("/")
    warnings.simplefilter("ignore", DeprecationWarning)

    # --- OAuth with intuit-oauth ---------------------------------------------------------------
    auth = AuthClient(CLIENT_ID, CLIENT_SECRET, REDIRECT, f"{base}/qbo/.well-known/openid_configuration")
    check("discovery document read", auth.token_endpoint == f"{base}/qbo/oauth2/v1/tokens/bearer", auth.token_endpoint)
    url = auth.get_authorization_url([Scopes.ACCOUNTING])
    redirect = requests.get(url, allow_redirects=False)
    params = urllib.parse.parse_qs(urllib.parse.urlparse(redirect.headers.get("Location", "")).query)
    check("authorize redirects with code, state, realmId",
          redirect.status_code == 302 and "code" in params and params.get("state") == [auth.state_token]
          and "realmId" in params, redirect.headers.get("Location"))
    realm = params["realmId"][0]
    auth.get_bearer_token(params["code"][0], realm_id=realm)
    check("code exchanged for tokens", auth.access_token and auth.refresh_token and auth.expires_in == 3600
          and auth.x_refresh_token_expires_in == 8640000)
    old_refresh = auth.refresh_token
    auth.refresh()
    check("refresh rotates the refresh token", auth.refresh_token != old_refresh)
    try:
        AuthClient(CLIENT_ID, CLIENT_SECRET, REDIRECT, f"{base}/qbo/.well-known/openid_configuration").refresh(old_refresh)
        check("old refresh token refused", False, "accepted")
    except AuthClientError as e:
        check("old refresh token refused with invalid_grant", e.status_code == 400 and b"invalid_grant" in e.content,
              e.content)
    try:
        AuthClient(CLIENT_ID, "wrong", REDIRECT, f"{base}/qbo/.well-known/openid_configuration").refresh(auth.refresh_token)
        check("wrong client secret refused", False, "accepted")
    except AuthClientError as e:
        check("wrong client secret refused with invalid_client", e.status_code == 401 and b"invalid_client" in e.content)

    # --- Accounting API with python-quickbooks --------------------------------------------------
    QuickBooks.api_url_v3 = f"{base}/qbo/v3"
    QuickBooks.sandbox_api_url_v3 = f"{base}/qbo/v3"
    qb = QuickBooks(auth_client=auth, refresh_token=auth.refresh_token, company_id=realm, minorversion=75)
    qb_decimal = QuickBooks(auth_client=auth, refresh_token=auth.refresh_token, company_id=realm, minorversion=75,
                            use_decimal=True)

    ar = Account.where("AccountType = 'Accounts Receivable'", qb=qb)
    income = Account.filter(Name="Rental Income", qb=qb)
    check("accounts queried (where, filter)", len(ar) == 1 and len(income) == 1)
    ar, income = ar[0], income[0]
    all_accounts = Account.all(qb=qb)
    inactive = Account.filter(Active=False, qb=qb)
    check("inactive accounts left out unless asked", len(inactive) >= 1
          and all(a.Active for a in all_accounts), f"{len(all_accounts)} active, {len(inactive)} inactive")
    check("COUNT(*) query", Account.count(qb=qb) == len(all_accounts))
    customer = Customer.filter(DisplayName="Entrata Residents", qb=qb)
    check("customer found by DisplayName", len(customer) == 1)
    customer = customer[0]
    check("classes queried", len(Class.all(qb=qb)) >= 1)

    run = uuid.uuid4().hex[:8]
    entry = journal_entry(f"SDK-{run}", 1295.50, ar, income, customer)
    request_id = str(uuid.uuid4())
    saved = entry.save(qb=qb, request_id=request_id)
    check("balanced JournalEntry with A/R line and Customer created",
          saved.Id and saved.SyncToken == "0" and saved.TotalAmt == 1295.5 and saved.DocNumber == f"SDK-{run}")
    again = journal_entry(f"SDK-{run}", 1295.50, ar, income, customer).save(qb=qb, request_id=request_id)
    check("requestid replay returns the same entry", again.Id == saved.Id)

    read = JournalEntry.get(saved.Id, qb=qb_decimal)
    lines = read.Line
    check("read back with exact amounts (use_decimal)", read.TotalAmt == Decimal("1295.5")
          and lines[0].Amount == Decimal("1295.5") and lines[0].JournalEntryLineDetail.PostingType == "Debit"
          and lines[0].JournalEntryLineDetail.Entity.EntityRef.value == customer.Id
          and lines[0].JournalEntryLineDetail.AccountRef.name == ar.Name, read.to_json())

    found = JournalEntry.filter(DocNumber=f"SDK-{run}", qb=qb)
    check("queried by DocNumber", [e.Id for e in found] == [saved.Id])
    check("queried with LIKE", saved.Id in [e.Id for e in JournalEntry.where(f"PrivateNote LIKE '%{run}%'", qb=qb)])
    check("JournalEntry count", JournalEntry.count(f"DocNumber = 'SDK-{run}'", qb=qb) == 1)

    # Decimal amounts are sent as JSON strings by python-quickbooks' DecimalEncoder.
    exact = journal_entry(f"SDK-{run}-D", Decimal("0.10"), ar, income, customer)
    exact.Line.append(line("Debit", Decimal("0.20"), ar, customer))
    exact.Line[1].Amount = Decimal("0.30")
    exact = exact.save(qb=qb_decimal)
    check("Decimal amounts (sent as strings) balance exactly", exact.TotalAmt == Decimal("0.3"), exact.TotalAmt)

    # Update with the SyncToken, then a stale one.
    read = JournalEntry.get(saved.Id, qb=qb)
    read.PrivateNote = "updated by sdk-check"
    updated = read.save(qb=qb)
    check("updated with SyncToken", updated.SyncToken == "1" and updated.PrivateNote == "updated by sdk-check")
    try:
        read.save(qb=qb)
        check("stale SyncToken refused", False, "accepted")
    except QuickbooksException as e:
        # python-quickbooks maps codes 5000-5999 to its base QuickbooksException.
        check("stale SyncToken refused (Fault 5010 parsed)", e.error_code == 5010 and "Stale" in e.message,
              f"{type(e).__name__} {e.error_code}")

    # Faults parsed by python-quickbooks.
    try:
        journal_entry(f"SDK-{run}-U", 10, ar, income, customer, credit=9.99).save(qb=qb)
        check("unbalanced entry refused", False, "accepted")
    except QuickbooksException as e:
        check("unbalanced entry refused: Fault 6000 parsed", e.error_code == 6000 and "balance" in e.detail,
              f"{type(e).__name__} {e.error_code} {e.detail}")
    try:
        journal_entry(f"SDK-{run}-0123456789abcdef", 10, ar, income, customer).save(qb=qb)
        check("long DocNumber refused", False, "accepted")
    except ValidationException as e:
        check("DocNumber over 21 chars: Fault 2050 parsed as ValidationException", e.error_code == 2050, e.detail)

    # Batch: one success and one Fault.
    good = journal_entry(f"SDK-{run}-B1", 50, ar, income, customer)
    bad = journal_entry(f"SDK-{run}-B2", 50, ar, income, None)
    result = batch_create([good, bad], qb=qb)
    fault = result.faults[0] if result.faults else None
    check("batch: one success, one Fault", len(result.successes) == 1 and len(result.faults) == 1
          and result.successes[0].DocNumber == f"SDK-{run}-B1")
    check("batch Fault parsed (6000, A/R needs a customer)", fault is not None and fault.type == "ValidationFault"
          and fault.Error[0].code == "6000" and "Accounts Receivable" in fault.Error[0].Detail,
          fault and fault.Error)

    # Delete, then read: 610.
    since = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    updated.delete(qb=qb)
    try:
        JournalEntry.get(saved.Id, qb=qb)
        check("deleted entry gone", False, "still there")
    except ObjectNotFoundException as e:
        check("deleted entry gone (610, ObjectNotFoundException)", e.error_code == 610)

    cdc = change_data_capture([JournalEntry], since.strftime("%Y-%m-%dT%H:%M:%S") + "Z", qb=qb)
    changed = {e.Id: getattr(e, "status", None) for e in cdc.JournalEntry}
    check("CDC shows the deleted entry as Deleted", changed.get(saved.Id) == "Deleted", changed)

    # Revoke: the API answers 401 afterwards.
    auth.revoke(token=auth.refresh_token)
    try:
        JournalEntry.get(exact.Id, qb=qb)
        check("revoked tokens refused", False, "accepted")
    except AuthorizationException as e:
        check("revoked tokens refused (401, AuthorizationException)", e.error_code == 401)

    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
