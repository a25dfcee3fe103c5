// What makes the page fast on a phone's network (issue 22), checked as
// behaviour rather than timed: a first visit asks for each thing once, the
// regions' first answers are asked before the app's code has arrived, and
// a returning reader sees the page this device last showed before the
// app's code has started. The timings themselves are e2e/bench/network.mjs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  Scenario, launchBrowser, waitForSeq, expectedServices, worstStatus, ensureScreenshotDir,
  bongsu, toToml, startServer, stopServer, freeBase, logOperatorKeys, DIST as DIST_DIR, newPage, openPage,
} from './harness.mjs';
import { outage } from './fixtures.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const fromRegion = (page) => page.waitForFunction(
  () => document.querySelector('body > .page [data-testid=banner]')?.dataset.source === 'region', null, { timeout: 15000 });

/// The page's code arrives a second late, as on a slow link: the times
/// (ms) at which each wasm request finished.
async function codeArrivesLate(page) {
  await page.route('**/*_bg.wasm', async (route) => {
    await new Promise((r) => setTimeout(r, 1000));
    await route.continue();
  });
  const codeIn = [];
  page.on('requestfinished', (r) => { if (r.url().endsWith('_bg.wasm')) codeIn.push(Date.now()); });
  return codeIn;
}

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
    // Whatever the page asks before the code arrives, its early script
    // asked, not the app.
    const codeIn = await codeArrivesLate(page);
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
    assert.ok(firstFeed < codeIn[0] - 500, `the first feed was asked ${codeIn[0] - firstFeed} ms before the code arrived`);
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

/// An operator with a history log of `changes` signed changes, served with
/// the app by `regions` regions (each a copy). `more(n)` signs n more.
async function loggedOperator(changes, regions = ['one'], { incidents = false } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'bongsu-kept-'));
  const region = (id) => path.join(dir, `region-${id}`);
  const k = logOperatorKeys(dir, regions.map(region), 'e2e');
  const status = outage();
  let signed = 0;
  const sign = (signedStatus) => {
    writeFileSync(k('status.toml'), toToml(signedStatus));
    bongsu('sign', '--key', k('status.key'), '--status', k('status.toml'), '--log', k('log'), '--log-key', k('log.key'),
      ...regions.flatMap((id) => ['--out', path.join(region(id), 'feed.note')]));
  };
  const more = (n) => {
    for (let i = 0; i < n; i += 1) {
      signed += 1;
      status.services[3].components[0].status = signed % 2 ? 'degraded_performance' : 'operational';
      // With `incidents`, each change also opens one.
      if (incidents) {
        const at = new Date(Date.UTC(2022, 9, 15, 6, 0) + signed * 60000).toISOString().replace('.000Z', 'Z');
        status.incidents.push({
          id: `inc-${signed}`, title: `Incident ${signed}`, impact: 'degraded_performance', components: ['melon/streaming'],
          updates: [{ at, state: 'investigating', message: `Slow streaming, ${signed}.` }],
        });
      }
      sign(status);
    }
  };
  more(changes);
  const port = await freeBase();
  const rootKey = readFileSync(k('root.key.pub'), 'utf8').trim();
  writeFileSync(k('config.json'), JSON.stringify({
    feed: 'kakao', title: 'Kept bundles', trust: { root: { threshold: 1, keys: [rootKey] } },
    regions: regions.map((id, i) => ({ id, name: id[0].toUpperCase() + id.slice(1), url: `http://127.0.0.1:${port + 1 + i}/` })),
    refresh_seconds: 300, timeout_ms: 4000,
  }));
  const server = await startServer(['serve', ...regions.flatMap((id, i) => ['--region', `${id}=${region(id)}@127.0.0.1:${port + 1 + i}`]),
    '--app', `${DIST_DIR}@127.0.0.1:${port}`, '--config', k('config.json')]);
  const size = () => Number(readFileSync(path.join(region(regions[0]), 'log', 'checkpoint'), 'utf8').split('\n')[1]);
  // The operator shows two pasts: `id` gets a history as long as the
  // others' whose last entry differs, signed by the same log key.
  const fork = (id) => {
    const keep = mkdtempSync(path.join(tmpdir(), 'bongsu-fork-'));
    const kept = (name) => path.join(keep, name);
    const copy = (from, to) => {
      rmSync(to, { recursive: true, force: true });
      cpSync(from, to, { recursive: true });
    };
    const others = regions.filter((r) => r !== id);
    copy(k('log'), kept('log'));
    for (const r of regions) copy(region(r), kept(r));
    const other = structuredClone(status);
    more(1);
    for (const r of others) copy(region(r), kept(`${r}-first`));
    // Back to before that entry, and the other story: another service
    // changed instead.
    copy(kept('log'), k('log'));
    for (const r of regions) copy(kept(r), region(r));
    other.services[2].components[0].status = 'major_outage';
    sign(other);
    for (const r of others) copy(kept(`${r}-first`), region(r));
    rmSync(keep, { recursive: true, force: true });
  };
  return {
    server, more, fork, size, region, port, close: async () => { await stopServer(server); rmSync(dir, { recursive: true, force: true }); },
  };
}

