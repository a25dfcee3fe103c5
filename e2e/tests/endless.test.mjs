// Regions that send endless data: too many bytes, or bytes too slowly. The
// page must cut them off, say why, and keep showing the healthy regions.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  Scenario, launchBrowser, openPage, readPage, waitForSeq, waitForRegionState,
  expectedServices, shownServices,
} from './harness.mjs';
import { outage } from './fixtures.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/// A hostile region on a free port: /chunked streams 300 KB without a
/// length, /declared announces 10 MB, /trickle sends a byte every 300 ms.
function hostileRegion() {
  const server = createServer((req, res) => {
    const headers = { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'text/plain' };
    const chunk = Buffer.alloc(16 * 1024, 'a');
    if (req.url.endsWith('/keys.json')) {
      // Keys come from the healthy region; this one only attacks the feed.
      res.writeHead(404, headers);
      res.end();
    } else if (req.url === '/chunked/feed.note') {
      res.writeHead(200, headers);
      let sent = 0;
      const pump = () => {
        while (sent < 300 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
        res.end();
      };
      pump();
    } else if (req.url === '/declared/feed.note') {
      res.writeHead(200, { ...headers, 'Content-Length': String(10 * 1024 * 1024) });
      res.write(chunk);
    } else {
      res.writeHead(200, headers);
      const timer = setInterval(() => res.write('a'), 300);
      res.on('close', () => clearInterval(timer));
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('oversized and trickling regions are cut off with a reason; healthy regions still show', async () => {
  const hostile = await hostileRegion();
  const base = `http://127.0.0.1:${hostile.address().port}`;
  const s = new Scenario(['seoul']);
  try {
    const feed = s.publish(outage());
    await s.start({
      refreshSeconds: 3,
      timeoutMs: 1500,
      extraRegions: [
        { id: 'chunked', name: 'Chunked', url: `${base}/chunked/` },
        { id: 'declared', name: 'Declared', url: `${base}/declared/` },
        { id: 'trickle', name: 'Trickle', url: `${base}/trickle/` },
      ],
    });
    const page = await openPage(browser, s.appUrl);
    await waitForSeq(page, feed.seq);
    await waitForRegionState(page, 'chunked', 'invalid');
    await waitForRegionState(page, 'declared', 'invalid');
    await waitForRegionState(page, 'trickle', 'unreachable');

    const shown = await readPage(page);
    assert.match(shown.regions.chunked.text, /over the 262144-byte limit/);
    assert.match(shown.regions.declared.text, /over the 262144-byte limit/);
    assert.match(shown.regions.trickle.text, /no answer within 1500 ms/);
    assert.equal(shown.regions.seoul.state, 'valid');
    assert.deepEqual(shownServices(shown), expectedServices(feed));
    assert.deepEqual(page.errors, []);
  } finally {
    hostile.closeAllConnections();
    hostile.close();
    await s.close();
  }
});
