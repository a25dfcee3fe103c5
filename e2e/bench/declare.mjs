// From pressing enter to the new status verified on a page: the on-call
// engineer runs `bongsu component set` (edit the status file, check, sign
// into three regions), and a page in headless Chromium polling the three
// local regions shows the new status, which it only does once a region's
// feed verified. Prints every run and the medians; asserts no timing.
//
// What the figure is made of: the command itself, then the wait for the
// page's next poll (uniform between 0 and the poll interval, so half of it
// on average), then fetching and verifying. The runs are spread over the
// poll cycle by a random pause between them.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { BIN, Scenario, launchBrowser, openPage, waitForSeq, readFeed } from '../tests/harness.mjs';
import { outage } from '../tests/fixtures.mjs';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bongsu ${args.join(' ')}: ${stderr}`))));
  });
}

/// Runs the measurement; returns every run's (command, shown) milliseconds.
export async function measureDeclare({ runs = 7, refreshSeconds = 2, log = () => {} } = {}) {
  const s = new Scenario();
  const browser = await launchBrowser();
  try {
    s.publish(outage());
    await s.start({ refreshSeconds });
    const page = await openPage(browser, s.appUrl);
    await waitForSeq(page, readFeed(s.feedFile('seoul')).seq, 20000);
    const file = path.join(s.dir, 'status.toml');
    const outs = s.regionIds.flatMap((id) => ['--out', s.feedFile(id)]);
    const results = [];
    for (let i = 0; i < runs; i++) {
      const to = i % 2 === 0 ? 'major_outage' : 'operational';
      const started = performance.now();
      await run(['component', 'set', 'melon/streaming', to, '--status', file, '--key', s.key, ...outs]);
      const signed = performance.now();
      await page.waitForSelector(
        `[data-service-id=melon] [data-component-id=streaming][data-status=${to}]`, { timeout: 30000 });
      const shown = performance.now();
      const one = { command: Math.round(signed - started), shown: Math.round(shown - started) };
      results.push(one);
      log(`run ${i + 1}: command ${one.command} ms, verified on the page ${one.shown} ms after enter`);
      // Land the next run somewhere else in the page's poll cycle.
      await page.waitForTimeout(Math.random() * refreshSeconds * 1000);
    }
    return results;
  } finally {
    await browser.close();
    await s.close();
  }
}

export function summary(results, refreshSeconds) {
  const command = median(results.map((r) => r.command));
  const shown = median(results.map((r) => r.shown));
  return `declare → verified on a page polling 3 regions every ${refreshSeconds} s: median ${shown} ms `
    + `over ${results.length} runs (the command itself ${command} ms; expected wait for the next poll `
    + `${refreshSeconds * 500} ms on average)`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const refreshSeconds = Number(process.env.BENCH_REFRESH ?? 2);
  const results = await measureDeclare({ runs: Number(process.env.BENCH_RUNS ?? 7), refreshSeconds, log: console.log });
  console.log(summary(results, refreshSeconds));
}
