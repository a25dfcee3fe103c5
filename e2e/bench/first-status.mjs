// Time to first verified status, in headless Chromium against real local
// regions: all regions healthy, versus the primary (first-listed) region
// black-holed (accepts connections, never answers). Each run is a cold page
// in a fresh browser profile (no cache, no saved status, no saved keys).
// Prints the runs, the medians and their ratio; the budget is ratio ≤ 1.2.

import { Scenario, launchBrowser } from '../tests/harness.mjs';
import { outage } from '../tests/fixtures.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const BUDGET = 1.2;

// Records when the first verified status reaches the DOM, in page time.
const OBSERVE = () => {
  const mark = () => {
    if (!window.__firstStatus && document.querySelector('[data-testid=feed-meta]')) {
      window.__firstStatus = performance.now();
    }
  };
  new MutationObserver(mark).observe(document, { childList: true, subtree: true });
};

async function firstStatus(browser, url) {
  const context = await browser.newContext();
  await context.addInitScript(OBSERVE);
  const page = await context.newPage();
  // Bytes on the wire (headers and compressed bodies) until the first
  // verified status: what serve's compression saves.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  let wire = 0;
  let requests = 0;
  const counting = (e) => { wire += e.encodedDataLength; requests += 1; };
  cdp.on('Network.loadingFinished', counting);
  await page.goto(url);
  await page.waitForFunction(() => window.__firstStatus, null, { timeout: 15000 });
  const ms = await page.evaluate(() => window.__firstStatus);
  cdp.off('Network.loadingFinished', counting);
  // A second poll of an unchanged feed: what did it cost on the wire?
  const statuses = [];
  // The wire status (a revalidated response reaches the page as 200).
  const feedRequests = new Set();
  cdp.on('Network.requestWillBeSent', (e) => {
    if (e.request.url.endsWith('/feed.note')) feedRequests.add(e.requestId);
  });
  cdp.on('Network.responseReceivedExtraInfo', (e) => {
    if (feedRequests.has(e.requestId)) statuses.push(e.statusCode);
  });
  await page.click('[data-testid=refresh]');
  await page.waitForTimeout(300);
  await context.close();
  return { ms, statuses, wire, requests };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const browser = await launchBrowser();
const s = new Scenario();
try {
  s.publish(outage());
  await s.start({ refreshSeconds: 30, timeoutMs: 5000 });
  const results = { healthy: [], blackholed: [] };
  const revalidation = [];
  const wire = [];
  // Alternate the two cases so drift on a busy machine hits both alike.
  await firstStatus(browser, s.appUrl); // warm-up: first launch of the renderer
  for (let i = 0; i < RUNS; i++) {
    await s.setFault('seoul', 'healthy');
    const healthy = await firstStatus(browser, s.appUrl);
    results.healthy.push(healthy.ms);
    wire.push(healthy);
    revalidation.push(...healthy.statuses);
    await s.setFault('seoul', 'blackhole');
    results.blackholed.push((await firstStatus(browser, s.appUrl)).ms);
  }
  await s.setFault('seoul', 'healthy');
  const fmt = (xs) => xs.map((x) => x.toFixed(0)).join(' ');
  const h = median(results.healthy);
  const b = median(results.blackholed);
  console.log(`time to first verified status, cold page, ${RUNS} runs each (ms, page clock from navigation start):`);
  console.log(`  all regions healthy:     median ${h.toFixed(1)}   runs: ${fmt(results.healthy)}`);
  console.log(`  primary black-holed:     median ${b.toFixed(1)}   runs: ${fmt(results.blackholed)}`);
  const bytes = median(wire.map((w) => w.wire));
  console.log(`  on the wire until then (all healthy): median ${(bytes / 1000).toFixed(1)} KB in ${median(wire.map((w) => w.requests))} requests (bongsu serve, compressed)`);
  console.log(`  ratio black-holed / healthy: ${(b / h).toFixed(3)} (budget ≤ ${BUDGET})`);
  const counts = revalidation.reduce((m, st) => ({ ...m, [st]: (m[st] ?? 0) + 1 }), {});
  console.log(`  second poll of an unchanged feed, HTTP statuses seen: ${JSON.stringify(counts)}`);
  // The quick pass (one run each, inside the test command) asserts nothing.
  if (b / h > BUDGET && !process.env.BENCH_QUICK) {
    console.log('  OVER BUDGET');
    process.exitCode = 1;
  }
} finally {
  await s.close();
  await browser.close();
}
