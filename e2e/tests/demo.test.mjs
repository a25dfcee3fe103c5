// The README's demo as a reader sees it: `bongsu demo` itself, on free ports.
// Screenshots go to e2e/screenshots/; UPDATE_README_SCREENSHOT=1 also
// refreshes docs/screenshot.png, the README's picture.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DIST, repo, admin, launchBrowser, openPage, readPage, startServer, stopServer,
  waitForRegionState, ensureScreenshotDir, readFeed, expectedServices, shownServices, freeBase, isFree,
} from './harness.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

test('the demo serves the Kakao replay, verified from three regions', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bongsu-demo-'));
  const port = await freeBase();
  const demo = await startServer(['demo', '--dir', dir, '--app', DIST, '--port', String(port)]);
  try {
    const page = await openPage(browser, demo.urls.app);
    for (const id of ['seoul', 'busan', 'tokyo']) await waitForRegionState(page, id, 'valid');
    const feed = readFeed(path.join(dir, 'regions/seoul/feed.note'));
    const shown = await readPage(page);
    assert.deepEqual(shownServices(shown), expectedServices(feed));
    assert.equal(shown.banner, 'major_outage');
    assert.ok(shown.services.some((s) => s.id === 'kakaotalk'));

    await page.screenshot({ path: path.join(ensureScreenshotDir(), 'desktop-1280.png'), fullPage: true });
    if (process.env.UPDATE_README_SCREENSHOT === '1') {
      await page.screenshot({ path: path.join(repo, 'docs/screenshot.png'), fullPage: true });
    }

    const phone = await openPage(browser, demo.urls.app, { width: 360, height: 780 });
    await waitForRegionState(phone, 'seoul', 'valid');
    await phone.screenshot({ path: path.join(ensureScreenshotDir(), 'mobile-360.png'), fullPage: true });
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `no horizontal scrolling at 360 px (page is ${width} px wide)`);
    assert.deepEqual([...page.errors, ...phone.errors], []);

    // The README's way to break a region, and to repair it.
    const fault = (mode) => admin(demo, 'regions/seoul/fault', mode);
    assert.equal((await fault('down')).status, 200);
    await page.click('[data-testid=refresh]');
    await waitForRegionState(page, 'seoul', 'unreachable');
    assert.equal((await readPage(page)).banner, 'major_outage', 'the other regions still carry the page');
    await fault('healthy');
    await page.click('[data-testid=refresh]');
    await waitForRegionState(page, 'seoul', 'valid');
  } finally {
    await stopServer(demo);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the README's way to break a demo service: the probes see it and the page says so", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bongsu-demo-'));
  const port = await freeBase();
  const demo = await startServer(['demo', '--dir', dir, '--app', DIST, '--port', String(port)]);
  const measured = (page) => page.evaluate(() => document.querySelector(
    '[data-testid=service][data-service-id=kakaotalk] [data-testid=measured]')?.dataset.state);
  // The demo polls every 15 s; the refresh button asks at once, as a reader may.
  const until = async (page, want, timeoutMs) => {
    const end = Date.now() + timeoutMs;
    while ((await measured(page)) !== want) {
      if (Date.now() > end) throw new Error(`kakaotalk measured ${await measured(page)}, not ${want}, after ${timeoutMs} ms`);
      await page.click('[data-testid=refresh]');
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  try {
    const page = await openPage(browser, demo.urls.app);
    await waitForRegionState(page, 'seoul', 'valid');
    // At 17:00 KST on 15 October 2022 KakaoTalk is down, and so is its stand-in.
    await until(page, 'down', 20000);
    // The fire's end: every service recovers, and the probes start over.
    assert.equal((await admin(demo, 'replay', 'end')).status, 200);
    await until(page, 'up', 30000);
    assert.equal(await page.locator('[data-testid=disagreements]').count(), 0, 'the replay\'s recovery is no disagreement');
    const broken = await admin(demo, 'services/kakaotalk/fault', 'break');
    assert.equal(broken.status, 200);
    const brokeAt = Date.now();
    await until(page, 'down', 15000);
    // One probe interval (5 s, give or take 10 %) and a poll.
    assert.ok(Date.now() - brokeAt < 9000, `the page showed it after ${Date.now() - brokeAt} ms`);
    await admin(demo, 'services/kakaotalk/fault', 'repair');
    assert.deepEqual(page.errors, []);
  } finally {
    await stopServer(demo);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('`demo --stores`: the app and the regions on S3 and Azure Blob servers, every change carried there', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bongsu-demo-'));
  const port = await freeBase();
  const demo = await startServer(['demo', '--dir', dir, '--app', DIST, '--port', String(port), '--stores', '--emulators', repo], 90000);
  try {
    const appUrl = demo.urls['app-bucket'];
    assert.match(appUrl, new RegExp(`^http://127\\.0\\.0\\.1:${port + 22}/app/index\\.html$`));
    const page = await openPage(browser, appUrl);
    for (const id of ['seoul', 'busan', 'tokyo']) await waitForRegionState(page, id, 'valid', 20000);
    const names = await page.evaluate(() => [...document.querySelectorAll('[data-testid=region]')].map((r) => r.textContent).join(' '));
    assert.match(names, /Tokyo \(Azure Blob\)/, 'the page names the store behind each region');
    let feed = readFeed(path.join(dir, 'regions/seoul/feed.note'));
    assert.deepEqual(shownServices(await readPage(page)), expectedServices(feed));

    // The fire's next moment is logged, re-signed within a second, and
    // carried to every store.
    assert.equal((await admin(demo, 'replay', 'next')).status, 200);
    const signedBy = Date.now() + 10000;
    let signed = feed;
    while (signed.seq === feed.seq) {
      if (Date.now() > signedBy) throw new Error('the demo did not re-sign after the replay step');
      await new Promise((r) => setTimeout(r, 200));
      signed = readFeed(path.join(dir, 'regions/seoul/feed.note'));
    }
    feed = signed;
    const end = Date.now() + 20000;
    while (String((await readPage(page)).seq) !== String(feed.seq)) {
      if (Date.now() > end) throw new Error(`the page still shows seq ${(await readPage(page)).seq}, not ${feed.seq}`);
      await page.click('[data-testid=refresh]');
      await new Promise((r) => setTimeout(r, 1000));
    }
    for (const id of ['seoul', 'busan', 'tokyo']) await waitForRegionState(page, id, 'valid', 20000);
    assert.deepEqual(shownServices(await readPage(page)), expectedServices(feed));
    assert.deepEqual(page.errors, []);
  } finally {
    await stopServer(demo);
    rmSync(dir, { recursive: true, force: true });
  }
  // The storage servers went with the demo.
  const end = Date.now() + 10000;
  while (!(await isFree(port + 22)) || !(await isFree(port + 23))) {
    if (Date.now() > end) throw new Error('the storage servers outlived the demo');
    await new Promise((r) => setTimeout(r, 200));
  }
});
