// Regional probes as a reader sees them: real `bongsu probe` agents in two
// of three regions check a real local HTTP service; the test breaks the
// service while the operator declares nothing, and the page must say
// "undeclared outage" within one probe interval plus one poll. Then the
// operator signs with --probes and the disagreement is in the history log.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, writeFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  BIN, Scenario, launchBrowser, newPage, openPage, waitForSeq, bongsu, ensureScreenshotDir,
} from './harness.mjs';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PROBE_INTERVAL_S = 2;
const REFRESH_S = 2;
const PROBED = ['seoul', 'busan'];

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/// A service the probes check: `mode` is 'healthy' (200) or 'error' (500).
async function localService() {
  const service = { mode: 'healthy', hits: 0 };
  service.server = createServer((req, res) => {
    service.hits += 1;
    res.writeHead(service.mode === 'healthy' ? 200 : 500, { 'content-type': 'text/plain' });
    res.end(service.mode);
  });
  await new Promise((resolve) => service.server.listen(0, '127.0.0.1', resolve));
  service.url = `http://127.0.0.1:${service.server.address().port}/health`;
  return service;
}

/// `bongsu probe` for one region, writing probe.note into the region's directory.
function startProbe(s, id, key, serviceUrl) {
  const config = path.join(s.dir, `probe-${id}.toml`);
  writeFileSync(config, [
    'feed = "kakao"', `region = "${id}"`, `interval = "${PROBE_INTERVAL_S}s"`, 'window = "20s"', 'timeout = "1s"', '',
    '[[service]]', 'id = "talk"', '[[service.check]]', `http = "${serviceUrl}"`, '',
  ].join('\n'));
  const out = path.join(path.dirname(s.feedFile(id)), 'probe.note');
  const proc = spawn(BIN, ['probe', '--config', config, '--key', key, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  const probe = { proc, out, log: '' };
  proc.stdout.on('data', (d) => { probe.log += d; });
  proc.stderr.on('data', (d) => { probe.log += d; });
  s.servers.push({ proc });
  return probe;
}

/// Resolves once the probe has published its first observation.
async function firstObservation(probe, timeoutMs = 10000) {
  const until = Date.now() + timeoutMs;
  while (!existsSync(probe.out)) {
    if (Date.now() > until || probe.proc.exitCode !== null) {
      throw new Error(`the probe wrote no ${probe.out} in ${timeoutMs} ms:\n${probe.log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/// A probe key for each region in PROBED, published in the key set beside
/// the status keys; returns them by region.
function publishProbeKeys(s) {
  const probeKeys = Object.fromEntries(PROBED.map((id) => [id, s.keygen(`probe-${id}`, `probe-${id}.e2e.test`)]));
  s.publishKeys({ status: [s.key], revoked: [s.retiredKey], probes: probeKeys });
  return probeKeys;
}

/// `bongsu probe` in each region of PROBED, checking `service`, once each
/// has published its first observation.
async function probesRunning(s, probeKeys, service) {
  const probes = PROBED.map((id) => startProbe(s, id, probeKeys[id], service.url));
  await Promise.all(probes.map((p) => firstObservation(p)));
  return probes;
}

function operational() {
  return {
    feed: 'kakao',
    services: [{ id: 'talk', name: 'KakaoTalk', components: [{ id: 'messaging', name: 'Messaging', status: 'operational' }] }],
  };
}

/// axe-core's WCAG 2.2 A/AA violations on the page as it is now.
async function axeViolations(page) {
  // Evaluated by the browser's devtools protocol, which the page's CSP does not govern.
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return result.violations.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
}

function readMeasured(page) {
  return page.evaluate(() => {
    const m = document.querySelector('[data-testid=service][data-service-id=talk] [data-testid=measured]');
    return m && { verdict: m.dataset.state, text: m.textContent };
  });
}

test('a broken service the operator has not declared is called out within one probe interval plus one poll', async () => {
  const s = new Scenario();
  const service = await localService();
  try {
    const probeKeys = publishProbeKeys(s);
    const feed = s.publish(operational());
    await s.start({ refreshSeconds: REFRESH_S, graceSeconds: 0 });
    await probesRunning(s, probeKeys, service);

    const page = await openPage(browser, s.appUrl);
    await waitForSeq(page, feed.seq);
    // Both probing regions counted; the one without a probe is not.
    await page.waitForFunction(() => /working from 2 of 2 regions/.test(document.querySelector('[data-testid=measured]')?.textContent), null, { timeout: 10000 });
    let measured = await readMeasured(page);
    assert.equal(measured.verdict, 'up');
    const probeState = (id) => page.evaluate((rid) => document.querySelector(`[data-testid=region][data-region-id=${rid}] [data-testid=region-probe]`)?.dataset.state, id);
    assert.equal(await probeState('seoul'), 'current');
    assert.equal(await probeState('tokyo'), 'none', 'a region without a probe is shown as such');
    assert.equal(await page.locator('[data-testid=disagreements]').count(), 0, 'probes and declaration agree');

    // Break the service; the operator declares nothing.
    service.mode = 'error';
    const brokeAt = Date.now();
    await page.waitForSelector('[data-testid=disagreement][data-about=talk][data-state=undeclared_outage]', { timeout: 15000 });
    const tookMs = Date.now() - brokeAt;
    // One probe interval (plus its jitter), then one poll, with 3 s for the
    // check, the fetch and a busy machine; waiting for the grace period or
    // for half the probe's 20 s window would take far longer.
    const budgetMs = (PROBE_INTERVAL_S * 1.1 + REFRESH_S) * 1000 + 3000;
    assert.ok(tookMs <= budgetMs, `shown after ${tookMs} ms, more than one probe interval plus one poll (${budgetMs} ms)`);
    console.log(`undeclared outage shown ${tookMs} ms after the break (probe interval ${PROBE_INTERVAL_S} s, poll ${REFRESH_S} s, limit ${budgetMs} ms)`);
    measured = await readMeasured(page);
    assert.equal(measured.verdict, 'down');
    assert.match(measured.text, /failing from 2 of 2 regions/);
    const notice = await page.locator('[data-testid=disagreements]').textContent();
    assert.match(notice, /KakaoTalk: probes in 2 of 2 regions have found it failing since .*the operator has not declared an outage/);
    // The declared status is untouched: the page shows both, side by side,
    // and the headline says whose claim the green is.
    assert.equal(await page.locator('[data-testid=service][data-service-id=talk]').getAttribute('data-status'), 'operational');
    const banner = page.locator('[data-testid=banner]');
    assert.equal(await banner.getAttribute('data-status'), 'operational', 'the banner keeps the declared status');
    assert.equal(await banner.getAttribute('data-disputed'), 'true');
    assert.equal(await banner.locator('h2').textContent(),
      'The operator reports all services operational; independent probes in 2 of 2 regions see KakaoTalk failing');
    await page.screenshot({ path: path.join(ensureScreenshotDir(), 'probes-undeclared-outage.png'), fullPage: true });
    // The partner widget says the same in its headline, in both languages,
    // keeping the declared status; its box passes axe too.
    for (const [lang, words] of [
      ['en', 'The operator reports all services operational; independent probes in 2 of 2 regions see KakaoTalk failing'],
      ['ko', '운영자는 모든 서비스가 정상이라고 밝혔지만, 독립 프로브는 2개 지역 중 2곳에서 KakaoTalk 장애를 확인했습니다'],
    ]) {
      const widget = await openPage(browser, `${s.appUrl}embed/?services=talk&lang=${lang}&mode=compact`, { width: 360, height: 400 });
      await widget.waitForSelector('[data-testid=widget-overall][data-disputed=true]', { timeout: 15000 });
      const overall = widget.locator('[data-testid=widget-overall]');
      assert.equal(await overall.getAttribute('data-status'), 'operational', 'the widget keeps the declared status');
      assert.equal((await overall.textContent()).trim(), `✓ ${words}`);
      assert.deepEqual(await axeViolations(widget), [], `widget axe, ${lang}`);
      await widget.screenshot({ path: path.join(ensureScreenshotDir(), `widget-disputed-${lang}.png`) });
      await widget.context().close();
    }
    // The notice, the measured lines and the probe lines pass axe in both themes.
    for (const colorScheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme });
      assert.deepEqual(await axeViolations(page), [], `axe, ${colorScheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    const phone = await openPage(browser, s.appUrl, { width: 360, height: 780 });
    await phone.waitForSelector('[data-testid=disagreement]', { timeout: 10000 });
    assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth) <= 360, 'no horizontal scrolling at 360 px');
    await phone.screenshot({ path: path.join(ensureScreenshotDir(), 'phone-360-probes-undeclared-outage.png'), fullPage: true });
    await phone.context().close();

    // In Korean too, with nothing left in English but names.
    await page.click('[data-testid=language-switch]');
    const ko = await page.locator('[data-testid=disagreements]').textContent();
    assert.match(ko, /운영자는 장애를 공지하지 않았습니다/);
    assert.equal(await page.locator('[data-testid=banner] h2').textContent(),
      '운영자는 모든 서비스가 정상이라고 밝혔지만, 독립 프로브는 2개 지역 중 2곳에서 KakaoTalk 장애를 확인했습니다');
    await page.screenshot({ path: path.join(ensureScreenshotDir(), 'probes-undeclared-outage-ko.png'), fullPage: true });
    assert.match(await page.locator('[data-testid=measured]').textContent(), /2개 지역 중 2곳에서 실패/);
    await page.click('[data-testid=language-switch]');

    // Repair: the notice goes once the probes see the service working again
    // (a repaired service is believed once most of the window has passed).
    service.mode = 'healthy';
    await page.waitForFunction(() => document.querySelector('[data-testid=measured]')?.dataset.state === 'up', null, { timeout: 30000 });
    assert.equal(await page.locator('[data-testid=disagreements]').count(), 0, 'the notice is gone');
    assert.equal(await page.locator('[data-testid=banner]').getAttribute('data-disputed'), 'false', 'and the plain headline is back');
    assert.deepEqual(page.errors, []);
  } finally {
    service.server.close();
    await s.close();
  }
});

// The probes' code is not part of the status page's first load (src/later.rs):
// it is fetched once a status is verified, with its integrity. A part that
// does not arrive as built (a region or CDN dropping it mid-load, or a cache
// serving other bytes) costs the probes' lines until it does, never the
// status, and it is asked again when the regions next answer.
test('the probes come in a later part fetched after the first verified status; one that fails to load or is altered is asked again', async () => {
  const s = new Scenario();
  const service = await localService();
  try {
    const probeKeys = publishProbeKeys(s);
    const feed = s.publish(operational());
    await s.start({ refreshSeconds: REFRESH_S, graceSeconds: 0 });
    await probesRunning(s, probeKeys, service);

    // No worker: it would fetch the part itself, past the page's routes.
    const page = await newPage(browser, { serviceWorkers: 'block' });
    const consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    const events = [];
    page.on('request', (r) => {
      if (r.url().includes('/later/')) events.push(['later asked', Date.now()]);
    });
    page.on('requestfinished', (r) => {
      if (r.url().endsWith('/feed.note')) events.push(['feed in', Date.now()]);
    });
    const asked = () => events.filter(([what]) => what === 'later asked').length;
    // First the connection drops; then the bytes come altered: still a
    // valid module (one more custom section), which only the integrity
    // check refuses; then as built.
    let mode = 'drop';
    await page.route('**/later/**', async (route) => {
      if (mode === 'drop') return route.abort('connectionreset');
      if (mode === 'altered') {
        const built = await (await route.fetch()).body();
        const extra = Buffer.from([0, 4, 3, 0x62, 0x61, 0x64]); // custom section "bad"
        return route.fulfill({ status: 200, contentType: 'application/wasm', body: Buffer.concat([built, extra]) });
      }
      return route.continue();
    });
    await page.goto(s.appUrl);
    await waitForSeq(page, feed.seq);
    await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.includes('/later/')), null, { timeout: 10000 });
    const firstLater = events.findIndex(([what]) => what === 'later asked');
    const firstFeed = events.findIndex(([what]) => what === 'feed in');
    assert.ok(firstFeed >= 0 && firstFeed < firstLater, `the later part was asked after a feed was in: ${JSON.stringify(events)}`);

    // Dropped: the status stands, without the probes' lines.
    assert.equal(await page.locator('[data-testid=measured]').count(), 0, 'no measured line without the probes');
    assert.equal(await page.locator('[data-testid=banner]').getAttribute('data-status'), 'operational');

    // Altered: refused for its integrity, and still no probes.
    const dropped = asked();
    mode = 'altered';
    const refused = () => consoleErrors.some((e) => /integrity/i.test(e));
    for (let i = 0; i < 100 && !(asked() > dropped && refused()); i++) await page.waitForTimeout(100);
    assert.ok(asked() > dropped, 'asked again after the drop');
    assert.ok(refused(), `refused for its integrity: ${consoleErrors.join(' | ')}`);
    assert.equal(await page.locator('[data-testid=measured]').count(), 0, 'no measured line from an altered part');

    // As built: the next answers ask for it again, and the probes come.
    mode = 'built';
    await page.waitForFunction(() => /working from 2 of 2 regions/.test(document.querySelector('[data-testid=measured]')?.textContent), null, { timeout: 15000 });
    const loaded = asked();
    assert.ok(loaded >= 3, `asked ${loaded} times`);
    // Once loaded it is not asked again on later polls.
    await page.waitForTimeout(REFRESH_S * 1000 + 500);
    assert.equal(asked(), loaded, 'asked again after it loaded');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  } finally {
    service.server.close();
    await s.close();
  }
});

