// The status page as an operator deploys it on independent providers: the
// app itself published to an S3 bucket and opened from there, its regions
// two S3 buckets, an Azure Blob container and a plain directory served by
// `bongsu serve`, all put there by `bongsu publish`. Then one store stops:
// the page keeps the verified status from the rest and marks that region
// unreachable.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  BIN, DIST, Scenario, launchBrowser, openPage, readPage, waitForSeq, waitForRegionState, startServer,
  expectedServices, shownServices, worstStatus, ensureScreenshotDir,
} from './harness.mjs';
import {
  CREDENTIALS, startMoto, startAzurite, stopProcess, motoBucket, azuriteContainer, s3Destination, azureDestination,
} from './storage.mjs';
import { outage } from './fixtures.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/// `bongsu publish …` with the stores' credentials; returns its report.
function publish(...args) {
  return execFileSync(BIN, ['publish', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...CREDENTIALS },
  });
}

test('the app and its regions on object stores: one store stops, the page shows the rest and marks it', async () => {
  const regionIds = ['seoul', 'busan', 'tokyo', 'plain'];
  const s = new Scenario(regionIds);
  const servers = [];
  try {
    const feed = s.publish(outage());
    const moto = await startMoto();
    servers.push(moto);
    const azurite = await startAzurite();
    servers.push(azurite);
    await motoBucket(moto, 'seoul');
    await motoBucket(moto, 'busan');
    await motoBucket(moto, 'app');
    await azuriteContainer(azurite, 'tokyo');
    const destinations = {
      seoul: s3Destination(moto, 'seoul', 'kakao'),
      busan: s3Destination(moto, 'busan', 'kakao'),
      tokyo: azureDestination(azurite, 'tokyo', 'kakao'),
    };
    for (const [id, to] of Object.entries(destinations)) {
      const report = publish('--from', path.dirname(s.feedFile(id)), '--to', to);
      assert.match(report, /ok \(/, report);
    }
    const plain = await startServer(['serve', '--region', `plain=${path.dirname(s.feedFile('plain'))}@127.0.0.1:0`]);
    s.servers.push(plain);

    // The app, with this deployment's config, into its own bucket.
    const site = path.join(s.dir, 'site');
    cpSync(DIST, site, { recursive: true });
    const publicUrl = (id) => new URL(destinations[id]).searchParams.get('public');
    const config = {
      feed: 'kakao',
      title: 'Stores status',
      trust: { root: { threshold: 1, keys: [s.rootVkey] } },
      regions: [
        { id: 'seoul', name: 'Seoul (S3)', url: publicUrl('seoul') },
        { id: 'busan', name: 'Busan (S3)', url: publicUrl('busan') },
        { id: 'tokyo', name: 'Tokyo (Azure)', url: publicUrl('tokyo') },
        { id: 'plain', name: 'Plain server', url: plain.urls.plain },
      ],
      refresh_seconds: 2,
      timeout_ms: 1500,
    };
    writeFileSync(path.join(site, 'config.json'), JSON.stringify(config, null, 2));
    const appReport = publish('--app', site, '--to', s3Destination(moto, 'app', 'status'));
    assert.match(appReport, /ok \(\d+ files as staged\)/, appReport);

    const appUrl = `${moto.url}/app/status/index.html`;
    const page = await openPage(browser, appUrl);
    await waitForSeq(page, feed.seq, 20000);
    for (const id of regionIds) await waitForRegionState(page, id, 'valid', 20000);
    let shown = await readPage(page);
    assert.deepEqual(shownServices(shown), expectedServices(feed));
    assert.equal(shown.banner, worstStatus(feed));

    // The Azure store goes away.
    await stopProcess(azurite);
    await page.click('[data-testid=refresh]');
    await waitForRegionState(page, 'tokyo', 'unreachable', 20000);
    for (const id of ['seoul', 'busan', 'plain']) await waitForRegionState(page, id, 'valid');
    shown = await readPage(page);
    assert.deepEqual(shownServices(shown), expectedServices(feed), 'the verified status from the rest');
    assert.equal(shown.banner, worstStatus(feed));
    assert.equal(shown.seq, String(feed.seq));
    assert.deepEqual(page.errors, []);

    const dir = ensureScreenshotDir();
    await page.screenshot({ path: path.join(dir, 'stores-one-down-en-1280.png'), fullPage: true });
    // A Korean phone.
    const context = await browser.newContext({ viewport: { width: 360, height: 780 }, locale: 'ko-KR' });
    const phone = await context.newPage();
    phone.errors = [];
    phone.on('pageerror', (error) => phone.errors.push(String(error)));
    await phone.goto(appUrl);
    await waitForSeq(phone, feed.seq, 20000);
    await waitForRegionState(phone, 'tokyo', 'unreachable', 20000);
    await phone.screenshot({ path: path.join(dir, 'stores-one-down-ko-360.png'), fullPage: true });
    assert.deepEqual(phone.errors, []);
  } finally {
    await Promise.all(servers.map(stopProcess));
    await s.close();
  }
});
