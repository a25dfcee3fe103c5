// The page against three real regions: what it shows, and what happens when
// a region dies or the operator publishes a change.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Scenario, launchBrowser, openPage, readPage, waitForSeq, waitForRegionState, stopServer,
  expectedServices, shownServices, worstStatus,
} from './harness.mjs';
import { outage } from './fixtures.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

async function withScenario(fn) {
  const scenario = new Scenario();
  try {
    await fn(scenario);
  } finally {
    await scenario.close();
  }
}

test('with three healthy regions the page shows exactly the signed statuses', () => withScenario(async (s) => {
  const feed = s.publish(outage());
  await s.start();
  const page = await openPage(browser, s.appUrl);
  await waitForSeq(page, feed.seq);
  for (const id of s.regionIds) await waitForRegionState(page, id, 'valid');

  const shown = await readPage(page);
  assert.deepEqual(shownServices(shown), expectedServices(feed));
  assert.equal(shown.banner, worstStatus(feed));
  assert.equal(shown.seq, String(feed.seq));
  for (const service of feed.services) {
    for (const c of service.components) {
      const el = shown.services.find((x) => x.id === service.id).components.find((x) => x.id === c.id);
      assert.ok(el.text.includes(c.name), `component ${c.id} shows its name`);
    }
  }
  assert.deepEqual(shown.incidents.map((i) => i.id), feed.incidents.map((i) => i.id));
  const incident = feed.incidents[0];
  for (const text of [incident.title, ...incident.updates.map((u) => u.message)]) {
    assert.ok(shown.incidents[0].text.includes(text), `incident shows "${text}"`);
  }
  assert.deepEqual(page.errors, []);
}));

test('after region 1 stops the page keeps the statuses and marks it unreachable', () => withScenario(async (s) => {
  const feed = s.publish(outage());
  await s.start();
  const page = await openPage(browser, s.appUrl);
  await waitForSeq(page, feed.seq);
  await waitForRegionState(page, 'seoul', 'valid');

  await stopServer(s.regions.seoul);
  await waitForRegionState(page, 'seoul', 'unreachable');
  // One more full poll after the region died, so the statuses come from the survivors.
  await page.click('[data-testid=refresh]');
  await waitForRegionState(page, 'busan', 'valid');

  const shown = await readPage(page);
  assert.deepEqual(shownServices(shown), expectedServices(feed));
  assert.equal(shown.regions.busan.state, 'valid');
  assert.equal(shown.regions.tokyo.state, 'valid');
  assert.match(shown.regions.seoul.text, /Unreachable/);
  assert.deepEqual(page.errors, []);
}));

test('a newly signed feed appears on the next poll without a page reload', () => withScenario(async (s) => {
  const first = s.publish(outage());
  await s.start();
  const page = await openPage(browser, s.appUrl);
  await waitForSeq(page, first.seq);
  await page.evaluate(() => { window.__noReload = true; });

  const fixed = outage();
  fixed.services[0].components[0].status = 'operational';
  const second = s.publish(fixed);
  assert.equal(second.seq, first.seq + 1);
  await waitForSeq(page, second.seq);

  const shown = await readPage(page);
  assert.equal(shown.services[0].components[0].status, 'operational');
  assert.deepEqual(shownServices(shown), expectedServices(second));
  assert.equal(await page.evaluate(() => window.__noReload), true, 'the page was not reloaded');
}));