test('the grace period holds the notice back, and the signer logs the disagreement in the history', async () => {
  const s = new Scenario();
  const service = await localService();
  try {
    const probeKeys = publishProbeKeys(s);
    const logKey = s.keygen('log', 'log.e2e.test');
    // The key set names the log key too, so readers verify the history.
    const keysToml = path.join(s.dir, 'keys.toml');
    writeFileSync(keysToml, `${readFileSync(keysToml, 'utf8')}\n[log]\nthreshold = 1\nkeys = ["${logKey}.pub"]\n`);
    bongsu('keyset', '--keys', keysToml, '--chain', path.join(s.dir, 'keys.json'), '--key', s.rootKey,
      ...s.regionIds.flatMap((id) => ['--out', s.keysFile(id)]));
    const statusFile = path.join(s.dir, 'status.toml');
    const sign = (...extra) => bongsu('sign', '--key', s.key, '--status', statusFile, '--log', path.join(s.dir, 'log'),
      '--log-key', logKey, ...s.regionIds.flatMap((id) => ['--out', s.feedFile(id)]), ...extra);
    s.publish(operational());
    sign();
    const graceSeconds = 6;
    await s.start({ refreshSeconds: REFRESH_S, graceSeconds });
    await probesRunning(s, probeKeys, service);

    const page = await openPage(browser, s.appUrl);
    await page.waitForFunction(() => document.querySelector('[data-testid=measured]')?.dataset.state === 'up', null, { timeout: 10000 });
    service.mode = 'error';
    const brokeAt = Date.now();
    await page.waitForFunction(() => document.querySelector('[data-testid=measured]')?.dataset.state === 'down', null, { timeout: 15000 });
    const measuredMs = Date.now() - brokeAt;
    if (measuredMs < graceSeconds * 1000 - 1500) {
      assert.equal(await page.locator('[data-testid=disagreements]').count(), 0, 'no notice within the grace period');
    }
    await page.waitForSelector('[data-testid=disagreement][data-state=undeclared_outage]', { timeout: 20000 });
    assert.ok(Date.now() - brokeAt >= graceSeconds * 1000, 'the notice waited out the grace period');

    // The operator's next signing logs it (the probes are read from the
    // regions named in the page's config, as a reader reads them).
    const out = sign('--probes', s.configFile);
    assert.match(out, /logged 1 event/);
    const { events } = JSON.parse(bongsu('audit', '--root', `${s.rootKey}.pub`, path.dirname(s.feedFile('seoul')),
      '--format', 'json', '--export', 'events'));
    const logged = events.filter((e) => e.kind === 'probes_disagreed');
    assert.equal(logged.length, 1, JSON.stringify(events));
    assert.equal(logged[0].event.service, 'talk');
    assert.equal(logged[0].event.disagreement, 'undeclared_outage');
    assert.deepEqual([logged[0].event.failing, logged[0].event.passing], [['busan', 'seoul'], []]);
    assert.doesNotMatch(sign('--probes', s.configFile), /logged [1-9]/, 'logged once, not on every signing');

    // The history page shows it, from the verified log.
    const history = await openPage(browser, new URL('history/#/history', s.appUrl).href);
    await history.waitForSelector('[data-testid=logged-disagreement][data-service-id=talk][data-kind=undeclared_outage]', { timeout: 15000 });
    const record = await history.locator('[data-testid=logged-disagreement]').textContent();
    assert.match(record, /KakaoTalk: probes in 2 of 2 regions found it failing, and no outage was declared/);
    assert.match(record, /ongoing/);
    assert.deepEqual([...page.errors, ...history.errors], []);
  } finally {
    service.server.close();
    await s.close();
  }
});
