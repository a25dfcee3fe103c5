// The history of the replayed Kakao outage as a journalist reads it: the
// demo logs the replay, the page verifies the log from the regions, and
// the incident page, the uptime bars and the CSV export must tell the
// sourced timeline's story (all services down from 15:30 KST on 15 October
// 2022, full recovery 127 h 30 min later). Then the operator rebuilds the
// log with another story, and a returning reader is shown both checkpoints.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DIST, admin, launchBrowser, openPage, startServer, stopServer, freeBase, bongsu, ensureScreenshotDir,
  waitForRegionState, readFeed,
} from './harness.mjs';

const INCIDENT = '2022-10-15-pangyo-datacenter-fire';
let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/// The text of the first element matching `selector`, once it contains `text`.
async function waitForText(page, selector, text, timeout = 15000) {
  await page.waitForFunction(
    ([sel, want]) => [...document.querySelectorAll(sel)].some((e) => e.textContent.includes(want)),
    [selector, text],
    { timeout },
  );
}

async function download(page, testid) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid=${testid}]`)]);
  return readFileSync(await file.path(), 'utf8');
}

/// RFC 4180 fields of one CSV line (quoted fields may hold commas).
function csvFields(line) {
  const out = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') { field += '"'; i++; }
    else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) { out.push(field); field = ''; }
    else field += c;
  }
  out.push(field);
  return out;
}

test('the replayed Kakao outage: incident page, uptime bars, CSV export, and a rewritten history', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bongsu-history-'));
  const port = await freeBase();
  let server = await startServer(['demo', '--dir', dir, '--app', DIST, '--port', String(port)], 30000);
  try {
    const page = await openPage(browser, `${server.urls.app}#/history`);
    // 17:00 KST on the 15th: the incident is open, every service is down.
    await waitForText(page, '[data-testid=history-incident]', 'ongoing');
    await waitForText(page, '[data-testid=history-verified]', 'cosigned by 3 independent witnesses');

    // Replay the rest of the timeline; the demo logs it and re-signs the feed.
    const replay = await admin(server, 'replay', 'end');
    assert.equal(replay.status, 200, await replay.text());
    await page.waitForTimeout(1500);
    await page.click('[data-testid=refresh]');
    await waitForText(page, '[data-testid=history-incident] [data-testid=incident-duration]', '127 h 30 min');

    // The incident's permalink page.
    await page.click(`[data-testid=history-incident][data-incident-id="${INCIDENT}"] a.incident-title`);
    await page.waitForSelector('[data-testid=incident-detail]');
    assert.ok(page.url().endsWith(`#/incidents/${INCIDENT}`), page.url());
    const detail = await page.evaluate(() => ({
      start: document.querySelector('[data-testid=impact-start]').textContent,
      end: document.querySelector('[data-testid=impact-end]').textContent,
      duration: document.querySelector('[data-testid=incident-duration]').textContent,
      state: document.querySelector('[data-testid=incident-state]').textContent,
      // Each service's and component's row, by column.
      services: Object.fromEntries([...document.querySelectorAll('[data-testid=incident-service]')]
        .map((r) => [r.dataset.service, Object.fromEntries([...r.querySelectorAll('td')].map((td) => [td.dataset.col, td.textContent]))])),
      components: Object.fromEntries([...document.querySelectorAll('[data-testid=incident-component]')]
        .map((r) => [`${r.dataset.service}/${r.dataset.component}`, Object.fromEntries([...r.querySelectorAll('td')].map((td) => [td.dataset.col, td.textContent]))])),
      updates: document.querySelectorAll('[data-testid=timeline-update]').length,
      changes: document.querySelectorAll('[data-testid=timeline-change]').length,
      permalink: document.querySelector('[data-testid=permalink]').href,
    }));
    assert.match(detail.start, /^2022-10-15 15:30 KST/);
    assert.match(detail.end, /^2022-10-20 23:00 KST/);
    assert.equal(detail.duration, '127 h 30 min');
    assert.equal(detail.state, 'Resolved');
    assert.equal(Object.keys(detail.services).length, 12);
    // Per-service recovery, as the timeline dates it.
    const ended = (id) => detail.services[id].full;
    assert.match(ended('kakao-webtoon'), /^2022-10-16 07:00 KST/, 'Kakao Webtoon notice, 07:00 on the 16th');
    assert.match(ended('kakaobank'), /^2022-10-17 15:00 KST/);
    assert.match(ended('kakaopay'), /^2022-10-19 06:00 KST/);
    assert.match(ended('kakaotalk'), /^2022-10-20 23:00 KST/);
    // How down, and for how long, as the sourced timeline has it: KakaoTalk's
    // text messaging was back in part at 01:31 on the 16th and in full (its
    // core) at 09:00 on the 17th, after 10 h 1 min at major outage; not
    // "KakaoTalk was down for 127 hours".
    const talk = detail.services.kakaotalk;
    assert.match(talk['first-partial'], /^2022-10-16 01:31 KST/);
    assert.match(talk.core, /^2022-10-17 09:00 KST/);
    assert.equal(detail.components['kakaotalk/messaging'].major, '10 h 1 min');
    assert.match(detail.components['kakaotalk/messaging'].full, /^2022-10-17 09:00 KST/);
    assert.equal(detail.services['kakao-webtoon'].major, '3 h', 'rows 17 to 33');
    assert.equal(detail.services['kakao-webtoon'].partial, '12 h 30 min', 'rows 33 to 50');
    assert.equal(Object.keys(detail.components).length, 22);
    assert.equal(detail.updates, 12, "Kakao's eleven statements and the resolution");
    assert.ok(detail.changes > 40, `${detail.changes} status changes`);
    assert.ok(detail.permalink.endsWith(`#/incidents/${INCIDENT}`));
    // The same figures by service and component, as a CSV for data tools.
    const perService = (await download(page, 'incident-services-csv')).trim().split('\r\n');
    const head = csvFields(perService[0]);
    const course = Object.fromEntries(perService.slice(1).map((line) => {
      const r = Object.fromEntries(csvFields(line).map((v, i) => [head[i], v]));
      return [`${r.service}/${r.component}`, r];
    }));
    assert.equal(perService.length, 1 + 12 + 22);
    assert.equal(course['kakaotalk/'].name, 'KakaoTalk', 'in the English reader\'s language');
    assert.equal(course['kakaotalk/'].first_partial_recovery_kst, '2022-10-16T01:31:00+09:00');
    assert.equal(course['kakaotalk/'].core_recovery_kst, '2022-10-17T09:00:00+09:00');
    assert.equal(course['kakaotalk/messaging'].minutes_major_outage, '601');
    assert.equal(course['kakaopay/payments'].depends_on, 'kakao-account/login');
    await page.screenshot({ path: path.join(ensureScreenshotDir(), 'history-incident-1280.png') });

    // The uptime bars around the outage, and one day's drill-down.
    await page.goto(`${server.urls.app}#/history?end=2022-10-31`);
    await page.waitForSelector('[data-testid=uptime-row]');
    const bar = (service, date) => page.getAttribute(
      `[data-testid=uptime-row][data-service="${service}"] .bar[data-date="${date}"]`, 'data-status');
    assert.equal(await page.locator('[data-testid=uptime-row]').count(), 12);
    assert.equal(await bar('kakaotalk', '2022-10-14'), 'none', 'not listed before the replay');
    assert.equal(await bar('kakaotalk', '2022-10-15'), 'major_outage');
    assert.equal(await bar('kakaotalk', '2022-10-21'), 'operational');
    assert.equal(await bar('kakaobank', '2022-10-15'), 'partial_outage');
    assert.equal(await bar('kakao-webtoon', '2022-10-17'), 'operational');
    await page.click('[data-testid=uptime-row][data-service="kakao-webtoon"] .bar[data-date="2022-10-16"]');
    await page.waitForSelector('[data-testid=uptime-drill-down][data-date="2022-10-16"]');
    const drill = await page.textContent('[data-testid=uptime-drill-down]');
    assert.match(drill, /Partial outage\s*2022-10-16 00:00 KST.*2022-10-16 07:00 KST/s);
    assert.match(drill, /Operational\s*2022-10-16 07:00 KST/);
    // The day chooser (the keyboard's and screen reader's way in) does the same.
    // The chooser is filled when it is focused, as a click, tap or Tab does.
    const chooser = '[data-testid=uptime-row][data-service="kakaobank"] [data-testid=uptime-day]';
    assert.equal(await page.locator(`${chooser} option`).count(), 1, 'only "no day" until it is focused');
    await page.focus(chooser);
    assert.equal(await page.locator(`${chooser} option`).count(), 91, '"no day" and the 90 days, each with its status');
    assert.match(await page.locator(`${chooser} option[value="2022-10-15"]`).textContent(), /Partial outage/);
    await page.selectOption(chooser, '2022-10-15');
    await page.waitForSelector('[data-testid=uptime-row][data-service="kakaobank"] [data-testid=uptime-drill-down][data-date="2022-10-15"]');
    await page.screenshot({ path: path.join(ensureScreenshotDir(), 'history-uptime-1280.png'), fullPage: true });

    // Filters: severity and dates narrow the list, and live in the URL.
    await page.goto(`${server.urls.app}#/history?from=2022-11-01`);
    await waitForText(page, '.incident-list h3', '0 incidents');
    await page.goto(`${server.urls.app}#/history?service=melon&impact=major_outage&to=2022-10-15`);
    await waitForText(page, '.incident-list h3', '1 incident');

    // The CSV export of incidents, with its proof columns.
    const csv = (await download(page, 'export-incidents-csv')).trim().split('\r\n');
    const header = csvFields(csv[0]);
    const row = Object.fromEntries(csvFields(csv[1]).map((v, i) => [header[i], v]));
    assert.equal(csv.length, 2);
    assert.equal(row.id, INCIDENT);
    assert.equal(row.impact_start_kst, '2022-10-15T15:30:00+09:00');
    assert.equal(row.impact_end_kst, '2022-10-20T23:00:00+09:00');
    assert.equal(row.duration_minutes, '7650');
    assert.equal(row.duration, '127 h 30 min');
    assert.equal(row.updates, '12');
    assert.ok(row.permalink.endsWith(`#/incidents/${INCIDENT}`), row.permalink);
    assert.match(row.proof, /\/log\/checkpoint$/);
    const size = Number(row.checkpoint_size);
    // Every event, one row each, against the same checkpoint. This page
    // resumed from what the device kept, so it reads every entry first.
    await page.click('[data-testid=export-events-prepare]');
    const events = (await download(page, 'export-events-csv')).trim().split('\r\n');
    assert.equal(events.length, size + 1);
    assert.match(events[size], new RegExp(`,${size},${row.checkpoint_root.replace(/[+/=]/g, '\\$&')}$`));
    // The operator publishes the postmortem and announces maintenance by
    // editing the status file; the demo logs both as it re-signs.
    const statusFile = path.join(dir, 'status.toml');
    const edited = readFileSync(statusFile, 'utf8')
      .replace(/(components = \[\n(?: {2}.*\n)*\]\n)/, '$1postmortem = "https://example.com/postmortems/pangyo"\n')
      + '\n[[maintenances]]\nid = "power-test"\ntitle = { ko = "예비 전원 점검", en = "Backup power test" }\n'
      + 'starts_at = 2030-01-05T02:00:00+09:00\nends_at = 2030-01-05T04:00:00+09:00\n'
      + 'components = ["kakaotalk/messaging", "daum/mail"]\nstate = "scheduled"\n';
    writeFileSync(statusFile, edited);
    await page.goto(`${server.urls.app}#/`);
    await page.waitForTimeout(2000);
    await page.click('[data-testid=refresh]');
    await page.waitForSelector('[data-testid=maintenance][data-maintenance-id="power-test"]', { timeout: 15000 });
    assert.match(await page.textContent('[data-testid=maintenance]'), /Backup power test.*2030-01-05 02:00 KST.*KakaoTalk: Messaging, Daum: Mail/s);
    await page.goto(`${server.urls.app}#/incidents/${INCIDENT}`);
    await page.waitForSelector('[data-testid=postmortem]', { timeout: 15000 });
    assert.equal(await page.getAttribute('[data-testid=postmortem]', 'href'), 'https://example.com/postmortems/pangyo');
    assert.deepEqual(page.errors, []);

    // The operator rebuilds the log with another past (witness memories
    // wiped too, so it is validly cosigned) and publishes it everywhere.
    await stopServer(server);
    rmSync(path.join(dir, 'log'), { recursive: true, force: true });
    for (const r of ['seoul', 'busan', 'tokyo']) rmSync(path.join(dir, 'regions', r, 'log'), { recursive: true, force: true });
    const state = path.join(dir, 'witness-state-2');
    const witnesses = ['seoul', 'busan', 'tokyo'].flatMap((r) => ['--witness', `${r}=${path.join(dir, `keys/witness-${r}.key`)}`]);
    const regions = ['seoul', 'busan', 'tokyo'].flatMap((r, i) => ['--region', `${r}=${path.join(dir, 'regions', r)}@127.0.0.1:${port + 1 + i}`]);
    server = await startServer([
      'serve', ...regions, '--app', `${DIST}@127.0.0.1:${port}`, '--config', path.join(dir, 'config.json'),
      ...witnesses, '--witness-log', path.join(dir, 'keys/log.key.pub'), '--witness-state', state, '--witness-init',
    ]);
    const quiet = (status) => readFileSync(path.join(dir, 'status.toml'), 'utf8')
      .replace(/\[\[incidents\]\][\s\S]*$/, '')
      .replace(/status = "\w+"/g, `status = "${status}"`);
    mkdirSync(path.join(dir, 'rewrite'), { recursive: true });
    // 12 listings and five rounds of 22 changes: longer than the log the reader saw.
    for (const status of ['operational', 'degraded_performance', 'operational', 'degraded_performance', 'operational', 'degraded_performance']) {
      const file = path.join(dir, 'rewrite', 'status.toml');
      writeFileSync(file, quiet(status));
      bongsu('sign', '--key', path.join(dir, 'keys/status.key'), '--status', file,
        '--log', path.join(dir, 'log'), '--log-key', path.join(dir, 'keys/log.key'),
        ...['seoul', 'busan', 'tokyo'].flatMap((r, i) => ['--out', path.join(dir, 'regions', r, 'feed.note'),
          '--witness', `http://127.0.0.1:${port + 1 + i}/witness`]));
    }
    await page.goto(`${server.urls.app}#/history`);
    await page.reload();
    await waitForRegionState(page, 'seoul', 'valid').catch(() => {});
    await page.waitForSelector('[data-testid=history-rewritten]', { timeout: 15000 });
    const remembered = await page.textContent('[data-testid=rewrite-remembered]');
    const served = await page.textContent('[data-testid=rewrite-served]');
    assert.match(remembered, new RegExp(`^log\\.bongsu\\.demo\\n${size + 2}\\n`), "the checkpoint after the postmortem and the maintenance");
    assert.notEqual(remembered, served);
    assert.match(served, /^log\.bongsu\.demo\n\d+\n/);
    const evidence = JSON.parse(await download(page, 'rewrite-download'));
    assert.equal(evidence.kind, 'bongsu-history-rewrite/v1');
    assert.equal(evidence.remembered, remembered);
    await page.screenshot({ path: path.join(ensureScreenshotDir(), 'history-rewritten-1280.png'), fullPage: true });
    assert.deepEqual(page.errors, []);
  } finally {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
});

