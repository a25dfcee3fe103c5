// The day every origin is gone: the app shell comes from the service
// worker, and the status from what this device verified before.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Scenario, launchBrowser, readPage, waitForSeq, waitForRegionState, stopServer,
  expectedServices, shownServices,
} from './harness.mjs';
import { outage } from './fixtures.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

async function visit(context, url) {
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(url);
  return page;
}

test('served from two origins, then with every origin and region down the page still loads and shows the last verified status', async () => {
  const s = new Scenario();
  try {
    const feed = s.publish(outage());
    await s.start({ refreshSeconds: 2, timeoutMs: 1500 });
    const other = await s.startAnotherApp();
    assert.notEqual(other.urls.app, s.appUrl);

    // The same build works from a second origin, no origin baked in.
    const elsewhere = await browser.newContext();
    const page2 = await visit(elsewhere, other.urls.app);
    await waitForSeq(page2, feed.seq);
    assert.deepEqual(shownServices(await readPage(page2)), expectedServices(feed));
    await elsewhere.close();

    const context = await browser.newContext();
    const page = await visit(context, s.appUrl);
    await waitForSeq(page, feed.seq);
    const kept = await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      const cache = await caches.open('bongsu-shell-v1 /');
      return (await cache.keys()).map((r) => new URL(r.url).pathname);
    });
    for (const want of ['/', '/config.json']) assert.ok(kept.includes(want), `${want} is kept: ${kept}`);
    assert.ok(kept.some((p) => p.endsWith('.wasm')) && kept.some((p) => p.endsWith('.js')), `${kept}`);
    // The part fetched after the first status (src/later.rs) is kept too.
    assert.ok(kept.some((p) => /^\/later\/.*\.wasm$/.test(p)), `the later part is kept: ${kept}`);
    const laterServed = [];
    page.on('response', (r) => { if (r.url().includes('/later/')) laterServed.push(r.status()); });

    // Every origin goes: the app's own server and every region. And the
    // browser's HTTP cache, which a phone may have evicted: the files must
    // come from the worker's own.
    await stopServer(s.app);
    for (const id of s.regionIds) await stopServer(s.regions[id]);
    await (await context.newCDPSession(page)).send('Network.clearBrowserCache');
    await page.reload();
    await waitForSeq(page, feed.seq, 5000);
    const shown = await readPage(page);
    assert.deepEqual(shownServices(shown), expectedServices(feed));
    const banner = await page.$eval('[data-testid=banner]', (b) => ({ source: b.dataset.source, text: b.textContent }));
    assert.equal(banner.source, 'device');
    assert.match(banner.text, /saved on this device, signed .* ago/);
    for (const id of s.regionIds) await waitForRegionState(page, id, 'unreachable');
    // With every origin gone the later part still comes, from the worker.
    await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.includes('/later/')), null, { timeout: 5000 });
    assert.deepEqual(laterServed, [200], 'the later part, served offline');
    assert.deepEqual(page.errors, []);
    await context.close();
  } finally {
    await s.close();
  }
});

