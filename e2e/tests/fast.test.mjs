// What makes the page fast on a phone's network (issue 22), checked as
// behaviour rather than timed: a first visit asks for each thing once, the
// regions' first answers are asked before the app's code has arrived, and
// a returning reader sees the page this device last showed before the
// app's code has started. The timings themselves are e2e/bench/network.mjs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  Scenario, launchBrowser, waitForSeq, expectedServices, worstStatus, ensureScreenshotDir,
} from './harness.mjs';
import { outage } from './fixtures.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const fromRegion = (page) => page.waitForFunction(
  () => document.querySelector('body > .page [data-testid=banner]')?.dataset.source === 'region', null, { timeout: 15000 });

test('a first visit asks each region once for its key chain, its feed and its probe, and starts before the code has arrived', async () => {
  const s = new Scenario();
  try {
    const feed = s.publish(outage());
    // One poll in this test's life: every request counted is the first's.
    await s.start({ refreshSeconds: 120, timeoutMs: 4000 });
    const context = await browser.newContext();
    const page = await context.newPage();
    const asked = [];
    page.on('request', (r) => asked.push({ url: r.url(), at: Date.now() }));
    const codeIn = [];
    page.on('requestfinished', (r) => { if (r.url().endsWith('_bg.wasm')) codeIn.push(Date.now()); });
    await page.goto(s.appUrl);
    await waitForSeq(page, feed.seq);
    await fromRegion(page);
    // Whatever the page asks once the keys are in (the probes, the log's
    // checkpoints) has had time to go out.
    await page.waitForTimeout(1500);
    const count = (suffix) => asked.filter((r) => r.url.endsWith(suffix)).length;
    assert.equal(count('/config.json'), 1, 'config.json is asked once');
    for (const id of s.regionIds) {
      for (const file of ['keys.json', 'feed.note', 'probe.note', 'log/checkpoint']) {
        const n = asked.filter((r) => r.url.startsWith(s.regions[id].urls[id]) && r.url.endsWith(`/${file}`)).length;
        assert.ok(n <= 1, `${id}/${file} asked ${n} times`);
        if (file === 'keys.json' || file === 'feed.note') assert.equal(n, 1, `${id}/${file} asked ${n} times`);
      }
    }
    // The stylesheets are in the page: no request, no waiting on one.
    assert.equal(asked.filter((r) => r.url.endsWith('.css')).length, 0, 'no stylesheet requested');
    // The page's early script asked the regions before the code arrived.
    assert.equal(codeIn.length, 1, 'the wasm is fetched once');
    const firstFeed = Math.min(...asked.filter((r) => r.url.endsWith('/feed.note')).map((r) => r.at));
    assert.ok(firstFeed < codeIn[0], `a feed was asked ${firstFeed - codeIn[0]} ms after the code arrived`);
    await context.close();
  } finally {
    await s.close();
  }
});

test('a returning reader sees the page this device last showed, in their language, before the app starts; the app takes it away', async () => {
  const s = new Scenario();
  try {
    const feed = s.publish(outage());
    await s.start({ refreshSeconds: 2, timeoutMs: 1500 });
    const context = await browser.newContext({ viewport: { width: 360, height: 780 } });
    const page = await context.newPage();
    await page.goto(s.appUrl);
    await waitForSeq(page, feed.seq);
    await fromRegion(page);
    await page.click('[data-testid=language-switch]');
    await page.waitForFunction(() => document.documentElement.lang === 'ko');
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForFunction(() => (localStorage.getItem('bongsu-snapshot /') ?? '').includes('lang="ko"'), null, { timeout: 5000 });
    const kept = await page.evaluate(() => localStorage.getItem('bongsu-snapshot /'));
    // The picture leaves out this moment's network and refers to nothing.
    assert.doesNotMatch(kept, /data-testid|\sid="|class="regions"|class="feed-meta"|<footer|<script/);
    await page.close();

    // Back again: the picture is up before the app's code has started,
    // and gone once the app shows its own status.
    const again = await context.newPage();
    await again.addInitScript(() => {
      new MutationObserver(() => {
        if (document.getElementById('bongsu-snapshot')) window.__snapshotAt ??= performance.now();
      }).observe(document, { childList: true, subtree: true });
      addEventListener('TrunkApplicationStarted', () => { window.__startedAt = performance.now(); });
    });
    await again.goto(s.appUrl);
    await fromRegion(again);
    const returned = await again.evaluate(() => ({
      shownBeforeStart: window.__snapshotAt < window.__startedAt,
      gone: document.getElementById('bongsu-snapshot') === null,
      appVisible: document.querySelector('body > .page').getBoundingClientRect().height > 100,
    }));
    assert.deepEqual(returned, { shownBeforeStart: true, gone: true, appVisible: true });
    await context.close();

    // A device whose app cannot start at all (its code does not arrive)
    // still shows the picture, and nothing else.
    const dir = ensureScreenshotDir();
    for (const width of [360, 1280]) {
      const stuck = await browser.newContext({ viewport: { width, height: 900 }, serviceWorkers: 'block' });
      await stuck.addInitScript((picture) => localStorage.setItem('bongsu-snapshot /', picture), kept);
      await stuck.route('**/*_bg.wasm', (route) => route.abort());
      const shownPage = await stuck.newPage();
      await shownPage.goto(s.appUrl);
      const shown = await shownPage.waitForFunction(() => {
        const snapshot = document.getElementById('bongsu-snapshot');
        const banner = snapshot?.querySelector('.banner');
        if (!banner) return null;
        return {
          inert: snapshot.inert,
          visible: snapshot.getBoundingClientRect().height > 100,
          source: banner.dataset.source,
          status: banner.dataset.status,
          note: banner.querySelector('.source-note')?.textContent,
          lang: document.documentElement.lang,
          services: snapshot.querySelectorAll('.service').length,
        };
      }, null, { timeout: 10000 }).then((h) => h.jsonValue());
      assert.equal(shown.inert, true);
      assert.ok(shown.visible, 'the snapshot is on screen');
      assert.equal(shown.source, 'snapshot');
      assert.equal(shown.status, worstStatus(feed));
      assert.equal(shown.lang, 'ko');
      assert.match(shown.note, /이 기기가 .* 검증해 보여 준 마지막 화면입니다/);
      assert.equal(shown.services, expectedServices(feed).length);
      await shownPage.screenshot({ path: path.join(dir, `snapshot-ko-${width}.png`), fullPage: true });
      await stuck.close();
    }
  } finally {
    await s.close();
  }
});
