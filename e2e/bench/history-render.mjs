// The history page's render time for 50 services × 90 days, in headless
// Chromium, on a cold visit to the history pages (which fetch and verify
// the log themselves): from navigation start to the log verified, and to
// all 50 uptime strips (90 bars each) and the incident list in the DOM.
// Prints each run and the medians.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DIST, bongsu, launchBrowser, startServer, stopServer, freeBase } from '../tests/harness.mjs';
import { fixtureRegion } from './fixture.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const FIXTURE = process.env.BONGSU_BENCH_BIN;
const SERVICES = 50;

const dir = mkdtempSync(path.join(tmpdir(), 'bongsu-render-'));
const { k, region, made } = fixtureRegion(dir, FIXTURE, { services: SERVICES, days: 90 });
bongsu('sign', '--key', k('status.key'), '--status', k('status.toml'), '--log', k('log'), '--log-key', k('log.key'),
  '--out', path.join(region, 'feed.note'));
const rootKey = execFileSync('cat', [k('root.key.pub')], { encoding: 'utf8' }).trim();

const port = await freeBase();
writeFileSync(k('config.json'), JSON.stringify({
  feed: 'kakao', title: 'Render benchmark', trust: { root: { threshold: 1, keys: [rootKey] } },
  regions: [{ id: 'one', name: 'One', url: `http://127.0.0.1:${port + 1}/` }], refresh_seconds: 300, timeout_ms: 4000,
}));
const server = await startServer(['serve', '--region', `one=${region}@127.0.0.1:${port + 1}`,
  '--app', `${DIST}@127.0.0.1:${port}`, '--config', k('config.json')]);
// In the history page: when the log is verified, and when all strips
// (90 bars each) and the incident list are in the DOM (page clock).
const OBSERVE = (services) => {
  const mark = () => {
    const now = performance.now();
    if (!window.__verified && document.querySelector('[data-testid=history-verified]')) window.__verified = now;
    if (!window.__rendered
      && document.querySelectorAll('[data-testid=uptime-row]').length === services
      && document.querySelectorAll('[data-testid=uptime-row] .bars .bar').length === services * 90
      && document.querySelector('.incident-list')) window.__rendered = now;
  };
  new MutationObserver(mark).observe(document, { childList: true, subtree: true });
};

const browser = await launchBrowser();
const verified = [];
const rendered = [];
try {
  for (let run = 0; run < RUNS; run++) {
    // Cold each time: the history pages download and verify the whole log.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript(OBSERVE, SERVICES);
    const page = await context.newPage();
    await page.goto(`${server.urls.app}history/#/history`);
    await page.waitForFunction(() => window.__verified && window.__rendered, null, { timeout: 60000 });
    const t = await page.evaluate(() => ({ verified: window.__verified, rendered: window.__rendered }));
    verified.push(t.verified);
    rendered.push(t.rendered);
    await context.close();
  }
} finally {
  await browser.close();
  await stopServer(server);
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = (xs) => xs.map((t) => t.toFixed(0)).join(', ');
console.log(`history page, ${SERVICES} services × 90 days (${made}), cold, from navigation start:`);
console.log(`  log verified: median ${median(verified).toFixed(0)} ms (runs ${runs(verified)})`);
console.log(`  every strip and the incident list rendered: median ${median(rendered).toFixed(0)} ms (runs ${runs(rendered)})`);