test('a returning reader of the history verifies only the new entries; a kept state or bundle that was altered costs a fetch, never a wrong history', async () => {
  // 256 entries fill the first bundle; the rest are in a partial one.
  const operator = await loggedOperator(270);
  try {
    const context = await browser.newContext();
    const visit = async ({ stay = false } = {}) => {
      const page = await context.newPage();
      const bundles = [];
      page.on('request', (r) => { if (r.url().includes('/log/tile/entries/')) bundles.push(new URL(r.url()).pathname.replace(/.*\/log\//, '')); });
      await page.goto(`${operator.server.urls.app}history/#/history`);
      const verified = await page.waitForFunction(
        () => document.querySelector('[data-testid=history-verified]')?.textContent, null, { timeout: 20000 },
      ).then((h) => h.jsonValue());
      if (!stay) await page.close();
      return { bundles: bundles.sort(), verified, page };
    };
    // What the device keeps: full bundles, and the state a return resumes
    // from (the tree's edge and the derived history), as bytes.
    const keptBundle = (page) => page.evaluate(async () => (await (await caches.open('bongsu-log-bundles')).keys())
      .some((r) => r.url.endsWith('/kakao/tile/entries/000')));
    const keptState = (page) => page.evaluate(async () => {
      const found = await (await caches.open('bongsu-log-state')).match(`${location.origin}/.bongsu-log/kakao/kept-state`);
      return found ? [...new Uint8Array(await found.arrayBuffer())].join() : null;
    });
    // Both are written after the check: give them a moment (bounded).
    const settle = async (page, stateBefore) => {
      for (let i = 0; i < 50 && !((await keptBundle(page)) && (await keptState(page)) !== stateBefore); i += 1) {
        await page.waitForTimeout(200);
      }
      const state = await keptState(page);
      assert.ok(await keptBundle(page), 'the verified full bundle is kept on the device');
      assert.ok(state && state !== stateBefore, 'the verified state is kept on the device');
      await page.close();
      return state;
    };
    // The page stays while it keeps what it verified.
    const first = await visit({ stay: true });
    assert.ok(first.bundles.includes('tile/entries/000'), `first visit: ${first.bundles}`);
    let state = await settle(first.page, null);

    operator.more(10);
    const second = await visit({ stay: true });
    assert.deepEqual(second.bundles.filter((b) => !b.includes('.p/')), [], `only the new, partial bundle: ${second.bundles}`);
    assert.ok(second.bundles.length >= 1, `the new entries are fetched: ${second.bundles}`);
    assert.ok(second.verified.includes(String(operator.size())), `the history includes the new entries (${operator.size()}): ${second.verified}`);
    assert.notEqual(second.verified, first.verified);
    // The event files need every entry: a returning visit offers to read them.
    assert.equal(await second.page.getByTestId('export-events-csv').count(), 0);
    assert.equal(await second.page.getByTestId('export-events-prepare').count(), 1);
    state = await settle(second.page, state);

    // Someone alters the kept state: it fails its check and is forgotten,
    // and the page reads the whole log (the kept bundle verified with it)
    // and shows the true history.
    const tamper = async (cacheName, suffix) => {
      const page = await context.newPage();
      await page.goto(`${operator.server.urls.app}favicon.svg`);
      await page.evaluate(async ([name, end]) => {
        const cache = await caches.open(name);
        const key = (await cache.keys()).find((r) => r.url.endsWith(end));
        const bytes = new Uint8Array(await (await cache.match(key)).arrayBuffer());
        bytes[Math.floor(bytes.length / 2)] ^= 1;
        await cache.put(key, new Response(bytes));
      }, [cacheName, suffix]);
      const altered = await keptState(page);
      await page.close();
      return altered;
    };
    const altered = await tamper('bongsu-log-state', '/kakao/kept-state');
    const third = await visit({ stay: true });
    assert.equal(third.verified, second.verified);
    assert.ok(!third.bundles.includes('tile/entries/000'), `the kept bundle served the full read: ${third.bundles}`);
    assert.equal(await third.page.getByTestId('export-events-csv').count(), 1, 'a full read has the event files');
    await settle(third.page, altered);

    // Someone alters the kept bundle: the return resumes from the state,
    // and the event files read the whole log, whose check fails with the
    // bundle: the page fetches it again and shows the true history.
    await tamper('bongsu-log-bundles', '/kakao/tile/entries/000');
    const fourth = await visit({ stay: true });
    assert.ok(!fourth.bundles.includes('tile/entries/000'), `resumed: ${fourth.bundles}`);
    await fourth.page.getByTestId('export-events-prepare').click();
    await fourth.page.getByTestId('export-events-csv').waitFor({ timeout: 20000 });
    assert.ok(fourth.bundles.includes('tile/entries/000'), `the altered bundle is fetched again: ${fourth.bundles}`);
    assert.equal(await fourth.page.getByTestId('history-verified').textContent(), second.verified);
    await fourth.page.close();

    // A return during which no region serves the new entries shows no
    // history it cannot verify, and keeps what the device kept: once they
    // are served, the next return still verifies only them.
    const probe = await context.newPage();
    await probe.goto(`${operator.server.urls.app}favicon.svg`);
    const keptBefore = await keptState(probe);
    assert.ok(keptBefore);
    operator.more(5);
    const partial = path.join(operator.region('one'), 'log', 'tile', 'entries', '001.p', String(operator.size() - 256));
    const held = readFileSync(partial);
    rmSync(partial);
    const unserved = await context.newPage();
    await unserved.goto(`${operator.server.urls.app}history/#/history`);
    await unserved.getByTestId('history-problem').waitFor({ timeout: 20000 });
    assert.equal(await unserved.getByTestId('history-verified').count(), 0);
    await unserved.close();
    assert.equal(await keptState(probe), keptBefore, 'a bundle nobody served does not cost the kept state');
    await probe.close();
    writeFileSync(partial, held);
    const fifth = await visit();
    assert.deepEqual(fifth.bundles.filter((b) => !b.includes('.p/')), [], `resumed: ${fifth.bundles}`);
    assert.ok(fifth.verified.includes(String(operator.size())), fifth.verified);
    await context.close();
  } finally {
    await operator.close();
  }
});

test('the history pages ask each region for its log checkpoint before their code has arrived', async () => {
  const operator = await loggedOperator(5, ['seoul', 'busan']);
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const asked = [];
    page.on('request', (r) => asked.push({ url: r.url(), at: Date.now() }));
    const codeIn = await codeArrivesLate(page);
    await page.goto(`${operator.server.urls.app}history/#/history`);
    await page.waitForSelector('[data-testid=history-verified]', { timeout: 20000 });
    assert.equal(codeIn.length, 1, 'the wasm is fetched once');
    for (const port of [operator.port + 1, operator.port + 2]) {
      const first = Math.min(...asked.filter((r) => r.url === `http://127.0.0.1:${port}/log/checkpoint`).map((r) => r.at));
      assert.ok(first < codeIn[0] - 500, `region :${port}'s checkpoint was asked ${codeIn[0] - first} ms before the code arrived`);
    }
    await context.close();
  } finally {
    await operator.close();
  }
});

// The app checks the log when the keys are in and again when the feed
// commits to a size its checkpoints do not cover; a feed that arrived
// while the first check was under way used to start a second, which asked
// every region's checkpoint again on every first visit.
test('a visit asks each region for its log checkpoint once, on the status page and on the history pages', async () => {
  const operator = await loggedOperator(5, ['seoul', 'busan']);
  try {
    const context = await browser.newContext();
    for (const [where, ready] of [
      ['', (page) => fromRegion(page)],
      ['history/#/history', (page) => page.waitForSelector('[data-testid=history-verified]', { timeout: 20000 })],
    ]) {
      const page = await context.newPage();
      const asked = [];
      page.on('request', (r) => asked.push(r.url()));
      await page.goto(`${operator.server.urls.app}${where}`);
      await ready(page);
      // A second check would start as soon as the first ends.
      await page.waitForTimeout(1500);
      for (const port of [operator.port + 1, operator.port + 2]) {
        const n = asked.filter((url) => url === `http://127.0.0.1:${port}/log/checkpoint`).length;
        assert.equal(n, 1, `/${where}: region :${port}'s checkpoint asked ${n} times`);
      }
      await page.close();
    }
    await context.close();
  } finally {
    await operator.close();
  }
});

// The worker keeps a page when it serves its navigation. A reader whose
// first visit is the history pages installs it from there, so it served
// none of theirs: their first return fetched the page over the network
// (two round trips more on a phone) before it was kept.
test('a reader who comes to the history pages first has them kept by the worker for the first return', async () => {
  const operator = await loggedOperator(5, ['seoul']);
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${operator.server.urls.app}history/#/history`);
    await page.waitForSelector('[data-testid=history-verified]', { timeout: 20000 });
    // Installed (and so done keeping) once it is active.
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    const kept = await page.evaluate(async () => {
      const urls = [];
      for (const name of await caches.keys()) urls.push(...(await (await caches.open(name)).keys()).map((r) => r.url));
      return urls;
    });
    assert.ok(kept.some((u) => u.endsWith('/history/')), `the history page is kept at install: ${kept.join(' ')}`);
    assert.ok(kept.some((u) => /\/history\/bongsu-history-[0-9a-f]+_bg\.wasm$/.test(u)), 'so is its code');
    // The first return's page comes from what the worker kept.
    const back = await context.newPage();
    await back.goto(`${operator.server.urls.app}history/#/history`);
    await back.waitForSelector('[data-testid=history-verified]', { timeout: 20000 });
    assert.ok(await back.evaluate(() => navigator.serviceWorker.controller !== null), 'the worker controls the return');
    await context.close();
  } finally {
    await operator.close();
  }
});

// The history pages read the log once one region's checkpoint is in and
// the others have had as long again (at least 250 ms): a gone region held
// the history back for the whole timeout (4 s here). What comes later is
// judged against the history shown, so a slow region is checked as surely
// as a fast one, and a slow region with a longer log leads to reading it.
test('a gone region does not hold the history back, on the status page or the history pages, and a slow one is still judged when it answers', async () => {
  const operator = await loggedOperator(5, ['seoul', 'busan']);
  const regionLine = (page, id) => page.locator(`li[data-region=${id}]`);
  const busan = `http://127.0.0.1:${operator.port + 2}/`;
  try {
    // Busan never answers: the status page's line about the log does not
    // wait for it either.
    let context = await browser.newContext();
    let page = await context.newPage();
    await page.route(`${busan}**`, () => {});
    const s0 = Date.now();
    await page.goto(operator.server.urls.app);
    await page.waitForFunction((n) => document.querySelector('[data-testid=history-summary]')?.textContent
      .includes(`History log: ${n} events`), operator.size(), { timeout: 20000 });
    const summaryTook = Date.now() - s0;
    assert.ok(summaryTook < 3000, `the status page's log line took ${summaryTook} ms with one region gone (timeout 4000 ms)`);
    await context.close();
    context = await browser.newContext();
    page = await context.newPage();
    await page.route(`${busan}**`, () => {});
    const t0 = Date.now();
    await page.goto(`${operator.server.urls.app}history/#/history`);
    await page.waitForSelector('[data-testid=history-verified]', { timeout: 20000 });
    const took = Date.now() - t0;
    assert.ok(took < 3000, `the history took ${took} ms with one region gone (timeout 4000 ms)`);
    await page.waitForFunction(
      () => document.querySelector('li[data-region=busan]')?.textContent.includes('4000'), null, { timeout: 10000 });
    assert.match(await regionLine(page, 'seoul').textContent(), /consistent/);
    await context.close();

    // Busan answers two seconds late, with one entry more than Seoul has.
    const seoulDir = operator.region('seoul');
    const before = mkdtempSync(path.join(tmpdir(), 'bongsu-seoul-'));
    cpSync(seoulDir, before, { recursive: true });
    const size = operator.size();
    operator.more(1);
    rmSync(seoulDir, { recursive: true, force: true });
    cpSync(before, seoulDir, { recursive: true });
    rmSync(before, { recursive: true, force: true });
    context = await browser.newContext();
    page = await context.newPage();
    await page.route(`${busan}**`, async (route) => {
      await new Promise((r) => setTimeout(r, 2000));
      await route.continue();
    });
    await page.goto(`${operator.server.urls.app}history/#/history`);
    await page.waitForSelector('[data-testid=history-verified]', { timeout: 20000 });
    // Seoul's log first, then Busan's longer one, verified in a second check.
    await page.waitForFunction(
      (want) => document.querySelector('li[data-region=busan]')?.textContent.includes(`(${want} `)
        && document.querySelector('li[data-region=seoul]')?.textContent.includes(`(${want - 1} `),
      size + 1, { timeout: 20000 });
    assert.match(await regionLine(page, 'busan').textContent(), /consistent/);
    await context.close();
  } finally {
    await operator.close();
  }
});

// A split view: two regions serve validly signed histories of the same
// length that differ. Each page must name the region, whether it answers
// with the others or after them (a late answer is judged when it comes,
// so answering slowly is no way to escape the comparison).
test('a region serving another history of the same length is named on the status page and the history pages, in time or late', async () => {
  const operator = await loggedOperator(5, ['seoul', 'busan']);
  const busan = `http://127.0.0.1:${operator.port + 2}/`;
  const checkpoint = (id) => readFileSync(path.join(operator.region(id), 'log', 'checkpoint'), 'utf8');
  const splitAlarm = (page) => page.waitForFunction(
    () => document.querySelector('[data-testid=history-split]')?.textContent, null, { timeout: 20000 }).then((h) => h.jsonValue());
  try {
    operator.fork('busan');
    const size = operator.size();
    assert.equal(checkpoint('busan').split('\n')[1], String(size), 'the same length');
    assert.notEqual(checkpoint('busan').split('\n')[2], checkpoint('seoul').split('\n')[2], 'another root');
    for (const late of [0, 2000]) {
      const context = await browser.newContext();
      const page = await context.newPage();
      if (late) {
        await page.route(`${busan}**`, async (route) => {
          await new Promise((r) => setTimeout(r, late));
          await route.continue();
        });
      }
      await page.goto(operator.server.urls.app);
      assert.match(await splitAlarm(page), /Busan/, `status page, busan ${late} ms late: the region by its name`);
      await page.goto(`${operator.server.urls.app}history/#/history`);
      await page.waitForSelector('[data-testid=history-verified]', { timeout: 20000 });
      assert.match(await splitAlarm(page), /Busan/, `history pages, busan ${late} ms late: the region by its name`);
      await page.waitForFunction(
        (n) => document.querySelector('li[data-region=busan]')?.textContent.includes(`a different history (${n} entries)`),
        size, { timeout: 10000 });
      assert.match(await page.locator('li[data-region=busan]').textContent(), /^Busan: /, 'the region line by its name too');
      assert.match(await page.locator('li[data-region=seoul]').textContent(), /^Seoul: .*consistent/);
      assert.doesNotMatch(await page.textContent('[data-testid=history-split]'), /Seoul/i, 'the history shown is Seoul\'s');
      if (!late) {
        // What a reader sees, in both languages, on a desktop and a phone.
        await page.screenshot({ path: path.join(ensureScreenshotDir(), 'history-split-en-1280.png') });
        await page.click('[data-testid=language-switch]');
        await page.waitForFunction(() => document.documentElement.lang === 'ko');
        await page.setViewportSize({ width: 360, height: 780 });
        assert.match(await page.textContent('[data-testid=history-split]'), /Busan에서/);
        await page.screenshot({ path: path.join(ensureScreenshotDir(), 'history-split-ko-360.png') });
        await page.click('[data-testid=language-switch]');
      }
      await context.close();
    }
  } finally {
    await operator.close();
  }
});

test('the history bundles come from every region at once, and a region serving a wrong one costs a retry, not the history', async () => {
  // Three full bundles and a partial one, on three regions.
  const regions = ['seoul', 'busan', 'tokyo'];
  const operator = await loggedOperator(800, regions);
  try {
    const visit = async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const asked = [];
      page.on('request', (r) => {
        const url = new URL(r.url());
        if (url.pathname.startsWith('/log/tile/entries/')) asked.push(`${url.port} ${url.pathname.slice('/log/tile/entries/'.length)}`);
      });
      await page.goto(`${operator.server.urls.app}history/#/history`);
      const verified = await page.waitForFunction(
        () => document.querySelector('[data-testid=history-verified]')?.textContent, null, { timeout: 20000 },
      ).then((h) => h.jsonValue());
      const said = await page.evaluate(() => Object.fromEntries(
        [...document.querySelectorAll('li[data-region]')].map((li) => [li.dataset.region, li.textContent]),
      ));
      await context.close();
      return { asked, verified, said };
    };
    const honest = await visit();
    const from = new Set(honest.asked.filter((a) => !a.includes('.p/')).map((a) => a.split(' ')[0]));
    assert.ok(from.size >= 2, `full bundles from ${from.size} region(s): ${honest.asked}`);
    assert.ok(honest.verified.includes(String(operator.size())), honest.verified);

    // Busan's copy of the second bundle is altered.
    const file = path.join(operator.region('busan'), 'log', 'tile', 'entries', '001');
    const bytes = readFileSync(file);
    bytes[bytes.length - 3] ^= 1;
    writeFileSync(file, bytes);
    const lied = await visit();
    assert.equal(lied.verified, honest.verified, 'the true history, from the honest regions');
    // The checkpoint's own region (the first) served nothing wrong: it is
    // not discredited for what another region served.
    assert.equal(lied.said.seoul, honest.said.seoul);
  } finally {
    await operator.close();
  }
});

test('a history of many incidents draws the newest 50, and more on request', async () => {
  const operator = await loggedOperator(60, ['one'], { incidents: true });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${operator.server.urls.app}history/#/history`);
    await page.waitForSelector('[data-testid=history-verified]', { timeout: 20000 });
    const listed = () => page.$$eval('[data-testid=history-incident]', (items) => items.map((i) => i.dataset.incidentId));
    const first = await listed();
    assert.equal(first.length, 50);
    assert.equal(first[0], 'inc-60', 'the newest first');
    assert.match(await page.textContent('#incident-list-heading'), /61/);
    const dir = ensureScreenshotDir();
    // Scrolled from inside the page: a second check of the log may draw the
    // list again meanwhile, and a locator's scroll fails on the old node.
    const scrollToMore = (p) => p.waitForFunction(() => {
      const more = document.querySelector('[data-testid=incidents-more]');
      more?.scrollIntoView({ block: 'center' });
      return more?.isConnected;
    }, null, { timeout: 20000 });
    await scrollToMore(page);
    await page.screenshot({ path: path.join(dir, 'history-more-en-1280.png') });
    const ko = await browser.newContext({ viewport: { width: 360, height: 780 }, locale: 'ko-KR' });
    const koPage = await ko.newPage();
    await koPage.goto(`${operator.server.urls.app}history/#/history`);
    await koPage.waitForSelector('[data-testid=incidents-more]', { timeout: 20000 });
    assert.match(await koPage.textContent('[data-testid=incidents-more]'), /11건 더 보기/);
    await scrollToMore(koPage);
    await koPage.screenshot({ path: path.join(dir, 'history-more-ko-360.png') });
    await ko.close();
    await page.click('[data-testid=incidents-more]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=history-incident]').length === 61);
    assert.equal(await page.$('[data-testid=incidents-more]'), null, 'nothing more to show');
    assert.deepEqual((await listed()).slice(0, 50), first);
    await context.close();
  } finally {
    await operator.close();
  }
});

