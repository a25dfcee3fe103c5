// Bongsu as a phone sees it on the day of the fire: the demo (the Kakao
// replay, three regions, probes, the history log) in headless Chromium,
// every origin behind an emulated network link (link.mjs), regions at
// different distances, and the primary region gone the way a burnt
// datacenter is gone (its packets dropped, no reset).
//
// For each profile, primary present or gone, and cold or returning visit:
// time to the first verified status, time to the last known status shown,
// bytes that crossed the link and requests made until the first verified
// status, the lower bound for the same (stated below) and measured ÷ bound.
// Also the issue's own baseline method (Chromium's network emulation on the
// demo as served), for comparison. Prints medians of BENCH_RUNS runs
// (default 5); asserts nothing.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import zlib from 'node:zlib';
import { DIST, admin, freeBase, launchBrowser, startServer, stopServer } from '../tests/harness.mjs';
import { Link, LINK_PROFILES, blackHole } from './link.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PROFILES = process.env.BENCH_PROFILES
  ? LINK_PROFILES.filter((x) => process.env.BENCH_PROFILES.split(',').includes(x.name))
  : LINK_PROFILES;
// Extra round trip to each region beyond the phone's own, in the config's
// order (the first is the primary): Seoul near, Busan further, Tokyo far.
const EXTRA_MS = [5, 35, 70];
const COLD_GOAL = 1.3; // × the lower bound
const RETURNING_KNOWN_GOAL_MS = 100;

// In the page: when the banner first shows a status (device or region) and
// when it first shows one verified from a region; both on the page clock
// (from navigation start) and the wall clock (to match the link's log).
const OBSERVE = () => {
  const mark = () => {
    const banner = document.querySelector('[data-testid=banner]');
    const status = banner?.dataset.status;
    if (!status || status === 'unknown') return;
    const now = { page: performance.now(), wall: Date.now() };
    window.__known ??= now;
    window.__appKnown ??= now;
    if (banner.dataset.source === 'region') window.__verified ??= now;
  };
  // The page of an earlier visit, shown before the app starts (src/snapshot.rs).
  const snapshot = () => {
    if (document.getElementById('bongsu-snapshot')) window.__known ??= { page: performance.now(), wall: Date.now() };
  };
  new MutationObserver(() => { snapshot(); mark(); }).observe(document, { childList: true, subtree: true, attributes: true });
  // Trunk's loader says when the wasm has been instantiated and its main run.
  addEventListener('TrunkApplicationStarted', () => { window.__started ??= performance.now(); });
};

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const brotliSizes = new Map();
function brotliSize(url, body) {
  const key = `${url} ${body.length}`;
  if (!brotliSizes.has(key)) {
    brotliSizes.set(key, zlib.brotliCompressSync(body, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    }).length);
  }
  return brotliSizes.get(key);
}

