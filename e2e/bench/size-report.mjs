// Transfer size of what a browser downloads on first load, per file and in
// total, raw / gzip -9 / brotli q11 (what a CDN serves precompressed),
// against two lines per build: the budget it is held to (never to grow past
// once reached) and the goal it is meant to reach (issue 22's).
//
//   node bench/size-report.mjs <name>=<folder>=<budget KB>[=<goal KB>] ...
//
// Every file directly in a folder counts (not the build's precompressed
// copies of them), and the JS snippets wasm-bindgen
// puts in its snippets/ (the page preloads them). Other sub-folders are
// other builds, or loaded only on demand (fallback/). What a build fetches
// after its first view (later/, src/later.rs) is reported apart: it is not
// held to the budget, but it is bytes a phone downloads.
// KB here is 1,000 bytes. Exit status 1 if any build is over its budget and
// BONGSU_SIZE_ENFORCE=1, so the test suite can hold the line once it is met.
// A goal is only reported.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const builds = process.argv.slice(2).map((arg) => {
  const [name, dir, budget, goal] = arg.split('=');
  if (!name || !dir || !Number(budget) || (goal !== undefined && !Number(goal))) {
    console.error(`size-report: expected <name>=<folder>=<budget KB>[=<goal KB>], got "${arg}"`);
    process.exit(2);
  }
  return { name, dir, budget: Number(budget) * 1000, goal: goal && Number(goal) * 1000 };
});

/// Every file under `dir`, if it exists.
function snippets(dir) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? snippets(path) : [path];
  });
}

const brotliSize = (bytes) => brotliCompressSync(bytes, {
  params: {
    [constants.BROTLI_PARAM_QUALITY]: 11,
    [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
  },
}).length;
const kb = (n) => (n / 1000).toFixed(1).padStart(8);
let over = false;

for (const { name, dir, budget, goal } of builds) {
  let files;
  try {
    files = [
      ...readdirSync(dir).map((f) => join(dir, f)).filter((f) => statSync(f).isFile()),
      ...snippets(join(dir, 'snippets')),
    ]
      // The build's precompressed copies (x.wasm.br) are the same files.
      .filter((f) => !/\.(br|gz)$/.test(f))
      .sort();
  } catch (error) {
    console.log(`\n${name}: not built (${dir}: ${error.code ?? error.message})`);
    over = true;
    continue;
  }
  console.log(`\n${name} (${dir})`);
  console.log(`${'file'.padEnd(44)}${'raw KB'.padStart(8)}${'gzip KB'.padStart(9)}${'br KB'.padStart(8)}`);
  const total = { raw: 0, gzip: 0, br: 0 };
  for (const file of files) {
    const bytes = readFileSync(file);
    const sizes = {
      raw: bytes.length,
      gzip: gzipSync(bytes, { level: 9 }).length,
      br: brotliSize(bytes),
    };
    for (const k of Object.keys(total)) total[k] += sizes[k];
    const shown = file.slice(dir.length + 1);
    console.log(`${shown.padEnd(44)}${kb(sizes.raw)} ${kb(sizes.gzip)}${kb(sizes.br)}`);
  }
  const verdict = total.br <= budget ? 'within' : 'OVER';
  if (total.br > budget) over = true;
  console.log(`${'total'.padEnd(44)}${kb(total.raw)} ${kb(total.gzip)}${kb(total.br)}`);
  console.log(
    `budget ${(budget / 1000).toFixed(0)} KB brotli: ${verdict} ` +
      `(${((100 * total.br) / budget).toFixed(1)}% of budget, ${kb(Math.abs(budget - total.br)).trim()} KB ${total.br <= budget ? 'to spare' : 'over'})`,
  );
  const later = snippets(join(dir, 'later')).filter((f) => !/\.(br|gz)$/.test(f));
  if (later.length > 0) {
    const br = later.reduce((sum, f) => sum + brotliSize(readFileSync(f)), 0);
    console.log(`after the first view (later/): ${kb(br).trim()} KB brotli; first load and later ${kb(total.br + br).trim()} KB`);
  }
  if (goal) {
    console.log(
      `goal ${(goal / 1000).toFixed(0)} KB brotli: ${total.br <= goal ? 'met' : 'not met'} ` +
        `(${((100 * total.br) / goal).toFixed(1)}% of goal, ${kb(Math.abs(goal - total.br)).trim()} KB ${total.br <= goal ? 'to spare' : 'to cut'})`,
    );
  }
}

if (over && process.env.BONGSU_SIZE_ENFORCE === '1') process.exit(1);
