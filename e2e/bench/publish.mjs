// Publishing a status change to three object stores at once (two S3
// buckets on moto, one Azure Blob container on Azurite, both on loopback)
// with a history log of about 10,000 events:
// - the time from saving the status file to every destination serving the
//   new feed: `sign --to ×3` (sign, witness-free log append, upload, and the
//   read-back that fetches each public feed.note until it is the new one),
//   then a reader's own GET of each public feed.note to confirm;
// - the bytes each status change uploads, beside the whole tree's, so "only
//   the changed files travel" is a measured ratio.
// Prints every run and the medians. No timing is asserted.

import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN } from '../tests/harness.mjs';
import { fixtureRegion } from './fixture.mjs';
import {
  CREDENTIALS, startMoto, startAzurite, stopProcess, motoBucket, azuriteContainer, s3Destination, azureDestination,
} from '../tests/storage.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const FIXTURE = process.env.BONGSU_BENCH_BIN;
if (!FIXTURE) throw new Error('BONGSU_BENCH_BIN (target/bench-native/bongsu-bench) is needed to make the log');
// 90 services over 400 days: about 10,000 events (printed below).
const SERVICES = Number(process.env.BENCH_SERVICES ?? 90);
const DAYS = Number(process.env.BENCH_DAYS ?? 400);

const withCredentials = { ...process.env, ...CREDENTIALS };
const run = (...args) => execFileSync(BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: withCredentials });

/// The report's rows: destination → { written, unchanged, failed, bytes }.
function rows(report) {
  const out = {};
  for (const line of report.split('\n')) {
    const m = line.match(/^(\S+:\/\/\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)s\s/);
    if (m) out[m[1]] = { written: +m[2], unchanged: +m[3], failed: +m[4], bytes: +m[5], ms: +m[6] * 1000 };
  }
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (bytes) => `${(bytes / 1000).toFixed(1)} KB`;

const dir = mkdtempSync(path.join(tmpdir(), 'bongsu-publish-bench-'));
const servers = [];
try {
  const { k, region, made } = fixtureRegion(dir, FIXTURE, { services: SERVICES, days: DAYS });
  const sign = (...to) => run('sign', '--key', k('status.key'), '--status', k('status.toml'), '--log', k('log'),
    '--log-key', k('log.key'), '--out', path.join(region, 'feed.note'), ...to.flatMap((d) => ['--to', d]));
  sign();

  const moto = await startMoto();
  servers.push(moto);
  const azurite = await startAzurite();
  servers.push(azurite);
  await motoBucket(moto, 'seoul');
  await motoBucket(moto, 'busan');
  await azuriteContainer(azurite, 'tokyo');
  const destinations = [
    s3Destination(moto, 'seoul', 'kakao'),
    s3Destination(moto, 'busan', 'kakao'),
    azureDestination(azurite, 'tokyo', 'kakao'),
  ];
  const publicFeeds = destinations.map((d) => `${new URL(d).searchParams.get('public')}/feed.note`);

  let started = performance.now();
  const first = rows(run('publish', '--from', region, '--to', destinations[0], '--to', destinations[1], '--to', destinations[2]));
  const firstMs = performance.now() - started;
  const whole = Object.values(first);
  if (whole.length !== 3 || whole.some((r) => r.failed)) throw new Error(`the first publish failed: ${JSON.stringify(first)}`);
  console.log(`publish: ${made}; the whole tree to 3 stores in ${firstMs.toFixed(0)} ms: `
    + `${whole[0].written} files, ${kb(whole[0].bytes)} per store (as stored, compressed)`);

  // Each run: one component changes status (and back on the next run).
  const status = readFileSync(k('status.toml'), 'utf8');
  const times = [];
  const bytes = [];
  const files = [];
  const uploads = [];
  for (let i = 0; i < RUNS; i++) {
    const changed = i % 2 === 0 ? status.replace('status = "operational"', 'status = "degraded_performance"') : status;
    started = performance.now();
    writeFileSync(k('status.toml'), changed);
    const report = rows(sign(...destinations));
    // A reader's own look: every store serves the feed just signed.
    const local = readFileSync(path.join(region, 'feed.note'), 'utf8');
    for (const url of publicFeeds) {
      const served = await (await fetch(url, { cache: 'no-store' })).text();
      if (served !== local) throw new Error(`${url} does not serve the new feed after sign --to returned`);
    }
    times.push(performance.now() - started);
    const perStore = Object.values(report);
    if (perStore.length !== 3 || perStore.some((r) => r.failed)) throw new Error(`run ${i}: ${JSON.stringify(report)}`);
    bytes.push(perStore[0].bytes);
    files.push(perStore[0].written);
    uploads.push(Math.max(...perStore.map((r) => r.ms)));
  }
  console.log(`publish: status saved → 3 stores serving the new feed (sign --to ×3, read back): runs `
    + `${times.map((t) => t.toFixed(0)).join(', ')} ms; median ${median(times).toFixed(0)} ms, of which the slowest store's `
    + `upload ${median(uploads).toFixed(0)} ms (the rest: signing, and each store's read-back audit of the whole log)`);
  console.log(`publish: one status change uploads ${median(files)} files, ${kb(median(bytes))} per store `
    + `(runs ${bytes.map((b) => b).join(', ')} bytes), ${(median(bytes) / whole[0].bytes * 100).toFixed(2)} % of the whole tree's ${kb(whole[0].bytes)}`);
} finally {
  await Promise.all(servers.map(stopProcess));
  rmSync(dir, { recursive: true, force: true });
}
