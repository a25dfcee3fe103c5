// Key rotation without touching the app or its config: the page pins only
// the root key and follows the root-signed key chain the regions publish.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import {
  Scenario, launchBrowser, openPage, readPage, waitForSeq, waitForRegionState,
  expectedServices, shownServices,
} from './harness.mjs';
import { outage } from './fixtures.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

function recovered() {
  const status = outage();
  for (const service of status.services) for (const c of service.components) c.status = 'operational';
  status.incidents = [];
  return status;
}

test('rotating the status key: the new key is trusted at once and the old one is revoked everywhere', async () => {
  const s = new Scenario();
  try {
    const first = s.publish(outage());
    await s.start();
    const page = await openPage(browser, s.appUrl);
    await waitForSeq(page, first.seq);

    // The operator rotates: key set v2 names a new status key and revokes
    // the old one. Seoul and Busan get it; Tokyo is compromised: it keeps
    // the old chain and serves a newer-looking feed signed by the old key.
    const newKey = s.keygen('status-2026', 'status.e2e.test');
    s.publishKeys({ status: [newKey], revoked: [s.retiredKey, s.key], regions: ['seoul', 'busan'] });
    const second = s.publish(recovered(), { key: newKey, regions: ['seoul', 'busan'] });
    s.publish(outage(), { key: s.key, regions: ['tokyo'], seq: second.seq + 5 });

    await waitForSeq(page, second.seq);
    await waitForRegionState(page, 'tokyo', 'invalid');
    let shown = await readPage(page);
    assert.deepEqual(shownServices(shown), expectedServices(second));
    assert.match(shown.regions.tokyo.text, /revoked/);

    // A reload remembers key set v2: Tokyo's old chain cannot roll it back.
    await page.reload();
    await waitForSeq(page, second.seq);
    await waitForRegionState(page, 'tokyo', 'invalid');
    shown = await readPage(page);
    assert.equal(shown.seq, String(second.seq));
    assert.match(shown.regions.tokyo.text, /revoked/);

    // A cold page that reaches Tokyo first still ends on the genuine feed.
    const cold = await openPage(browser, s.appUrl);
    await waitForSeq(cold, second.seq);
    await waitForRegionState(cold, 'tokyo', 'invalid');
    assert.deepEqual(shownServices(await readPage(cold)), expectedServices(second));
    assert.deepEqual([...page.errors, ...cold.errors], []);
    await cold.context().close();
  } finally {
    await s.close();
  }
});

test('rotating the root: the old root and the new one sign the hand-over, and the pinned old root follows it', async () => {
  const s = new Scenario();
  try {
    const first = s.publish(outage());
    await s.start();
    const page = await openPage(browser, s.appUrl);
    await waitForSeq(page, first.seq);

    // v2 hands the root over from the pinned root to a new one (both sign);
    // v3 is signed by the new root alone and brings a new status key. The
    // app's config still pins only the old root.
    const newRoot = s.keygen('root-2027', 'root.e2e.test');
    s.publishKeys({ root: [newRoot], status: [s.key], revoked: [s.retiredKey], signers: [s.rootKey, newRoot] });
    const newKey = s.keygen('status-2027', 'status.e2e.test');
    s.publishKeys({ root: [newRoot], status: [newKey], revoked: [s.retiredKey, s.key], signers: [newRoot] });
    const second = s.publish(recovered(), { key: newKey });

    await waitForSeq(page, second.seq);
    for (const id of s.regionIds) await waitForRegionState(page, id, 'valid');
    assert.deepEqual(shownServices(await readPage(page)), expectedServices(second));

    // A cold page walks the whole chain from the pinned root too.
    const cold = await openPage(browser, s.appUrl);
    await waitForSeq(cold, second.seq);
    assert.deepEqual(shownServices(await readPage(cold)), expectedServices(second));

    // A region whose chain skips the hand-over (v3 without v2) is distrusted,
    // and the others still carry the page.
    const chain = JSON.parse((await import('node:fs')).readFileSync(s.keysFile('tokyo'), 'utf8'));
    chain.key_sets.splice(1, 1);
    (await import('node:fs')).writeFileSync(s.keysFile('tokyo'), JSON.stringify(chain));
    const fresh = await openPage(browser, s.appUrl);
    await waitForSeq(fresh, second.seq);
    await waitForRegionState(fresh, 'tokyo', 'invalid');
    assert.match((await readPage(fresh)).regions.tokyo.text, /key chain/);
    assert.deepEqual([...page.errors, ...cold.errors, ...fresh.errors], []);
    await cold.context().close();
    await fresh.context().close();
    copyFileSync(s.keysFile('seoul'), s.keysFile('tokyo'));
  } finally {
    await s.close();
  }
});
