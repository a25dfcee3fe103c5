// One command to declare, end to end: `bongsu component set` signs into
// three regions and a page polling them shows the new status, verified,
// every time. The time from enter to the page is printed (e2e/bench/declare.mjs
// is the benchmark; no timing is asserted here).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureDeclare, summary } from '../bench/declare.mjs';

test('a status declared with one command reaches a page polling three regions, verified', async (t) => {
  const results = await measureDeclare({ runs: 3, refreshSeconds: 2, log: (line) => t.diagnostic(line) });
  assert.equal(results.length, 3, 'every run was shown');
  t.diagnostic(summary(results, 2));
});
