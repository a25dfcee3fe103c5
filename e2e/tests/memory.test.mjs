// What the page remembers on this device: the last verified feed is shown
// at once on the next visit, and no region can roll the page back after a
// reload.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  Scenario, launchBrowser, readPage, waitForSeq, waitForRegionState, stopServer,
  expectedServices, shownServices,
} from './harness.mjs';
import { outage } from './fixtures.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/// One browser profile for the whole test, so localStorage survives reloads.
async function visit(url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(url);
  return page;
}

test('with every region down, a reload shows the last verified status at once, marked as from this device', async () => {
  const s = new Scenario();
  try {
    const feed = s.publish(outage());
    await s.start({ refreshSeconds: 2, timeoutMs: 1500 });
    const page = await visit(s.appUrl);
    await waitForSeq(page, feed.seq);
    await waitForRegionState(page, 'seoul', 'valid');

    for (const id of s.regionIds) await stopServer(s.regions[id]);
    await page.reload();
    // Before any region could have answered (they are all down), the remembered copy is on screen.
    await waitForSeq(page, feed.seq, 3000);
    const banner = page.locator('[data-testid=banner]');
    assert.equal(await banner.getAttribute('data-source'), 'device');
    assert.match(await banner.textContent(), /saved on this device, signed \d+ s ago/);

    for (const id of s.regionIds) await waitForRegionState(page, id, 'unreachable');
    const shown = await readPage(page);
    assert.deepEqual(shownServices(shown), expectedServices(feed));
    assert.equal(shown.banner, 'major_outage');
    assert.equal(await banner.getAttribute('data-source'), 'device');
    assert.deepEqual(page.errors, []);
  } finally {
    await s.close();
  }
});

test('after seeing seq N, a reload never shows an older validly signed feed', async () => {
  const s = new Scenario();
  try {
    const older = s.publish(outage());
    const olderBytes = readFileSync(s.feedFile('seoul'));
    const recovered = outage();
    recovered.services[0].components[0].status = 'operational';
    const newer = s.publish(recovered);
    assert.equal(newer.seq, older.seq + 1);

    await s.start({ refreshSeconds: 2, timeoutMs: 1500 });
    const page = await visit(s.appUrl);
    await waitForSeq(page, newer.seq);

    // Every region now serves the older, genuinely signed copy: a replay.
    for (const id of s.regionIds) writeFileSync(s.feedFile(id), olderBytes);
    await page.reload();
    for (const id of s.regionIds) await waitForRegionState(page, id, 'behind');

    const shown = await readPage(page);
    assert.equal(shown.seq, String(newer.seq));
    assert.deepEqual(shownServices(shown), expectedServices(newer));
    assert.match(shown.regions.seoul.text, new RegExp(`older copy \\(#${older.seq}\\)`));
    assert.deepEqual(page.errors, []);
  } finally {
    await s.close();
  }
});
