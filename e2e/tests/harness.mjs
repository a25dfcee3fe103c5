// Shared helpers for the end-to-end tests: temporary operator state, real
// `bongsu serve` processes on free loopback ports, and headless Chromium.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../..');
export const BIN = process.env.BONGSU_BIN ?? path.join(repo, 'target/debug/bongsu');
export const DIST = process.env.BONGSU_DIST ?? path.join(repo, 'dist');
export const SCREENSHOTS = path.join(repo, 'e2e/screenshots');

for (const [what, file] of [['the bongsu CLI', BIN], ['the built app', path.join(DIST, 'index.html')]]) {
  if (!existsSync(file)) {
    throw new Error(`${what} is missing (${file}): run \`cargo xtask test\`, which builds it`);
  }
}

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/// A page in a fresh context (`options`: Playwright's), not yet opened,
/// collecting every uncaught page error in `page.errors` (a wasm panic
/// shows up as one), for a test to assert there are none.
export async function newPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(String(error)));
  return page;
}

/// A fresh page at `url` that collects uncaught page errors (`newPage`).
export async function openPage(browser, url, viewport = { width: 1280, height: 900 }) {
  const page = await newPage(browser, { viewport });
  await page.goto(url);
  return page;
}

export function bongsu(...args) {
  return execFileSync(BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/// Runs bongsu expecting failure; returns { status, stderr }.
export function bongsuFails(...args) {
  try {
    bongsu(...args);
  } catch (error) {
    return { status: error.status, stderr: String(error.stderr) };
  }
  throw new Error(`bongsu ${args.join(' ')} unexpectedly succeeded`);
}

/// Status (as the tests describe it) → status.toml text.
export function toToml(status) {
  const q = (s) => JSON.stringify(s); // TOML basic strings accept JSON string escapes
  const lines = [`feed = ${q(status.feed)}`, `valid_for = "1h"`, ''];
  for (const service of status.services) {
    lines.push('[[services]]', `id = ${q(service.id)}`, `name = ${q(service.name)}`);
    for (const c of service.components) {
      lines.push('[[services.components]]', `id = ${q(c.id)}`, `name = ${q(c.name)}`, `status = ${q(c.status)}`);
    }
    lines.push('');
  }
  for (const incident of status.incidents ?? []) {
    lines.push('[[incidents]]', `id = ${q(incident.id)}`, `title = ${q(incident.title)}`,
      `impact = ${q(incident.impact)}`, `components = [${incident.components.map(q).join(', ')}]`);
    for (const u of incident.updates) {
      lines.push('[[incidents.updates]]', `at = ${u.at}`, `state = ${q(u.state)}`, `message = ${q(u.message)}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/// The feed inside a signed note file: its second line is the JSON.
export function readFeed(file) {
  return JSON.parse(readFileSync(file, 'utf8').split('\n')[1]);
}

/// Whether nobody listens on a loopback port right now.
export function isFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/// A base port with it and the next four free (the app, three regions, the
/// demo's partner page), base + 9 (the demo's admin endpoint), base + 10
/// to base + 21 (the demo's stand-in services) and base + 22 and 23 (the
/// storage servers of `demo --stores`).
export async function freeBase() {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 40000);
    const offsets = [0, 1, 2, 3, 4, 9, ...Array.from({ length: 14 }, (_, i) => 10 + i)];
    const free = await Promise.all(offsets.map((i) => isFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('found no base port with the 20 ports the demo needs free');
}

/// Starts `bongsu <args>` and resolves once it prints `ready`, with the URLs it printed.
export function startServer(args, timeoutMs = 15000) {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const urls = {};
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`bongsu ${args.join(' ')} was not ready in ${timeoutMs} ms\n${out}\n${err}`));
    }, timeoutMs);
    proc.stderr.on('data', (d) => { err += d; });
    let token;
    proc.stdout.on('data', (d) => {
      out += d;
      for (const line of out.split('\n')) {
        const m = line.match(/^(region (\S+)|app|app-bucket|admin|partner) (http:\/\/\S+)/);
        if (m) urls[m[2] ?? m[1]] = m[3];
        const t = line.match(/^admin \S+ token ([0-9a-f]+)$/);
        if (t) token = t[1];
      }
      if (out.split('\n').includes('ready')) {
        clearTimeout(timer);
        resolve({ proc, urls, token });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bongsu ${args.join(' ')} exited (${code}) before it was ready\n${err}`));
    });
  });
}

/// A request to the control endpoint of a demo or `fault-regions` process:
/// PUT, with the token it printed (see crates/bongsu-cli/src/demo/admin.rs).
export function admin(server, path, body) {
  return fetch(`${server.urls.admin}${path}`, {
    method: 'PUT',
    body,
    headers: { authorization: `Bearer ${server.token}` },
  });
}

export function stopServer(server) {
  return new Promise((resolve) => {
    if (server.proc.exitCode !== null || server.proc.signalCode !== null) return resolve();
    server.proc.removeAllListeners('exit');
    server.proc.once('exit', () => resolve());
    server.proc.kill('SIGTERM');
  });
}

