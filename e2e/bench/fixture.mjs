// An operator for the benchmarks: root, status and log keys, a key chain in
// one region folder, and a history log of `services` × `days` made by
// `bongsu-bench fixture` (its status file beside it), not yet signed.

import { mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { bongsu } from '../tests/harness.mjs';

/// Returns { k (a path in `dir`), region, made (the fixture's own summary) }.
export function fixtureRegion(dir, fixtureBin, { services, days }) {
  const k = (name) => path.join(dir, name);
  bongsu('keygen', '--name', 'root.bench', '--out', k('root.key'));
  bongsu('keygen', '--name', 'status.bench', '--out', k('status.key'));
  bongsu('keygen', '--name', 'log.bench', '--out', k('log.key'));
  writeFileSync(k('keys.toml'), [
    'feed = "kakao"', 'valid_for = "30d"',
    '[root]', 'threshold = 1', `keys = ["${k('root.key.pub')}"]`,
    '[status]', 'threshold = 1', `keys = ["${k('status.key.pub')}"]`,
    '[log]', 'threshold = 1', `keys = ["${k('log.key.pub')}"]`, '',
  ].join('\n'));
  const region = k('region');
  mkdirSync(region, { recursive: true });
  bongsu('keyset', '--keys', k('keys.toml'), '--key', k('root.key'), '--chain', k('keys.json'), '--out', path.join(region, 'keys.json'));
  const made = execFileSync(fixtureBin, ['fixture', '--log-key', k('log.key'), '--out', k('log'), '--status', k('status.toml'),
    '--services', String(services), '--days', String(days)], { encoding: 'utf8' }).trim();
  return { k, region, made };
}
