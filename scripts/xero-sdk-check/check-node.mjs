// Points Xero's own Node SDK (xero-node, from npm) at the sandbox's Xero service: the accounting
// calls a connector makes, parsed by the SDK. Tokens come from the sandbox's token endpoint
// (xero-node's own token calls are fixed to identity.xero.com).
//
// Usage: node check-node.mjs http://127.0.0.1:PORT   (with xero-node installed beside it or in
// NODE_PATH; see run.sh). Exit status 0 when every check passes.
import { createRequire } from 'node:module';

const require = createRequire(process.env.XERO_NODE_DIR ? `${process.env.XERO_NODE_DIR}/package.json` : import.meta.url);
const { XeroClient } = require('xero-node');

const base = (process.argv[2] || 'http://127.0.0.1:8080').replace(/\/$/, '');
const failures = [];
function check(name, ok, detail) {
  console.log(`${ok ? 'ok  ' : 'FAIL'}  ${name}${!ok && detail !== undefined ? `  (${JSON.stringify(detail)})` : ''}`);
  if (!ok) failures.push(name);
}
/** xero-node rejects with a JSON string holding {response: {statusCode, body, headers}}. */
function rejection(error) {
  return typeof error === 'string' ? JSON.parse(error) : error;
}

const form = new URLSearchParams({ grant_type: 'client_credentials' });
const auth = Buffer.from('xero-client:xero-secret').toString('base64');
const tokenResponse = await fetch(`${base}/xero/identity/connect/token`, {
  method: 'POST', headers: { Authorization: `Basic ${auth}`, 'Content-Type': 'application/x-www-form-urlencoded' }, body: form,
});
const token = await tokenResponse.json();
check('custom connection token', tokenResponse.status === 200 && !!token.access_token, token);

const xero = new XeroClient();
xero.setTokenSet(token);
xero.accountingApi.basePath = `${base}/xero/api.xro/2.0`;
const connections = await (await fetch(`${base}/xero/connections`, { headers: { Authorization: `Bearer ${token.access_token}` } })).json();
const tenant = connections[0].tenantId;

const org = (await xero.accountingApi.getOrganisations(tenant)).body.organisations[0];
check('organisation', org.organisationID === tenant, org);
const banks = (await xero.accountingApi.getAccounts(tenant, undefined, 'Type=="BANK"')).body.accounts;
check('bank accounts', banks.map((a) => a.code).sort().join() === '1010,1020', banks);
const option = (await xero.accountingApi.getTrackingCategories(tenant)).body.trackingCategories[0].options[0].name;
const contact = (await xero.accountingApi.getContacts(tenant)).body.contacts[0];

const tracking = [{ name: 'Property', option }];
const good = {
  narration: 'Entrata P002 2026-01-31 [ent:node-check]', date: '2026-01-31', status: 'POSTED', lineAmountTypes: 'NoTax',
  journalLines: [
    { lineAmount: 250.75, accountCode: '1210', description: 'Rent charges', tracking },
    { lineAmount: -250.75, accountCode: '4000', description: 'Rent income', tracking },
  ],
};
const bad = { narration: 'unbalanced', date: '2026-01-31', journalLines: [{ lineAmount: 10, accountCode: '1210' }, { lineAmount: -9, accountCode: '4000' }] };
const before = new Date(Date.now() - 60_000);
const created = (await xero.accountingApi.createManualJournals(tenant, { manualJournals: [good, bad] }, false, 'node-check-1')).body.manualJournals;
check('journals with summarizeErrors=false', created[0].statusAttributeString === 'OK' && created[1].statusAttributeString === 'ERROR', created);
check('validation message', created[1].validationErrors[0].message === 'The total debits (10.00) must equal total credits (-9.00)', created[1]);
check('date parsed', created[0].date instanceof Date && created[0].date.toISOString() === '2026-01-31T00:00:00.000Z', created[0].date);
check('amounts', created[0].journalLines[0].lineAmount === 250.75, created[0].journalLines[0]);
const id = created[0].manualJournalID;
const listed = (await xero.accountingApi.getManualJournals(tenant, before, 'Status=="POSTED"', undefined, 1)).body;
check('list with ifModifiedSince, where, page', listed.manualJournals.some((j) => j.manualJournalID === id && j.journalLines.length === 2), listed.pagination);

const bank = (await xero.accountingApi.createBankTransactions(tenant, {
  bankTransactions: [{ type: 'RECEIVE', contact: { contactID: contact.contactID }, bankAccount: { code: '1010' }, date: '2026-02-02',
    lineItems: [{ description: 'Deposit', quantity: 1, unitAmount: 99.5, accountCode: '1210' }] }],
}, false)).body.bankTransactions[0];
check('bank transaction', bank.statusAttributeString === 'OK' && bank.total === 99.5, bank);

try {
  await xero.accountingApi.createManualJournals(tenant, { manualJournals: [bad] });
  check('validation exception', false);
} catch (error) {
  const { response } = rejection(error);
  check('validation exception', response.statusCode === 400 && response.body.Elements[0].ValidationErrors[0].Message.startsWith('The total debits'), response.body);
}

let limited;
for (let i = 0; i < 70 && !limited; i += 1) {
  try {
    await xero.accountingApi.updateOrCreateManualJournals(tenant, { manualJournals: [bad] }, false);
  } catch (error) {
    limited = rejection(error).response;
  }
}
check('429 with headers', limited && limited.statusCode === 429 && limited.headers['x-rate-limit-problem'] === 'minute' && Number(limited.headers['retry-after']) >= 1, limited && limited.headers);

console.log(failures.length ? `\n${failures.length} failed` : '\nall checks passed');
process.exit(failures.length ? 1 : 0);