/// An operator with a root key, a status key (and a retired, revoked one),
/// a key chain, a status file and N regions, each region its own `bongsu
/// fault-regions` process with a control endpoint, and the app in another
/// (`bongsu serve`).
/// An operator who keeps a history log: root, status and log keys named
/// `<role>.<label>` in `dir`, and a key chain naming all three in each of
/// `regionDirs` (created). Returns `k`, a path in `dir`.
export function logOperatorKeys(dir, regionDirs, label) {
  const k = (name) => path.join(dir, name);
  for (const role of ['root', 'status', 'log']) bongsu('keygen', '--name', `${role}.${label}`, '--out', k(`${role}.key`));
  writeFileSync(k('keys.toml'), [
    'feed = "kakao"', 'valid_for = "30d"',
    '[root]', 'threshold = 1', `keys = ["${k('root.key.pub')}"]`,
    '[status]', 'threshold = 1', `keys = ["${k('status.key.pub')}"]`,
    '[log]', 'threshold = 1', `keys = ["${k('log.key.pub')}"]`, '',
  ].join('\n'));
  for (const region of regionDirs) mkdirSync(region, { recursive: true });
  bongsu('keyset', '--keys', k('keys.toml'), '--key', k('root.key'), '--chain', k('keys.json'),
    ...regionDirs.flatMap((region) => ['--out', path.join(region, 'keys.json')]));
  return k;
}

