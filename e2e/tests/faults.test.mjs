// The fault matrix: every fault mode `bongsu serve` can inject, applied at
// run time to one region of a page that is already showing the status, and
// to the primary (first) region of a page opened cold. Each time the page
// must show exactly the genuine status from the healthy regions, name the
// faulty region's problem, and never show forged content (every forged feed
// has its statuses flipped, so any leak would change what is shown).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  Scenario, launchBrowser, ensureScreenshotDir, openPage, readPage, waitForSeq, waitForRegionState,
  expectedServices, shownServices,
} from './harness.mjs';
import { outage } from './fixtures.mjs';

const TIMEOUT_MS = 1500;

/// mode → [region state, what the region line must say]
const MATRIX = {
  down: ['unreachable', /connection failed/],
  blackhole: ['unreachable', new RegExp(`no answer within ${TIMEOUT_MS} ms`)],
  slow: ['unreachable', new RegExp(`no answer within ${TIMEOUT_MS} ms`)],
  stale: ['behind', /older copy/],
  expired: ['expired', /expired copy/],
  'bad-sig': ['invalid', /does not match/],
  'unknown-key': ['invalid', /no trusted key signed/],
  'revoked-key': ['invalid', /revoked/],
  equivocating: ['conflicting', /different copy with the same number/],
  malformed: ['invalid', /not a signed note|not a valid feed/],
  oversized: ['invalid', /over the 262144-byte limit/],
  'wrong-content-type': ['invalid', /text\/html/],
};

let browser;
let s;
let feed;
/// A region left faulty by a failed test is healed before the next one.
let healOnFailure = null;
before(async () => {
  browser = await launchBrowser();
  s = new Scenario();
  s.publish(outage());
  feed = s.publish(outage()); // seq 2, so a stale copy (seq 1) exists
  await s.start({ refreshSeconds: 2, timeoutMs: TIMEOUT_MS });
});
after(async () => {
  await s?.close();
  await browser?.close();
});

async function heal() {
  if (healOnFailure) await s.setFault(healOnFailure, 'healthy');
  healOnFailure = null;
}

async function assertGenuine(page, context) {
  const shown = await readPage(page);
  assert.equal(shown.seq, String(feed.seq), `${context}: the genuine seq is shown`);
  assert.deepEqual(shownServices(shown), expectedServices(feed), `${context}: the genuine statuses are shown`);
  assert.equal(shown.banner, 'major_outage', `${context}: the banner`);
  return shown;
}

