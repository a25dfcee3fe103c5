// Regions that serve altered feeds: the page must reject them and never
// show their content.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  Scenario, launchBrowser, openPage, readPage, waitForSeq, waitForRegionState,
  expectedServices, shownServices,
} from './harness.mjs';
import { outage } from './fixtures.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/// Flips one byte so the copy claims seq 42 instead of 41: if accepted it would look newer.
function flipSeqDigit(file) {
  const bytes = readFileSync(file);
  const at = bytes.indexOf(Buffer.from('"seq":41,'));
  assert.ok(at > 0, 'the feed has "seq":41');
  bytes[at + 7] = '2'.charCodeAt(0);
  writeFileSync(file, bytes);
}

test('a region serving a feed with one flipped byte is invalid and its content is not shown', async () => {
  const s = new Scenario();
  try {
    const feed = s.publish(outage(), { seq: 41 });
    flipSeqDigit(s.feedFile('tokyo'));
    await s.start();
    const page = await openPage(browser, s.appUrl);
    await waitForRegionState(page, 'tokyo', 'invalid');
    await waitForSeq(page, 41);
    await waitForRegionState(page, 'seoul', 'valid');

    const shown = await readPage(page);
    assert.equal(shown.seq, '41', 'the forged seq 42 is never shown');
    assert.deepEqual(shownServices(shown), expectedServices(feed));
    assert.match(shown.regions.tokyo.text, /signature/i);
    assert.deepEqual(page.errors, []);
  } finally {
    await s.close();
  }
});

test('a forged status in an otherwise valid copy is rejected', async () => {
  const s = new Scenario();
  try {
    const feed = s.publish(outage());
    const file = s.feedFile('seoul');
    const forged = readFileSync(file, 'utf8').replace('"status":"major_outage"', '"status":"operational"');
    assert.notEqual(forged, readFileSync(file, 'utf8'));
    writeFileSync(file, forged);
    await s.start();
    const page = await openPage(browser, s.appUrl);
    await waitForRegionState(page, 'seoul', 'invalid');
    await waitForRegionState(page, 'busan', 'valid');
    const shown = await readPage(page);
    assert.equal(shown.services[0].components[0].status, 'major_outage');
    assert.deepEqual(shownServices(shown), expectedServices(feed));
  } finally {
    await s.close();
  }
});

test('when the only answering region serves a forged feed, nothing from it is shown', async () => {
  const s = new Scenario(['seoul']);
  try {
    s.publish(outage(), { seq: 41 });
    flipSeqDigit(s.feedFile('seoul'));
    await s.start();
    const page = await openPage(browser, s.appUrl);
    await waitForRegionState(page, 'seoul', 'invalid');
    const shown = await readPage(page);
    assert.equal(shown.banner, 'unknown');
    assert.equal(shown.seq, undefined);
    assert.deepEqual(shown.services, []);
    assert.deepEqual(shown.incidents, []);
    assert.ok(!(await page.textContent('body')).includes('KakaoTalk'), 'no feed text reaches the page');
  } finally {
    await s.close();
  }
});

test('feed text is rendered as text, never as HTML', async () => {
  const s = new Scenario(['seoul']);
  try {
    const status = outage();
    const evil = '<img src=x onerror="window.__xss=1"><b>bold</b>';
    status.services[0].components[0].name = evil;
    status.incidents[0].updates[0].message = evil;
    const feed = s.publish(status);
    await s.start();
    const page = await openPage(browser, s.appUrl);
    await waitForSeq(page, feed.seq);
    await page.waitForTimeout(300); // let an injected image's error handler run, if there were one
    const found = await page.evaluate(() => ({
      xss: window.__xss,
      injected: document.querySelectorAll('main img, main b').length,
      text: document.querySelector('main').textContent,
    }));
    assert.equal(found.xss, undefined);
    assert.equal(found.injected, 0);
    assert.ok(found.text.split(evil).length >= 3, 'the markup is shown literally in the component and the incident');
  } finally {
    await s.close();
  }
});