export class Scenario {
  constructor(regionIds = ['seoul', 'busan', 'tokyo']) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'bongsu-e2e-'));
    this.regionIds = regionIds;
    this.servers = [];
    this.rootKey = this.keygen('root', 'root.e2e.test');
    this.retiredKey = this.keygen('retired', 'status.e2e.test');
    this.key = this.keygen('status', 'status.e2e.test');
    this.rootVkey = this.vkeyOf(this.rootKey);
    this.publishKeys({ status: [this.key], revoked: [this.retiredKey] });
  }

  /// Makes a key pair under keys/; returns the private key's path.
  keygen(file, name) {
    const out = path.join(this.dir, 'keys', file);
    mkdirSync(path.dirname(out), { recursive: true });
    bongsu('keygen', '--name', name, '--out', out);
    return out;
  }

  vkeyOf(key) {
    return readFileSync(`${key}.pub`, 'utf8').trim();
  }

  feedFile(id) {
    return path.join(this.dir, 'regions', id, 'feed.note');
  }

  keysFile(id) {
    return path.join(this.dir, 'regions', id, 'keys.json');
  }

  /// Signs the next key set (root, status and revoked keys as private key
  /// paths) with `signers` and publishes the chain to `regions`.
  /// `probes` maps a region id to its probe's private key path.
  publishKeys({ root = [this.rootKey], status, revoked = [], signers = [this.rootKey], regions = this.regionIds, validFor = '30d', probes = {} }) {
    const pub = (keys) => JSON.stringify(keys.map((k) => `${k}.pub`));
    const toml = [
      'feed = "kakao"', `valid_for = "${validFor}"`, `revoked = ${pub(revoked)}`, '',
      '[root]', 'threshold = 1', `keys = ${pub(root)}`, '',
      '[status]', 'threshold = 1', `keys = ${pub(status)}`, '',
      ...Object.entries(probes).flatMap(([id, key]) => [`[probes.${id}]`, 'threshold = 1', `keys = ${pub([key])}`, '']),
    ].join('\n');
    const file = path.join(this.dir, 'keys.toml');
    writeFileSync(file, toml);
    for (const id of regions) mkdirSync(path.dirname(this.keysFile(id)), { recursive: true });
    bongsu('keyset', '--keys', file, '--chain', path.join(this.dir, 'keys.json'),
      ...signers.flatMap((k) => ['--key', k]), ...regions.flatMap((id) => ['--out', this.keysFile(id)]));
  }

  /// Writes the status file and signs it into the given regions (default:
  /// all), and, as the holder of the key, the variants the fault modes
  /// stale, expired and equivocating serve (the fault server holds no key).
  publish(status, { regions = this.regionIds, seq, key = this.key } = {}) {
    const file = path.join(this.dir, 'status.toml');
    writeFileSync(file, toToml(status));
    const outs = regions.flatMap((id) => ['--out', this.feedFile(id)]);
    const extra = seq === undefined ? [] : ['--seq', String(seq)];
    bongsu('sign', '--key', key, '--status', file, ...outs, ...extra);
    for (const id of regions) {
      bongsu('fault-variants', '--key', key, '--feed', this.feedFile(id), '--out', this.variantsDir(id));
    }
    return readFeed(this.feedFile(regions[0]));
  }

  variantsDir(id) {
    return path.join(this.dir, 'fault-variants', id);
  }

  /// `extraRegions` are added to the config as is (e.g. hostile test servers).
  async start({ refreshSeconds = 2, timeoutMs = 1500, extraRegions = [], graceSeconds } = {}) {
    this.regions = {};
    for (const id of this.regionIds) {
      mkdirSync(path.dirname(this.feedFile(id)), { recursive: true });
      const server = await startServer([
        'fault-regions', '--region', `${id}=${path.dirname(this.feedFile(id))}@127.0.0.1:0`,
        '--variants', path.join(this.dir, 'fault-variants'), '--revoked-key', this.retiredKey,
        '--keys', path.join(this.dir, 'keys.json'),
      ]);
      this.servers.push(server);
      this.regions[id] = server;
    }
    const config = {
      feed: 'kakao',
      title: 'E2E status',
      trust: { root: { threshold: 1, keys: [this.rootVkey] } },
      regions: [
        ...this.regionIds.map((id) => ({ id, name: id[0].toUpperCase() + id.slice(1), url: this.regions[id].urls[id] })),
        ...extraRegions,
      ],
      refresh_seconds: refreshSeconds,
      timeout_ms: timeoutMs,
      ...(graceSeconds === undefined ? {} : { disagreement_grace_seconds: graceSeconds }),
    };
    this.configFile = path.join(this.dir, 'config.json');
    writeFileSync(this.configFile, JSON.stringify(config, null, 2));
    const app = await startServer(['serve', '--app', `${DIST}@127.0.0.1:0`, '--config', this.configFile]);
    this.servers.push(app);
    this.app = app;
    this.appUrl = app.urls.app;
    return this;
  }

  /// Serves the app from one more origin, with the same config.
  async startAnotherApp() {
    const app = await startServer(['serve', '--app', `${DIST}@127.0.0.1:0`, '--config', this.configFile]);
    this.servers.push(app);
    return app;
  }

  /// Switches a region into a fault mode (crates/bongsu-cli/src/demo/fault.rs).
  async setFault(id, mode) {
    const response = await admin(this.regions[id], `regions/${id}/fault`, mode);
    if (!response.ok) throw new Error(`fault ${mode} on ${id}: ${response.status} ${await response.text()}`);
  }

  async close() {
    await Promise.all(this.servers.map(stopServer));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/// What the page shows: services → components → status, read from the DOM.
export function readPage(page) {
  return page.evaluate(() => ({
    banner: document.querySelector('[data-testid=banner]')?.dataset.status,
    seq: document.querySelector('[data-testid=feed-meta]')?.dataset.seq,
    services: [...document.querySelectorAll('[data-testid=service]')].map((s) => ({
      id: s.dataset.serviceId,
      status: s.dataset.status,
      components: [...s.querySelectorAll('[data-testid=component]')].map((c) => ({
        id: c.dataset.componentId,
        status: c.dataset.status,
        text: c.textContent,
      })),
    })),
    regions: Object.fromEntries(
      [...document.querySelectorAll('[data-testid=region]')].map((r) => [r.dataset.regionId, { state: r.dataset.state, text: r.textContent }]),
    ),
    incidents: [...document.querySelectorAll('[data-testid=incident]')].map((i) => ({ id: i.dataset.incidentId, text: i.textContent })),
  }));
}

export function waitForSeq(page, seq, timeout = 10000) {
  return page.waitForFunction(
    (want) => document.querySelector('[data-testid=feed-meta]')?.dataset.seq === String(want),
    seq,
    { timeout },
  );
}

export async function waitForRegionState(page, id, state, timeout = 10000) {
  try {
    await page.waitForFunction(
      ([rid, want]) => document.querySelector(`[data-testid=region][data-region-id="${rid}"]`)?.dataset.state === want,
      [id, state],
      { timeout },
    );
  } catch (e) {
    // Say what the page showed instead, so that a failure in CI can be read.
    const shown = await page.evaluate(() => [...document.querySelectorAll('[data-testid=region]')]
      .map((r) => `${r.dataset.regionId}=${r.dataset.state} (${r.textContent.trim().replace(/\s+/g, ' ').slice(0, 160)})`)
      .join('; ')).catch((err) => `unreadable: ${err.message}`);
    throw new Error(`region ${id} not ${state} after ${timeout} ms; the page shows: ${shown || 'no regions'}`, { cause: e });
  }
}

const RANK = { operational: 0, under_maintenance: 1, degraded_performance: 2, partial_outage: 3, major_outage: 4 };

/// The worst status in a feed, computed independently of the app.
export function worstStatus(feed) {
  let worst = 'operational';
  for (const s of feed.services) for (const c of s.components) if (RANK[c.status] > RANK[worst]) worst = c.status;
  return worst;
}

/// A service list as the page should show it, from the signed feed.
export function expectedServices(feed) {
  return feed.services.map((s) => {
    const components = s.components.map((c) => ({ id: c.id, status: c.status }));
    const status = components.reduce((w, c) => (RANK[c.status] > RANK[w] ? c.status : w), 'operational');
    return { id: s.id, status, components };
  });
}

export function shownServices(shown) {
  return shown.services.map((s) => ({ id: s.id, status: s.status, components: s.components.map(({ id, status }) => ({ id, status })) }));
}

export function ensureScreenshotDir() {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return SCREENSHOTS;
}