test('every fault on one region of a page already showing the status', async () => {
  const page = await openPage(browser, s.appUrl);
  await waitForSeq(page, feed.seq);
  for (const id of s.regionIds) await waitForRegionState(page, id, 'valid');
  for (const [mode, [state, reason]] of Object.entries(MATRIX)) {
    await s.setFault('busan', mode);
    healOnFailure = 'busan';
    await page.click('[data-testid=refresh]');
    await waitForRegionState(page, 'busan', state, 8000).catch(async (e) => {
      throw new Error(`${mode}: ${e.message}\n${JSON.stringify((await readPage(page)).regions.busan)}`);
    });
    const shown = await assertGenuine(page, mode);
    assert.match(shown.regions.busan.text, reason, `${mode}: the reason`);
    assert.equal(shown.regions.seoul.state, 'valid', `${mode}: seoul unaffected`);
    if (mode === 'equivocating') {
      // What a reader sees when a region serves a second signed version.
      await page.screenshot({ path: path.join(ensureScreenshotDir(), 'fault-equivocating-1280.png'), fullPage: true });
    }
    await s.setFault('busan', 'healthy');
    healOnFailure = null;
    await page.click('[data-testid=refresh]');
    await waitForRegionState(page, 'busan', 'valid', 8000);
  }
  // The equivocation left proof behind: both signed copies, downloadable.
  const evidence = await page.evaluate(() => ({
    items: document.querySelectorAll('[data-testid=evidence-item]').length,
    href: document.querySelector('[data-testid=evidence-download]')?.getAttribute('href') ?? '',
  }));
  assert.equal(evidence.items, 1);
  const proof = JSON.parse(decodeURIComponent(evidence.href.split(',').slice(1).join(',')));
  assert.equal(proof.kind, 'bongsu-equivocation-evidence/v1');
  assert.equal(proof.seq, feed.seq);
  assert.equal(proof.notes.length, 2);
  assert.notEqual(proof.notes[0], proof.notes[1]);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('every fault on the primary region of a page opened cold', async () => {
  await heal();
  for (const [mode, [state, reason]] of Object.entries(MATRIX)) {
    await s.setFault('seoul', mode);
    healOnFailure = 'seoul';
    const page = await openPage(browser, s.appUrl); // a fresh profile: nothing remembered
    try {
      await waitForSeq(page, feed.seq, 8000);
      await waitForRegionState(page, 'seoul', state, 8000).catch(async (e) => {
        throw new Error(`${mode}: ${e.message}\n${JSON.stringify((await readPage(page)).regions.seoul)}`);
      });
      const shown = await assertGenuine(page, `primary ${mode}`);
      assert.match(shown.regions.seoul.text, reason, `primary ${mode}: the reason`);
      assert.deepEqual(page.errors, []);
    } finally {
      await page.context().close();
    }
  }
  await s.setFault('seoul', 'healthy');
});

/// Loads of the Ed25519 fallback verifier (public/sw.js, js/ed25519.js) by a page's context.
function fallbackLoads(context) {
  const loads = [];
  context.on('request', (request) => {
    if (new URL(request.url()).pathname.endsWith('/fallback/ed25519.js')) loads.push(request.url());
  });
  return loads;
}

test('a browser without WebCrypto Ed25519 verifies with the fallback, and still refuses forgeries', async () => {
  await heal();
  // A current browser checks with its own Ed25519 and never loads the fallback.
  const modern = await openPage(browser, 'about:blank');
  const modernLoads = fallbackLoads(modern.context());
  await modern.goto(s.appUrl);
  await waitForSeq(modern, feed.seq);
  for (const id of s.regionIds) await waitForRegionState(modern, id, 'valid');
  assert.deepEqual(modernLoads, [], 'no fallback where WebCrypto has Ed25519');
  await modern.context().close();

  // Chrome before 137, Safari before 17: WebCrypto does not know Ed25519.
  const page = await openPage(browser, 'about:blank');
  await page.context().addInitScript(() => {
    const subtle = globalThis.crypto.subtle;
    const importKey = subtle.importKey.bind(subtle);
    subtle.importKey = (format, key, algorithm, ...rest) =>
      String(algorithm?.name ?? algorithm).toLowerCase() === 'ed25519'
        ? Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError'))
        : importKey(format, key, algorithm, ...rest);
  });
  const loads = fallbackLoads(page.context());
  await page.goto(s.appUrl);
  try {
    await waitForSeq(page, feed.seq, 8000);
    for (const id of s.regionIds) await waitForRegionState(page, id, 'valid');
    await assertGenuine(page, 'fallback');
    // (Counted by the page and, when it controls the page, the worker too.)
    assert.ok(loads.length > 0, 'the fallback verifier was loaded');
    for (const mode of ['bad-sig', 'unknown-key', 'revoked-key']) {
      const [state, reason] = MATRIX[mode];
      await s.setFault('busan', mode);
      healOnFailure = 'busan';
      await page.click('[data-testid=refresh]');
      await waitForRegionState(page, 'busan', state, 8000);
      const shown = await assertGenuine(page, `fallback ${mode}`);
      assert.match(shown.regions.busan.text, reason, `fallback ${mode}: the reason`);
      // Healthy again between modes, so each verdict is a fresh one.
      await s.setFault('busan', 'healthy');
      await page.click('[data-testid=refresh]');
      await waitForRegionState(page, 'busan', 'valid', 8000);
    }
    await heal();
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});