test('a long first read of the history shows how far it has come, in both languages', async () => {
  // Two full bundles and a partial one; the second is held back, so the
  // page waits with the first verified.
  const operator = await loggedOperator(600);
  try {
    const dir = ensureScreenshotDir();
    for (const { locale, width, said } of [
      { locale: 'en-US', width: 1280, said: '1 of 3 parts of the log verified' },
      { locale: 'ko-KR', width: 360, said: '로그 3개 묶음 중 1개 검증됨' },
    ]) {
      const context = await browser.newContext({ locale, viewport: { width, height: 780 } });
      const page = await context.newPage();
      let release;
      const held = new Promise((resolve) => { release = resolve; });
      await page.route('**/log/tile/entries/001', async (route) => { await held; await route.continue(); });
      await page.goto(`${operator.server.urls.app}history/#/history`);
      const bar = page.locator('[data-testid=history-progress]');
      await bar.waitFor({ timeout: 20000 });
      await page.waitForFunction(() => document.querySelector('[data-testid=history-progress]')?.value === 1, null, { timeout: 20000 });
      assert.equal(await bar.getAttribute('max'), '3');
      assert.equal(await bar.getAttribute('aria-label'), said);
      assert.equal((await page.textContent('.history-loading .progress-said')).trim(), said);
      await page.screenshot({ path: path.join(dir, `history-progress-${locale.slice(0, 2)}-${width}.png`) });
      release();
      await page.waitForSelector('[data-testid=history-verified]', { timeout: 20000 });
      assert.equal(await bar.count(), 0, 'the progress goes once the history is verified');
      await context.close();
    }
  } finally {
    await operator.close();
  }
});