// A link into the other build, followed while the page's fetches are still
// in flight: the page shown stays until the next document loads. (It used
// to be unmounted first, and a fetch answering in that window read what
// the unmount had disposed: a wasm trap, in 9 of 40 tries.)
test('following a link into the other build while fetches are in flight never traps', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bongsu-leave-'));
  const port = await freeBase();
  const server = await startServer(['demo', '--dir', dir, '--app', DIST, '--port', String(port)], 30000);
  const errors = [];
  try {
    const app = server.urls.app;
    for (let i = 0; i < 30; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      page.on('pageerror', (error) => errors.push(`try ${i}: ${error} at ${page.url()}`));
      await page.goto(`${app}#/`);
      // Land at a different moment of the page's start each time.
      await page.waitForTimeout((i * 13) % 400);
      // Same document, another hash: the status build leaves for the history build.
      await page.goto(`${app}#/incidents/${INCIDENT}`);
      await page.waitForSelector('[data-testid=incident-detail]', { timeout: 15000 });
      assert.equal(page.url(), `${app}history/#/incidents/${INCIDENT}`);
      await context.close();
    }
    assert.deepEqual(errors, []);
  } finally {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the status page loads without the history pages, which are their own build one link away', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bongsu-split-'));
  const port = await freeBase();
  const server = await startServer(['demo', '--dir', dir, '--app', DIST, '--port', String(port)], 30000);
  try {
    const app = server.urls.app;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = [];
    // With the page's address and the stack: a trap during a cross-build
    // navigation is otherwise hard to place.
    page.on('pageerror', (error) => errors.push(`${error} at ${page.url()}\n${error.stack}`));
    const requested = [];
    page.on('request', (request) => requested.push(new URL(request.url()).pathname));
    await page.goto(`${app}#/`);
    await page.waitForSelector('[data-testid=history-summary] a', { timeout: 15000 });
    assert.deepEqual(requested.filter((p) => p.startsWith('/history/')), [], 'the status page fetched the history build');
    assert.ok(requested.some((p) => /\/bongsu-app-[0-9a-f]+_bg\.wasm$/.test(p)), requested.join(' '));

    // The navigation crosses between the two builds, and back.
    await page.click('[data-testid=nav-history]');
    await page.waitForSelector('[data-testid=uptime-row]', { timeout: 15000 });
    assert.equal(page.url(), `${app}history/#/history`);
    assert.equal(await page.getAttribute('[data-testid=nav-history]', 'aria-current'), 'page');
    await page.click('[data-testid=nav-status]');
    await page.waitForSelector('[data-testid=history-summary] a', { timeout: 15000 });
    assert.equal(page.url(), `${app}#/`);

    // An incident permalink in the old, single-build form still lands.
    await page.goto(`${app}#/incidents/${INCIDENT}`);
    await page.waitForSelector('[data-testid=incident-detail]', { timeout: 15000 });
    assert.equal(page.url(), `${app}history/#/incidents/${INCIDENT}`);
    // And the status page's address on the history build goes home.
    await page.goto(`${app}history/#/`);
    await page.waitForSelector('[data-testid=history-summary] a', { timeout: 15000 });
    assert.equal(page.url(), `${app}#/`);
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a region given by a URL relative to config.json works from every page: status, history, widget', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bongsu-relative-'));
  const demo = await startServer(['demo', '--dir', dir, '--app', DIST, '--port', String(await freeBase())], 30000);
  let server;
  try {
    // The operator's origin serves the app and a copy of one region beside it.
    const site = path.join(dir, 'site');
    cpSync(DIST, site, { recursive: true });
    cpSync(path.join(dir, 'regions', 'seoul'), path.join(site, 'mirror', 'seoul'), { recursive: true });
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
    config.regions = [{ id: 'here', name: 'This origin', url: 'mirror/seoul' }];
    writeFileSync(path.join(dir, 'relative.json'), JSON.stringify(config));
    const port = await freeBase();
    server = await startServer(['serve', '--app', `${site}@127.0.0.1:${port}`, '--config', path.join(dir, 'relative.json')]);
    const app = server.urls.app;
    const seq = readFeed(path.join(dir, 'regions/seoul/feed.note')).seq;

    const seqShown = (page, want) => page.waitForFunction(
      (w) => document.querySelector('[data-testid=feed-meta]')?.dataset.seq === w, String(want), { timeout: 15000 });

    const page = await openPage(browser, `${app}#/`);
    await waitForRegionState(page, 'here', 'valid', 15000);
    await seqShown(page, seq);
    // The history page is kept only if the offline worker serves its
    // navigation: wait until it controls the page (its install fetches the
    // shell, and on a busy machine that can outlast the first status).
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15000 });
    await page.goto(`${app}history/#/history`);
    await waitForText(page, '[data-testid=history-verified]', 'cosigned by 3 independent witnesses');
    await page.goto(`${app}embed/`);
    await page.waitForFunction(
      (want) => document.querySelector('[data-testid=widget-meta]')?.dataset.seq === want,
      String(seq),
      { timeout: 15000 },
    );

    // A newer feed on this origin reaches a page the offline worker now
    // controls: the worker must not keep a same-origin feed like one of
    // the app's own files.
    const replay = await admin(demo, 'replay', 'end');
    assert.equal(replay.status, 200, await replay.text());
    let newer = seq;
    for (let i = 0; i < 100 && newer <= seq; i++) {
      await new Promise((r) => setTimeout(r, 100));
      newer = readFeed(path.join(dir, 'regions/seoul/feed.note')).seq;
    }
    assert.ok(newer > seq, `the replay signed no newer feed (still ${seq})`);
    cpSync(path.join(dir, 'regions', 'seoul'), path.join(site, 'mirror', 'seoul'), { recursive: true });
    await page.goto(`${app}#/`);
    assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null), 'the worker controls the page');
    await seqShown(page, newer);
    // The worker stores what it fetched after answering: give its cache write a moment (bounded).
    const cached = () => page.evaluate(async () => {
      const urls = [];
      for (const name of await caches.keys()) urls.push(...(await (await caches.open(name)).keys()).map((r) => r.url));
      return urls;
    });
    let kept = await cached();
    for (let i = 0; i < 50 && !kept.some((u) => u.endsWith('/history/')); i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      kept = await cached();
    }
    assert.ok(kept.some((u) => u.endsWith('/history/')), 'the history page is kept once visited');
    assert.deepEqual(kept.filter((u) => u.includes('/mirror/')), [], 'the worker kept region files');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  } finally {
    if (server) await stopServer(server);
    await stopServer(demo);
    rmSync(dir, { recursive: true, force: true });
  }
});
