// The partner widget as a partner's visitors meet it: the sample partner
// page (examples/partner, on its own origin, under its own CSP) embeds two
// widgets. They show the statuses the signed feed says, leave the partner's
// styles and scripts alone, keep the last verified status when every region
// is down, and recover when the regions come back.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DIST, repo, admin, launchBrowser, startServer, stopServer, freeBase, readFeed, ensureScreenshotDir,
} from './harness.mjs';

const PARTNER = path.join(repo, 'examples/partner');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const RANK = ['operational', 'under_maintenance', 'degraded_performance', 'partial_outage', 'major_outage'];
const worst = (statuses) => statuses.reduce((a, b) => (RANK.indexOf(b) > RANK.indexOf(a) ? b : a), 'operational');

let browser;
let demo;
let dir;
before(async () => {
  browser = await launchBrowser();
  dir = mkdtempSync(path.join(tmpdir(), 'bongsu-widget-'));
  demo = await startServer(
    ['demo', '--dir', dir, '--app', DIST, '--partner', PARTNER, '--port', String(await freeBase())],
    30000,
  );
});
after(async () => {
  await browser?.close();
  if (demo) await stopServer(demo);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const feedNow = () => readFeed(path.join(dir, 'regions/seoul/feed.note'));
const serviceStatus = (service) => worst(service.components.map((c) => c.status));

async function setAll(mode) {
  for (const id of ['seoul', 'busan', 'tokyo']) {
    const response = await admin(demo, `regions/${id}/fault`, mode);
    assert.equal(response.status, 200, await response.text());
  }
}

/// Waits until the widget in `frame` shows feed `seq` with `source` (region or device).
async function waitForWidget(frame, seq, source, timeout = 25000) {
  await frame.waitForFunction(
    ([seq, source]) => {
      const meta = document.querySelector('[data-testid=widget-meta]');
      return meta && meta.dataset.seq === String(seq) && meta.dataset.source === source;
    },
    [seq, source],
    { timeout },
  );
}

async function openPartner(context) {
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(demo.urls.partner);
  const compact = await (await page.waitForSelector('[data-testid=widget-compact]')).contentFrame();
  const detailed = await (await page.waitForSelector('[data-testid=widget-detailed]')).contentFrame();
  return { page, compact, detailed };
}

test('the sample partner page shows the signed statuses, untouched by and not touching the partner', async () => {
  const context = await browser.newContext({ viewport: { width: 800, height: 1200 } });
  const { page, compact, detailed } = await openPartner(context);
  const feed = feedNow();
  await waitForWidget(compact, feed.seq, 'region');
  await waitForWidget(detailed, feed.seq, 'region');

  // Compact, Korean: the worse of the two chosen services, in Korean.
  const chosen = feed.services.filter((s) => ['kakao-account', 'kakaopay'].includes(s.id));
  assert.equal(chosen.length, 2);
  const overall = await compact.$eval('[data-testid=widget-overall]', (el) => ({ status: el.dataset.status, text: el.textContent }));
  assert.equal(overall.status, worst(chosen.map(serviceStatus)));
  assert.match(overall.text, /서비스 2개/);
  assert.equal(await compact.getAttribute('html', 'lang'), 'ko');
  assert.equal(await compact.$$eval('[data-testid=widget-service]', (els) => els.length), 0);

  // Detailed, English, dark: every service with its own status, in order.
  const rows = await detailed.$$eval('[data-testid=widget-service]', (els) =>
    els.map((el) => ({ id: el.dataset.service, status: el.dataset.status, text: el.textContent })));
  assert.deepEqual(rows.map((r) => [r.id, r.status]), feed.services.map((s) => [s.id, serviceStatus(s)]));
  for (const row of rows) assert.doesNotMatch(row.text, /[\uAC00-\uD7A3]/, 'English widget, English words');
  assert.equal(await detailed.getAttribute('html', 'data-theme'), 'dark');
  // Every region answers (the first verified one may be shown before the others are in).
  await detailed.waitForFunction(() => /3 of 3 regions answered/.test(document.querySelector('[data-testid=widget-meta]').textContent));
  const link = await detailed.$eval('[data-testid=widget-link]', (a) => ({ href: a.href, target: a.target }));
  assert.equal(link.href, demo.urls.app);
  assert.equal(link.target, '_blank');

  // The partner's page is as the partner made it.
  const partner = await page.evaluate(() => ({
    globals: [window.init, window.render, window.start],
    errors: window.partner.errors,
    csp: window.partner.cspViolations,
    ticks: window.partner.ticks,
    h1: getComputedStyle(document.querySelector('h1')).textTransform,
    font: getComputedStyle(document.querySelector('h1')).fontFamily,
    scripts: document.scripts.length,
    sheets: document.styleSheets.length,
    elements: document.querySelectorAll('body *').length,
  }));
  assert.deepEqual(partner.globals, ['partner-init', 'partner-render', 'partner-start']);
  assert.deepEqual(partner.errors, []);
  assert.deepEqual(partner.csp, [], 'the documented CSP (frame-src) is all the widget needs');
  assert.ok(partner.ticks > 0, 'the partner script keeps running');
  assert.equal(partner.h1, 'uppercase');
  assert.match(partner.font, /Georgia/);
  assert.equal(partner.scripts, 1);
  assert.equal(partner.sheets, 1);
  assert.equal(partner.elements, 13, 'no element added to the partner page');
  assert.deepEqual(page.errors, []);

  // ...and the partner's heavy-handed CSS does not reach into the widget.
  const inside = await detailed.evaluate(() => ({
    font: getComputedStyle(document.body).fontFamily,
    border: getComputedStyle(document.querySelector('p')).borderStyle,
  }));
  assert.doesNotMatch(inside.font, /Georgia/);
  assert.equal(inside.border, 'none');

  // Both boxes pass the same WCAG 2.2 A/AA scan as the app's pages.
  for (const frame of [compact, detailed]) {
    await frame.evaluate(AXE);
    const violations = await frame.evaluate(async () => (await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    })).violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`));
    assert.deepEqual(violations, [], frame.url());
  }

  await page.screenshot({ path: path.join(ensureScreenshotDir(), 'partner-page.png'), fullPage: true });
  await context.close();
});

test('with every region down the widget keeps the last verified status, and recovers when they return', async () => {
  const context = await browser.newContext({ viewport: { width: 800, height: 1200 } });
  let { page, detailed } = await openPartner(context);
  const before = feedNow();
  await waitForWidget(detailed, before.seq, 'region');
  // Arriving is not news: the box is read as it is, and nothing is spoken
  // (a page with two boxes would otherwise speak twice at once).
  assert.equal(await detailed.textContent('#announce'), '');

  await setAll('down');
  // A new visit while every region is down: the widget's own device copy.
  await page.close();
  ({ page, detailed } = await openPartner(context));
  await waitForWidget(detailed, before.seq, 'device', 15000);
  assert.match(await detailed.textContent('[data-testid=widget-warning]'), /Saved on this device/);
  const rows = await detailed.$$eval('[data-testid=widget-service]', (els) => els.map((el) => el.dataset.status));
  assert.deepEqual(rows, before.services.map(serviceStatus));

  // The outage moves on while the regions are dark; when they come back the
  // widget shows the newer signed status by its next poll.
  const step = await admin(demo, 'replay', 'next');
  assert.equal(step.status, 200, await step.text());
  let after = feedNow();
  for (let i = 0; i < 100 && after.seq <= before.seq; i++) {
    await new Promise((r) => setTimeout(r, 100));
    after = feedNow();
  }
  assert.ok(after.seq > before.seq, 'the demo re-signed the next moment of the replay');
  await setAll('healthy');
  await waitForWidget(detailed, after.seq, 'region', 30000);
  assert.equal(await detailed.$$eval('[data-testid=widget-warning]', (els) => els.length), 0);
  const recovered = await detailed.$$eval('[data-testid=widget-service]', (els) => els.map((el) => el.dataset.status));
  assert.deepEqual(recovered, after.services.map(serviceStatus));
  // A change is spoken, and what is spoken is the headline on show.
  const spoken = await detailed.textContent('#announce');
  const headline = (await detailed.textContent('[data-testid=widget-overall]')).replace(/^\S+\s/, '');
  assert.ok(spoken === '' || spoken === headline, `announced "${spoken}" beside "${headline}"`);
  assert.deepEqual(page.errors, []);
  await context.close();
});