/// One visit in `page`: navigates to `url` and waits for the first verified
/// status. Returns times (ms from navigation start), bytes down (link) and
/// the requests made until then, with the brotli size of what they fetched.
async function visit(page, url, link, { emulate, afterMs = 0 } = {}) {
  const requests = [];
  const onRequest = (request) => requests.push({ request, at: Date.now() });
  page.on('request', onRequest);
  if (emulate) {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: emulate.rttMs, downloadThroughput: emulate.downBps / 8, uploadThroughput: emulate.upBps / 8,
    });
    page.cdpWire = 0;
    cdp.on('Network.loadingFinished', (e) => { page.cdpWire += e.encodedDataLength; });
  }
  link?.resetLog();
  const navigatedAt = Date.now();
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__verified, null, { timeout: 30000 }).catch(async (error) => {
    const banner = await page.evaluate(() => `${location.href} ${document.readyState} ${document.querySelector('[data-testid=banner]')?.outerHTML ?? document.documentElement.outerHTML.slice(0, 300)}`);
    throw new Error(`${url}: no verified status in 30 s; the page shows ${banner}\n${error.message}`);
  });
  const { known, appKnown, verified, started } = await page.evaluate(() => ({
    known: window.__known, appKnown: window.__appKnown, verified: window.__verified, started: window.__started,
  }));
  // What the page still asks of the app's origin once the status is shown
  // (`afterMs` more): a file asked again there costs a phone's bandwidth
  // even if it costs no time to the first status.
  if (afterMs) await page.waitForTimeout(afterMs);
  page.off('request', onRequest);
  // By the browser's clock where it has one: the 'request' event reaches
  // this process a few ms late.
  for (const r of requests) {
    const { startTime } = r.request.timing();
    if (startTime > 0) r.at = startTime;
  }
  const before = requests.filter((r) => r.at <= verified.wall);
  // What the network answered (not the worker's cache): its brotli size at
  // best is what had to travel.
  let brotli = 0;
  let network = 0;
  const paths = [];
  for (const { request, at } of before) {
    const response = await request.response().catch(() => null);
    const fromWorker = response?.fromServiceWorker() ?? false;
    const body = response && !fromWorker ? await response.body().catch(() => null) : null;
    if (body) brotli += brotliSize(request.url(), body);
    if (!fromWorker) network += 1;
    const where = new URL(request.url());
    const timing = request.timing();
    const end = timing.responseEnd > 0 ? ` → ${String(Math.round(at + timing.responseEnd - navigatedAt)).padStart(5)} ms` : '';
    paths.push(`${String(Math.round(at - navigatedAt)).padStart(5)} ms${end} ${fromWorker ? 'worker ' : 'network'} ${where.port}${where.pathname}`);
  }
  const appOrigin = new URL(url).origin;
  const later = [];
  for (const { request, at } of requests.filter((r) => r.at > verified.wall && new URL(r.request.url()).origin === appOrigin)) {
    const response = await request.response().catch(() => null);
    later.push(`${String(Math.round(at - navigatedAt)).padStart(5)} ms ${response?.fromServiceWorker() ? 'worker ' : 'network'} ${new URL(request.url()).pathname}`);
  }
  const marks = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const at = (name) => performance.getEntriesByName(name)[0]?.startTime;
    return { html: nav?.responseEnd, parsed: nav?.domInteractive, early: at('bongsu-early'), snapshot: at('bongsu-snapshot') };
  });
  const ms = (x) => (x === undefined ? '–' : `${Math.round(x)} ms`);
  paths.push(`page: HTML in at ${ms(marks.html)}, early script at ${ms(marks.early)}, snapshot shown at ${ms(marks.snapshot)}, parsed at ${ms(marks.parsed)}`);
  if (started !== undefined) paths.push(`${String(Math.round(started)).padStart(5)} ms: the app's code started`);
  paths.push(`${String(Math.round(known.page)).padStart(5)} ms: last known status shown; ${Math.round(appKnown.page)} ms: by the app; ${Math.round(verified.page)} ms: verified`);
  return {
    known: known.page,
    verified: verified.page,
    down: link ? link.bytes('down', verified.wall) : page.cdpWire,
    requests: network,
    brotli,
    paths,
    later,
    laterAppBytes: link && afterMs ? link.bytes('down', Infinity, 'app') - link.bytes('down', verified.wall, 'app') : undefined,
  };
}

/// What a visit asked of the app once its status was verified, and (on the
/// emulated link) the bytes from the app that crossed the link then.
function afterStatus({ later, laterAppBytes }) {
  const asked = later.length ? later.join('; ') : 'nothing';
  const bytes = laterAppBytes === undefined ? '' : `; ${(laterAppBytes / 1000).toFixed(1)} KB from the app crossed the link then`;
  return `asked of the app in the 2 s after the verified status: ${asked}${bytes}`;
}

