// node-quickbooks against the QBO sandbox: node node-check.js http://127.0.0.1:PORT
// (npm install node-quickbooks axios in this folder first; not part of .ci/run).
const QuickBooks = require('node-quickbooks');
const axios = require('axios');
const base = process.argv[2];
QuickBooks.V3_ENDPOINT_BASE_URL = base + '/qbo/v3/company/';
QuickBooks.TOKEN_URL = base + '/qbo/oauth2/v1/tokens/bearer';
QuickBooks.REVOKE_URL = base + '/qbo/oauth2/v1/tokens/revoke';
const p = (f) => new Promise((res, rej) => f((err, data) => err ? rej(err) : res(data)));
let ok = 0, bad = 0;
const check = (name, cond, detail) => { if (cond) { ok++; console.log('ok   ' + name); } else { bad++; console.log('FAIL ' + name + ' ' + JSON.stringify(detail)); } };
(async () => {
  const auth = await axios.get(base + '/qbo/connect/oauth2?client_id=qbo-client&response_type=code&scope=com.intuit.quickbooks.accounting&redirect_uri=http://localhost/cb&state=s', { maxRedirects: 0, validateStatus: () => true });
  const loc = new URL(auth.headers.location);
  const tok = await axios.post(base + '/qbo/oauth2/v1/tokens/bearer', new URLSearchParams({ grant_type: 'authorization_code', code: loc.searchParams.get('code'), redirect_uri: 'http://localhost/cb' }).toString(), { auth: { username: 'qbo-client', password: 'qbo-secret' } });
  const realm = loc.searchParams.get('realmId');
  const qbo = new QuickBooks('qbo-client', 'qbo-secret', tok.data.access_token, false, realm, true, false, 75, '2.0', tok.data.refresh_token);
  const accounts = await p(cb => qbo.findAccounts({ AccountType: 'Accounts Receivable' }, cb));
  const ar = accounts.QueryResponse.Account[0];
  const income = (await p(cb => qbo.findAccounts({ Name: 'Rental Income' }, cb))).QueryResponse.Account[0];
  const cust = (await p(cb => qbo.findCustomers({ DisplayName: 'Entrata Residents' }, cb))).QueryResponse.Customer[0];
  check('findAccounts / findCustomers (lower-case entity names)', ar && income && cust);
  const je = { DocNumber: 'NODE-1', Line: [
    { Amount: 100.25, DetailType: 'JournalEntryLineDetail', JournalEntryLineDetail: { PostingType: 'Debit', AccountRef: { value: ar.Id }, Entity: { Type: 'Customer', EntityRef: { value: cust.Id } } } },
    { Amount: 100.25, DetailType: 'JournalEntryLineDetail', JournalEntryLineDetail: { PostingType: 'Credit', AccountRef: { value: income.Id } } } ], requestId: 'node-req-1' };
  const created = await p(cb => qbo.createJournalEntry(je, cb));
  check('createJournalEntry', created.Id && created.TotalAmt === 100.25, created);
  const read = await p(cb => qbo.getJournalEntry(created.Id, cb));
  check('getJournalEntry', read.Id === created.Id);
  const found = await p(cb => qbo.findJournalEntries({ DocNumber: 'NODE-1' }, cb));
  check('findJournalEntries', found.QueryResponse.JournalEntry.length === 1, found);
  const count = await p(cb => qbo.findJournalEntries({ count: true }, cb));
  check('findJournalEntries count', count.QueryResponse.totalCount === 1, count);
  read.PrivateNote = 'node update';
  const updated = await p(cb => qbo.updateJournalEntry(read, cb));
  check('updateJournalEntry (operation=update, whole entity)', updated.SyncToken === '1' && updated.PrivateNote === 'node update', updated);
  try { await p(cb => qbo.updateJournalEntry(read, cb)); check('stale update refused', false); } catch (e) { const body = e.response && e.response.data; check('stale update refused: HTTP 400, Fault 5010', e.response && e.response.status === 400 && body.Fault.Error[0].code === '5010', body); }
  const batch = await p(cb => qbo.batch([{ bId: 'b1', operation: 'create', JournalEntry: { ...je, DocNumber: 'NODE-2', requestId: undefined } }, { bId: 'b2', Query: "select * from JournalEntry where DocNumber = 'NODE-1'" }], cb));
  check('batch', batch.BatchItemResponse[0].JournalEntry && batch.BatchItemResponse[1].QueryResponse.JournalEntry.length === 1, batch);
  const cdc = await p(cb => qbo.changeDataCapture(['JournalEntry'], new Date(Date.now() - 3600e3), cb));
  check('changeDataCapture', cdc.CDCResponse[0].QueryResponse[0].JournalEntry.length >= 1, cdc);
  const del = await p(cb => qbo.deleteJournalEntry(created.Id, cb));
  check('deleteJournalEntry (reads, then posts the whole entity)', del.JournalEntry && del.JournalEntry.status === 'Deleted', del);
  const refreshed = await p(cb => qbo.refreshAccessToken(cb));
  check('refreshAccessToken rotates', refreshed.refresh_token && refreshed.refresh_token !== tok.data.refresh_token, refreshed);
  const rev = await p(cb => qbo.revokeAccess(true, cb));
  check('revokeAccess (form body)', rev === '' || rev === undefined || rev !== null, rev);
  try { await p(cb => qbo.getJournalEntry(updated.Id, cb)); check('401 after revoke', false); } catch (e) { check('401 after revoke', e.response && e.response.status === 401, e.message); }
  console.log(`${ok} passed, ${bad} failed`);
})().catch(e => { console.log('ERROR', e.message, e.response && e.response.data); process.exit(1); });