test('the partner widget, once seen, loads from its own worker and shows its saved status with its origin and every region down', async () => {
  const s = new Scenario();
  try {
    const feed = s.publish(outage());
    await s.start({ refreshSeconds: 2, timeoutMs: 1500 });
    const context = await browser.newContext();
    // The reader knows the status page too: the app's worker is installed
    // (scope /) before the widget's (scope /embed/), and must leave it alone.
    const app = await visit(context, s.appUrl);
    await waitForSeq(app, feed.seq);
    await app.evaluate(async () => { await navigator.serviceWorker.ready; });
    await app.close();
    const page = await visit(context, `${s.appUrl}embed/?mode=detailed&lang=en`);
    const widgetShows = (source) => page.waitForFunction(
      ([seq, source]) => {
        const meta = document.querySelector('[data-testid=widget-meta]');
        return meta?.dataset.seq === String(seq) && meta.dataset.source === source;
      },
      [feed.seq, source],
      { timeout: 15000 },
    );
    await widgetShows('region');
    const kept = await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      const cache = await caches.open('bongsu-shell-v1 /embed/');
      return (await cache.keys()).map((r) => new URL(r.url).pathname);
    });
    for (const want of ['/embed/', '/config.json']) assert.ok(kept.includes(want), `${want} is kept: ${kept}`);
    assert.ok(kept.some((p) => p.startsWith('/embed/') && p.endsWith('.wasm')), `${kept}`);
    const appKept = await page.evaluate(async () => {
      const cache = await caches.open('bongsu-shell-v1 /');
      return (await cache.keys()).map((r) => new URL(r.url).pathname);
    });
    assert.ok(appKept.includes('/') && !appKept.some((p) => p.startsWith('/embed/')), `the app's worker kept ${appKept}`);
    assert.ok(!kept.some((p) => p === '/' || p.endsWith('favicon.svg')), `the widget's worker kept ${kept}`);
    // The widget page is the widget, not the app's shell served in its place.
    assert.equal(await page.locator('[data-testid=widget-meta]').count(), 1);

    await stopServer(s.app);
    for (const id of s.regionIds) await stopServer(s.regions[id]);
    await page.reload();
    await widgetShows('device');
    const rows = await page.$$eval('[data-testid=widget-service]', (els) => els.map((el) => [el.dataset.service, el.dataset.status]));
    const worst = (cs) => cs.map((c) => c.status).reduce((a, b) => (RANK.indexOf(b) > RANK.indexOf(a) ? b : a));
    assert.deepEqual(rows, feed.services.map((sv) => [sv.id, worst(sv.components)]));
    assert.match(await page.textContent('[data-testid=widget-meta]'), /0 of 3 regions answered/);
    assert.deepEqual(page.errors, []);
    await context.close();
  } finally {
    await s.close();
  }
});

const RANK = ['operational', 'under_maintenance', 'degraded_performance', 'partial_outage', 'major_outage'];

test('opening the config, the icon or the worker itself in the tab never replaces the offline shell', async () => {
  const s = new Scenario();
  try {
    const feed = s.publish(outage());
    await s.start({ refreshSeconds: 2, timeoutMs: 1500 });
    const context = await browser.newContext();
    const page = await visit(context, s.appUrl);
    await waitForSeq(page, feed.seq);
    await page.evaluate(async () => { await navigator.serviceWorker.ready; });
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    // Links a reader may follow (the history's proof links do, where a
    // region shares the app's origin): each is a navigation in the
    // worker's scope that must pass through, not become "the page".
    for (const file of ['config.json', 'favicon.svg', 'sw.js']) {
      const response = await page.goto(`${s.appUrl}${file}`);
      assert.equal(response.status(), 200, file);
    }
    const cached = () => page.evaluate(async () => {
      const cache = await caches.open('bongsu-shell-v1 /');
      const keys = (await cache.keys()).map((r) => new URL(r.url).pathname);
      const index = await cache.match(new URL('/', location.href).href);
      return { keys, index: index ? (await index.text()).slice(0, 200) : null, type: index?.headers.get('content-type') };
    });
    const before = await cached();
    assert.ok(before.keys.some((p) => p.endsWith('.wasm')), `${before.keys}`);
    assert.match(before.type, /^text\/html/);
    assert.match(before.index, /<!DOCTYPE html>|<html/i);

    // Every origin goes; the reader opens the page again.
    await stopServer(s.app);
    for (const id of s.regionIds) await stopServer(s.regions[id]);
    await page.goto(s.appUrl);
    await waitForSeq(page, feed.seq, 5000);
    assert.deepEqual(shownServices(await readPage(page)), expectedServices(feed));
    const after = await cached();
    assert.ok(after.keys.some((p) => p.endsWith('.wasm')), `the wasm is still kept: ${after.keys}`);
    assert.deepEqual(page.errors, []);
    await context.close();
  } finally {
    await s.close();
  }
});