/// A cold visit in a fresh context, then a returning one in the same
/// context once the worker controls the page and the status is saved.
async function coldThenReturning(browser, url, link, options) {
  const context = await browser.newContext({ viewport: { width: 360, height: 780 } });
  await context.addInitScript(OBSERVE);
  try {
    const page = await context.newPage();
    const cold = await visit(page, url, link, options);
    await page.evaluate(() => navigator.serviceWorker.ready);
    // Let the worker finish keeping the shell and the page saving its status.
    await page.waitForTimeout(2000);
    await page.close();
    link?.dropConnections();
    const again = await context.newPage();
    const returning = await visit(again, url, link, { ...options, afterMs: 2000 });
    return { cold, returning };
  } finally {
    await context.close();
  }
}

/// A server that accepts connections and never answers: the fallback black
/// hole where the network one cannot be made (not root, no iproute2).
function silentServer() {
  const sockets = new Set();
  const server = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: server.address().port,
    close: () => { for (const s of sockets) s.destroy(); server.close(); },
  })));
}

const dir = mkdtempSync(path.join(tmpdir(), 'bongsu-network-'));
const port = await freeBase();
const demo = await startServer(['demo', '--dir', dir, '--app', DIST, '--port', String(port)], 60000);
const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
const hole = await blackHole();
const silent = hole.address ? null : await silentServer();
const browser = await launchBrowser();
const apps = [];
const rows = [];
try {
  console.log(`primary gone: ${hole.address ? hole.why : `no network black hole here (${hole.why}); a server that accepts and never answers instead`}`);
  console.log(`regions ${config.regions.map((r, i) => `${r.id} +${EXTRA_MS[i]} ms`).join(', ')}; ${RUNS} run(s) per case; times from navigation start`);
  for (const profile of PROFILES) {
    const link = new Link(profile);
    try {
      const regionPorts = await Promise.all(config.regions.map((r, i) =>
        link.proxy(Number(new URL(r.url).port), { extraMs: EXTRA_MS[i], label: r.id })));
      for (const gone of [false, true]) {
        const regions = config.regions.map((r, i) => ({
          ...r,
          url: gone && i === 0
            ? (hole.address ? `http://${hole.address}:${new URL(r.url).port}/` : `http://127.0.0.1:${silent.port}/`)
            : `http://127.0.0.1:${regionPorts[i]}/`,
        }));
        const file = path.join(dir, `config-${profile.name}-${gone ? 'gone' : 'all'}.json`);
        writeFileSync(file, JSON.stringify({ ...config, regions }, null, 2));
        const app = await startServer(['serve', '--app', `${DIST}@127.0.0.1:0`, '--config', file]);
        apps.push(app);
        const appPort = await link.proxy(Number(new URL(app.urls.app).port), { label: 'app' });
        const url = `http://127.0.0.1:${appPort}/`;
        const runs = [];
        console.error(`  measuring: ${profile.name}, primary ${gone ? 'gone' : 'up'}`);
        for (let i = 0; i < RUNS; i++) runs.push(await coldThenReturning(browser, url, link));
        const nearest = Math.min(...EXTRA_MS.filter((_, i) => !(gone && i === 0)));
        const rttApp = profile.rttMs;
        const rttRegion = profile.rttMs + nearest;
        for (const visitKind of ['cold', 'returning']) {
          const all = runs.map((r) => r[visitKind]);
          const bytes = median(all.map((r) => r.brotli));
          const transfer = (bytes * 8 * 1000) / profile.downBps;
          // Cold: connect to the app and ask for the page (2 RTT), then the
          // page's bytes, overlapped at best with connecting to the nearest
          // healthy region and asking for its feed (2 of its RTTs).
          // Returning: nothing needed before the saved status; the fresh
          // one needs the region's 2 RTTs and its bytes.
          const bound = visitKind === 'cold'
            ? 2 * rttApp + Math.max(transfer, 2 * rttRegion)
            : 2 * rttRegion + transfer;
          rows.push({
            profile: profile.name, primary: gone ? 'gone' : 'up', visit: visitKind,
            verified: median(all.map((r) => r.verified)), known: median(all.map((r) => r.known)),
            kb: median(all.map((r) => r.down)) / 1000, brotliKb: bytes / 1000,
            requests: median(all.map((r) => r.requests)), bound,
          });
        }
        if (profile.name === 'phone' && gone) {
          console.log(`requests until the first verified status, phone, primary gone (start after navigation, answered by, port/path; port ${new URL(apps.at(-1).urls.app).port} is the app):`);
          console.log(`cold:\n  ${runs[0].cold.paths.join('\n  ')}`);
          console.log(`returning:\n  ${runs[0].returning.paths.join('\n  ')}`);
          // Every run: a request made twice would show here, not before.
          for (const [i, { returning }] of runs.entries()) {
            console.log(`returning, run ${i + 1}: ${afterStatus(returning)}`);
          }
        }
      }
    } finally {
      await link.close();
    }
  }

  // The issue's baseline method: Chromium's own emulation (latency per
  // request, the worker's fetches not throttled) on the demo as served, the
  // primary black-holed by the demo's own fault mode.
  const phone = { rttMs: 150, downBps: 1.6e6, upBps: 750e3 };
  for (const gone of [false, true]) {
    await admin(demo, 'regions/seoul/fault', gone ? 'blackhole' : 'healthy');
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await coldThenReturning(browser, demo.urls.app, null, { emulate: phone }));
    for (const [i, { returning }] of runs.entries()) {
      console.log(`Chromium emulation, primary ${gone ? 'black-holed' : 'up'}, returning, run ${i + 1}: ${afterStatus(returning)}`);
    }
    for (const visitKind of ['cold', 'returning']) {
      const all = runs.map((r) => r[visitKind]);
      const bytes = median(all.map((r) => r.brotli));
      rows.push({
        profile: 'phone (Chromium emulation)', primary: gone ? 'black-holed' : 'up', visit: visitKind,
        verified: median(all.map((r) => r.verified)), known: median(all.map((r) => r.known)),
        kb: median(all.map((r) => r.down)) / 1000, brotliKb: bytes / 1000,
        requests: median(all.map((r) => r.requests)),
        bound: visitKind === 'cold' ? 2 * phone.rttMs + (bytes * 8 * 1000) / phone.downBps : phone.rttMs,
      });
    }
  }
  await admin(demo, 'regions/seoul/fault', 'healthy');
} finally {
  await browser.close();
  await Promise.all(apps.map(stopServer));
  await stopServer(demo);
  hole.close();
  silent?.close();
  rmSync(dir, { recursive: true, force: true });
}

