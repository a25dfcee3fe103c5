// Runs the history log benchmark in wasm (the same Rust code as the native
// run), under node: `node run-wasm.mjs <wasm-bindgen nodejs output dir> <key file> [events] [runs]`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [dir, keyFile, events = '100000', runs = '7'] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const bench = require(path.resolve(dir, 'bongsu_bench.js'));
const [skey, vkey] = readFileSync(keyFile, 'utf8').trim().split('\n');
console.log(`wasm:   ${bench.bench_log(Number(events), Number(runs), skey, vkey)}`);
