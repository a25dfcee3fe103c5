// An operator for the benchmarks: root, status and log keys, a key chain in
// one region folder, and a history log of `services` × `days` made by
// `bongsu-bench fixture` (its status file beside it), not yet signed.

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { logOperatorKeys } from '../tests/harness.mjs';

/// Returns { k (a path in `dir`), region, made (the fixture's own summary) }.
export function fixtureRegion(dir, fixtureBin, { services, days }) {
  const region = path.join(dir, 'region');
  const k = logOperatorKeys(dir, [region], 'bench');
  const made = execFileSync(fixtureBin, ['fixture', '--log-key', k('log.key'), '--out', k('log'), '--status', k('status.toml'),
    '--services', String(services), '--days', String(days)], { encoding: 'utf8' }).trim();
  return { k, region, made };
}
