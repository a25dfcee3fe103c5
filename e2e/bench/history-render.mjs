// The history page's render time for 50 services × 90 days, in headless
// Chromium: once the log is verified (on the status page), the time from
// following the History link to all 50 uptime strips (90 bars each) and the
// incident list being in the DOM. Prints each run and the median.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, DIST, bongsu, launchBrowser, startServer, stopServer, freeBase } from '../tests/harness.mjs';
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
const browser = await launchBrowser();
const times = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(server.urls.app);
    await page.waitForFunction(() => /events verified/.test(document.querySelector('[data-testid=history-summary]')?.textContent ?? ''), null, { timeout: 30000 });
    const ms = await page.evaluate((services) => new Promise((resolve) => {
      const start = performance.now();
      const done = () => document.querySelectorAll('[data-testid=uptime-row]').length === services
        && document.querySelectorAll('[data-testid=uptime-row] .bars a').length === services * 90
        && document.querySelector('.incident-list');
      const check = () => (done() ? resolve(performance.now() - start) : requestAnimationFrame(check));
      document.querySelector('[data-testid=nav-history]').click();
      requestAnimationFrame(check);
    }), SERVICES);
    times.push(ms);
    await context.close();
  }
} finally {
  await browser.close();
  await stopServer(server);
  rmSync(dir, { recursive: true, force: true });
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)];
console.log(`history page, ${SERVICES} services × 90 days (${made}): runs ${times.map((t) => t.toFixed(0)).join(', ')} ms; median ${median.toFixed(0)} ms`);
void BIN;