// The history pages' exports and an incident page's body are not part of
// their first load (src/later.rs): the part with them is asked once the
// history is verified, or at once when the page opened is an incident's
// (its body needs it, and it comes while the log is read). Either way once.
test('the history pages ask for their later part once the history is verified, or at once on an incident page', async () => {
  const operator = await loggedOperator(6, ['one'], { incidents: true });
  try {
    for (const [where, shown, early] of [
      ['history/#/history', '[data-testid=export-incidents-csv]', false],
      ['history/#/incidents/inc-3', '[data-testid=incident-detail][data-incident-id=inc-3]', true],
    ]) {
      const page = await openPage(browser, `${operator.server.urls.app}${where}`);
      await page.waitForSelector(shown, { timeout: 20000 });
      // On the page's clock: when the part was asked, and when the log's
      // entry bundles (which the verification needs, all of them) were.
      const { later, bundles } = await page.evaluate(() => {
        const all = performance.getEntriesByType('resource');
        return {
          later: all.filter((e) => e.name.includes('/later/')).map((e) => e.startTime),
          bundles: all.filter((e) => e.name.includes('/log/tile/entries/')).map((e) => ({ start: e.startTime, end: e.responseEnd })),
        };
      });
      assert.equal(later.length, 1, `${where}: the later part asked once: ${later}`);
      assert.ok(bundles.length > 0, `${where}: the log's bundles were read`);
      if (early) {
        const first = Math.min(...bundles.map((b) => b.start));
        assert.ok(later[0] < first, `${where}: asked at ${later[0]} ms, before the log was read from ${first} ms`);
      } else {
        const last = Math.max(...bundles.map((b) => b.end));
        assert.ok(later[0] >= last, `${where}: asked at ${later[0]} ms, not before the log was in at ${last} ms`);
      }
      assert.deepEqual(page.errors, []);
      await page.context().close();
    }
  } finally {
    await operator.close();
  }
});

// The incident page's body is in that later part: when it does not come,
// the page says so in place of the body, and the refresh button asks again.
test('an incident page whose later part does not come says so, and a refresh brings it', async () => {
  const operator = await loggedOperator(4, ['one'], { incidents: true });
  try {
    const page = await newPage(browser, { serviceWorkers: 'block' });
    let refuse = true;
    await page.route('**/later/**', (route) => (refuse ? route.abort('connectionreset') : route.continue()));
    await page.goto(`${operator.server.urls.app}history/#/incidents/inc-2`);
    const waiting = page.locator('[data-testid=incident-loading]');
    await waiting.waitFor({ timeout: 20000 });
    assert.match(await waiting.textContent(), /Loading this incident’s page… If it does not come, press “Refresh now”\./);
    assert.equal(await page.locator('[data-testid=incident-detail]').count(), 0);
    refuse = false;
    await page.click('[data-testid=refresh]');
    await page.waitForSelector('[data-testid=incident-detail][data-incident-id=inc-2]', { timeout: 20000 });
    assert.equal(await waiting.count(), 0, 'the notice goes with the body in');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  } finally {
    await operator.close();
  }
});
