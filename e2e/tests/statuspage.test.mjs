// The Statuspage-compatible API every demo region serves (api/v2/*.json,
// history.rss, history.atom), read the way others read a Statuspage page:
// through a third-party Statuspage client and a common feed parser, never
// through our own code, and checked against the signed feed beside it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Statuspage } from 'statuspage.io';
import Parser from 'rss-parser';
import { DIST, admin, readFeed, startServer, stopServer, freeBase, launchBrowser, openPage, waitForRegionState } from './harness.mjs';

const DEMO_INCIDENT = '2022-10-15-pangyo-datacenter-fire';
const RANK = { operational: 0, under_maintenance: 1, degraded_performance: 2, partial_outage: 3, major_outage: 4 };
// Statuspage's indicator (and incident impact) for Bongsu's worst status.
const INDICATOR = { major_outage: 'critical', partial_outage: 'major', degraded_performance: 'minor' };
// What the client's typings allow for an incident's impact (IncidentImpact).
const IMPACTS = ['none', 'minor', 'major', 'critical'];
// Lines the demo prints that are not regions (see startServer in harness.mjs).
const NOT_REGIONS = new Set(['app', 'app-bucket', 'admin', 'partner']);
const API = [
  'api/v2/summary.json', 'api/v2/status.json', 'api/v2/components.json', 'api/v2/incidents.json',
  'api/v2/incidents/unresolved.json', 'api/v2/scheduled-maintenances.json',
  'api/v2/scheduled-maintenances/upcoming.json', 'api/v2/scheduled-maintenances/active.json',
  'api/v2/x-bongsu-manifest.note', 'history.rss', 'history.atom',
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// Runs `fn(demo, dir, regions)` against a fresh `bongsu demo` on free ports.
async function withDemo(fn) {
  const dir = mkdtempSync(path.join(tmpdir(), 'bongsu-statuspage-'));
  try {
    const port = await freeBase();
    const demo = await startServer(['demo', '--dir', dir, '--app', DIST, '--port', String(port)]);
    try {
      const regions = Object.entries(demo.urls).filter(([key]) => !NOT_REGIONS.has(key));
      const ids = regions.map(([id]) => id);
      for (const id of ['seoul', 'busan', 'tokyo']) assert.ok(ids.includes(id), `the demo printed no region ${id} (it printed ${ids.join(', ')})`);
      await fn(demo, dir, regions);
    } finally {
      await stopServer(demo);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const feedOf = (dir, id) => readFeed(path.join(dir, 'regions', id, 'feed.note'));

/// The third-party client, made for Atlassian's hosted pages
/// (https://<page id>.statuspage.io) and pointed at one region instead:
/// setApiUrl replaces its axios baseURL, and axios keeps a base's path.
function clientFor(pageId, url) {
  const client = new Statuspage(pageId);
  client.setApiUrl(url);
  return client;
}

/// One client call, its failure said in one line (an AxiosError prints its
/// whole request otherwise).
async function call(what, fn) {
  try {
    return await fn();
  } catch (error) {
    const where = `${(error.config?.baseURL ?? '').replace(/\/$/, '')}${error.config?.url ?? ''}`;
    const why = error.response ? `HTTP ${error.response.status}` : error.message;
    throw new Error(`the Statuspage client's ${what} failed${where ? ` (GET ${where})` : ''}: ${why}`);
  }
}

/// Polls `probe` every 200 ms until it returns something other than
/// undefined. It may throw meanwhile (a region rewriting its files); the
/// last error goes into the timeout's message, as does `what()`.
async function until(what, probe, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = undefined;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end) {
      throw new Error(`waited ${timeoutMs} ms for ${typeof what === 'function' ? what() : what}${last ? `; last error: ${last.message}` : ''}`);
    }
    await sleep(200);
  }
}

/// The demo page's language: the API carries each text in it, else its original.
const PAGE_LANG = 'ko';
const said = (text) => (typeof text === 'string' ? text
  : text.lang === PAGE_LANG ? text.text : text.translations?.[PAGE_LANG] ?? text.text);

const worst = (statuses) => statuses.reduce((w, s) => (RANK[s] > RANK[w] ? s : w), 'operational');
const unresolved = (feed) => (feed.incidents ?? []).filter((i) => i.updates.at(-1)?.state !== 'resolved');

/// Every Bongsu service as a Statuspage group, every component as its child.
function expectedComponents(feed) {
  return sortById(feed.services.flatMap((s) => [
    {
      id: s.id, name: said(s.name), status: worst(s.components.map((c) => c.status)),
      group: true, group_id: null, components: s.components.map((c) => `${s.id}.${c.id}`),
    },
    ...s.components.map((c) => ({ id: `${s.id}.${c.id}`, name: said(c.name), status: c.status, group: false, group_id: s.id })),
  ]));
}

function shownComponents(components) {
  return sortById(components.map(({ id, name, status, group, group_id, components: children }) => (
    group ? { id, name, status, group, group_id, components: children } : { id, name, status, group, group_id })));
}

function expectedIndicator(feed) {
  const statuses = feed.services.flatMap((s) => s.components.map((c) => c.status));
  return INDICATOR[worst([...statuses, ...unresolved(feed).map((i) => i.impact)])] ?? 'none';
}

/// An incident as Statuspage lists it: its updates newest first.
function expectedIncidents(incidents) {
  return sortById(incidents.map((i) => ({
    id: i.id, name: said(i.title), status: i.updates.at(-1).state, impact: INDICATOR[i.impact] ?? 'none',
    updates: i.updates.toReversed().map((u) => ({ status: u.state, body: said(u.message) })),
  })));
}

function shownIncidents(incidents) {
  return sortById(incidents.map((i) => ({
    id: i.id, name: i.name, status: i.status, impact: i.impact,
    updates: (i.incident_updates ?? []).map((u) => ({ status: u.status, body: u.body })),
  })));
}

const sortById = (list) => list.toSorted((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/// `page` as the feed's id and its issue time in KST: the same instant,
/// written with +09:00.
function assertPage(page, feed, where) {
  assert.equal(page?.id, feed.feed, `${where}: page.id`);
  assert.equal(page.time_zone, 'Asia/Seoul', `${where}: page.time_zone`);
  assert.match(page.updated_at, /\+09:00$/, `${where}: page.updated_at is written in KST`);
  assert.equal(Date.parse(page.updated_at), Date.parse(feed.issued_at),
    `${where}: page.updated_at ${page.updated_at} is the feed's issued_at ${feed.issued_at}`);
}

/// Steps the replay and waits until every region holds a newer feed. It
/// first lets the second of the current issue time pass, since issued_at
/// (and so page.updated_at) counts whole seconds.
async function step(demo, dir, regions) {
  const before = Object.fromEntries(regions.map(([id]) => [id, feedOf(dir, id)]));
  const latest = Math.max(...Object.values(before).map((f) => Date.parse(f.issued_at)));
  while (Date.now() < latest + 1000) await sleep(50);
  const response = await admin(demo, 'replay', 'next');
  assert.equal(response.status, 200, `replay next: ${response.status} ${await response.text()}`);
  const after = {};
  for (const [id] of regions) {
    after[id] = await until(`regions/${id}/feed.note to pass seq ${before[id].seq} after the replay step`, () => {
      const feed = feedOf(dir, id);
      return feed.seq > before[id].seq ? feed : undefined;
    });
  }
  return { before, after };
}

async function getText(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.text();
}

test('a real Statuspage client reads every region', async () => {
  await withDemo(async (demo, dir, regions) => {
    for (const [id, url] of regions) {
      const feed = feedOf(dir, id);
      const client = clientFor(feed.feed, url);
      // The API may trail the note by a moment; wait for this feed's rendering.
      let seen;
      const summary = await until(() => `${id}'s summary.json for seq ${feed.seq} (issued ${feed.issued_at}; last saw page.updated_at ${seen})`, async () => {
        const s = await call('getSummary', () => client.api.getSummary());
        seen = s?.page?.updated_at;
        return Date.parse(seen) === Date.parse(feed.issued_at) ? s : undefined;
      }, 10000);
      const status = await call('getStatus', () => client.api.getStatus());
      const components = await call('getComponents', () => client.api.getComponents());
      const open = await call('incidents.getUnresolved', () => client.api.incidents.getUnresolved());
      const all = await call('incidents.getAll', () => client.api.incidents.getAll());
      const upcoming = await call('scheduledMaintenances.getUpcoming', () => client.api.scheduledMaintenances.getUpcoming());

      for (const [what, doc] of [['summary', summary], ['status', status], ['components', components], ['unresolved', open], ['incidents', all], ['upcoming', upcoming]]) {
        assertPage(doc?.page, feed, `${id} ${what}`);
      }
      const want = expectedComponents(feed);
      assert.deepEqual(shownComponents(components.components), want, `${id}: components.json is the feed's services and components`);
      assert.deepEqual(shownComponents(summary.components), want, `${id}: summary.json's components are the feed's`);

      const indicator = expectedIndicator(feed);
      assert.equal(summary.status?.indicator, indicator, `${id}: summary.json's indicator`);
      assert.equal(status.status?.indicator, indicator, `${id}: status.json's indicator`);
      assert.equal(typeof status.status.description, 'string', `${id}: status.json has a description`);

      // The demo's fire is unresolved at the start, with every update the feed has.
      const feedIncidents = unresolved(feed);
      assert.ok(feedIncidents.some((i) => i.id === DEMO_INCIDENT), `the demo's feed has ${DEMO_INCIDENT} unresolved`);
      const wantIncidents = expectedIncidents(feedIncidents);
      assert.deepEqual(shownIncidents(open.incidents), wantIncidents, `${id}: incidents/unresolved.json, updates newest first`);
      assert.deepEqual(shownIncidents(summary.incidents), wantIncidents, `${id}: summary.json's incidents are the unresolved ones`);
      for (const incident of open.incidents) {
        assert.ok(IMPACTS.includes(incident.impact), `${id}: ${incident.id}'s impact ${incident.impact} is one the client's typings allow`);
        for (const u of incident.incident_updates) assert.equal(u.incident_id, incident.id, `${id}: ${u.id} names its incident`);
      }
      assert.ok(all.incidents.some((i) => i.id === DEMO_INCIDENT), `${id}: incidents.json lists ${DEMO_INCIDENT}`);
      assert.ok(Array.isArray(summary.scheduled_maintenances), `${id}: summary.json has scheduled_maintenances`);
      assert.ok(Array.isArray(upcoming.scheduled_maintenances), `${id}: scheduled-maintenances/upcoming.json has scheduled_maintenances`);

      // What the client does not show: the headers a browser on another origin needs,
      // and every path of the layout (the client's getActive asks for upcoming.json).
      for (const file of API) {
        const response = await fetch(new URL(file, url));
        assert.equal(response.status, 200, `${id}: GET ${file}`);
        assert.equal(response.headers.get('access-control-allow-origin'), '*', `${id}: ${file} is readable from any origin`);
        if (file.endsWith('.json')) {
          assert.ok(response.headers.get('content-type')?.startsWith('application/json'),
            `${id}: ${file} is served as application/json, not ${response.headers.get('content-type')}`);
          await response.json();
        } else {
          await response.arrayBuffer();
        }
      }
    }
  });
});

test('a common feed parser reads history.rss and history.atom', async () => {
  await withDemo(async (demo, dir, regions) => {
    const parser = new Parser();
    const written = unresolved(feedOf(dir, 'seoul')).find((i) => i.id === DEMO_INCIDENT)?.title;
    const title = written && said(written);
    assert.ok(title, `the demo's feed has ${DEMO_INCIDENT}`);

    /// The demo incident's entry in one region's RSS and Atom history, with
    /// the documents' text (to see them change).
    const entries = async (id, url) => {
      const rssText = await getText(new URL('history.rss', url));
      const atomText = await getText(new URL('history.atom', url));
      assert.match(rssText, /<rss\b[^>]*\bversion="2\.0"/, `${id}: history.rss is RSS 2.0`);
      assert.match(atomText, /<feed\b[^>]*\bxmlns="http:\/\/www\.w3\.org\/2005\/Atom"/, `${id}: history.atom is Atom`);
      const rss = await parser.parseString(rssText);
      const atom = await parser.parseString(atomText);
      const pick = (doc, kind) => {
        const found = doc.items.filter((item) => item.title === title);
        assert.equal(found.length, 1, `${id}: ${kind} has one entry titled ${JSON.stringify(title)} (titles: ${JSON.stringify(doc.items.map((i) => i.title))})`);
        const [item] = found;
        // rss-parser hands links over as written: a relative one would reach no reader.
        assert.ok(item.link && URL.canParse(item.link), `${id}: ${kind}'s entry links to an absolute URL, not ${JSON.stringify(item.link)}`);
        return item;
      };
      const rssItem = pick(rss, 'history.rss');
      const atomItem = pick(atom, 'history.atom');
      assert.ok(rssItem.guid, `${id}: history.rss's entry has a guid`);
      assert.ok(atomItem.id, `${id}: history.atom's entry has an id`);
      return { guid: rssItem.guid, id: atomItem.id, rssText, atomText };
    };

    const first = {};
    for (const [id, url] of regions) first[id] = await entries(id, url);

    // A re-sign must not rename the entry, or every reader shows it twice.
    // Not every moment of the replay brings a new notice: step on until
    // the incident's entry itself has changed (a new update in it). The
    // API files are written before the feed, so a new seq means they are new.
    let changed;
    for (let steps = 0; !changed && steps < 8; steps += 1) {
      await step(demo, dir, regions);
      const now = await entries('seoul', regions.find(([id]) => id === 'seoul')[1]);
      if (now.rssText !== first.seoul.rssText && now.atomText !== first.seoul.atomText) changed = now;
    }
    assert.ok(changed, 'within eight replay steps a new notice changed the incident\'s history entry');
    for (const [id, url] of regions) {
      const again = await entries(id, url);
      assert.notEqual(again.atomText, first[id].atomText, `${id}: history.atom carries the new notice`);
      assert.equal(again.guid, first[id].guid, `${id}: the RSS guid survives a re-sign`);
      assert.equal(again.id, first[id].id, `${id}: the Atom id survives a re-sign`);
    }
  });
});

test('after a replay step, summary.json changes on every region', async () => {
  await withDemo(async (demo, dir, regions) => {
    const clients = Object.fromEntries(regions.map(([id, url]) => [id, clientFor(feedOf(dir, id).feed, url)]));
    const first = {};
    for (const [id] of regions) first[id] = await call('getSummary', () => clients[id].api.getSummary());

    const { after } = await step(demo, dir, regions);
    for (const [id] of regions) {
      const feed = after[id];
      let seen;
      const summary = await until(() => `${id}'s summary.json page.updated_at to change from ${first[id].page?.updated_at} (still ${seen}) after the re-sign to seq ${feed.seq}`, async () => {
        const s = await call('getSummary', () => clients[id].api.getSummary());
        seen = s?.page?.updated_at;
        return seen !== first[id].page?.updated_at ? s : undefined;
      });
      assertPage(summary.page, feed, `${id} summary after the step`);
      assert.deepEqual(shownComponents(summary.components), expectedComponents(feed), `${id}: summary.json's components are the new feed's`);
      assert.equal(summary.status?.indicator, expectedIndicator(feed), `${id}: summary.json's indicator after the step`);
      const counts = (list) => list.map((i) => ({ id: i.id, updates: i.updates.length }));
      assert.deepEqual(counts(shownIncidents(summary.incidents)), counts(expectedIncidents(unresolved(feed))),
        `${id}: summary.json's incidents carry as many updates as the new feed's`);
    }
  });
});

test("the status page's footer links every region's API, and each link answers", async () => {
  await withDemo(async (demo, dir, regions) => {
    const browser = await launchBrowser();
    try {
      const page = await openPage(browser, demo.urls.app, { width: 360, height: 780 });
      await waitForRegionState(page, 'seoul', 'valid');
      const links = await page.locator('[data-testid=api-links] a').evaluateAll((as) => as.map((a) => a.href));
      const want = regions.flatMap(([, url]) => ['api/v2/summary.json', 'history.atom', 'history.rss', 'api/v2/x-bongsu-manifest.note']
        .map((file) => new URL(file, url).href));
      assert.deepEqual(links.toSorted(), want.toSorted(), 'one row of links per region');
      for (const link of links) {
        const response = await fetch(link);
        assert.equal(response.status, 200, `GET ${link}`);
        await response.arrayBuffer();
      }
      assert.deepEqual(page.errors, []);
    } finally {
      await browser.close();
    }
  });
});