const pad = (s, n) => String(s).padStart(n);
console.log('\nmedians: first verified status, last known status shown (ms from navigation start), KB that crossed the link, the same as brotli at best, requests until verified, lower bound (ms), verified ÷ bound');
console.log(`${'profile'.padEnd(28)}${'primary'.padEnd(12)}${'visit'.padEnd(10)}${pad('verified', 9)}${pad('known', 8)}${pad('KB', 8)}${pad('br KB', 8)}${pad('req', 5)}${pad('bound', 7)}${pad('÷', 7)}`);
for (const r of rows) {
  console.log(`${r.profile.padEnd(28)}${r.primary.padEnd(12)}${r.visit.padEnd(10)}${pad(r.verified.toFixed(0), 9)}${pad(r.known.toFixed(0), 8)}${pad(r.kb.toFixed(1), 8)}${pad(r.brotliKb.toFixed(1), 8)}${pad(r.requests, 5)}${pad(r.bound.toFixed(0), 7)}${pad((r.verified / r.bound).toFixed(2), 7)}`);
}
const goal = rows.find((r) => r.profile === 'phone' && r.primary === 'gone' && r.visit === 'cold');
const back = rows.find((r) => r.profile === 'phone' && r.primary === 'gone' && r.visit === 'returning');
if (goal && back) console.log(`\ngoals (phone, primary gone): cold ${(goal.verified / goal.bound).toFixed(2)} × bound (goal ≤ ${COLD_GOAL}); `
  + `returning, last known shown at ${back.known.toFixed(0)} ms (goal ≤ ${RETURNING_KNOWN_GOAL_MS}), fresh at ${back.verified.toFixed(0)} ms (bound ${back.bound.toFixed(0)} + verification)`);
