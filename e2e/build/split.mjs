// Each entry point's code in two parts (src/later.rs): what its first view
// needs, loaded with the page, and what it does not, fetched after it: the
// status page's probes and history log checkpoint check (17 KB of brotli
// off its first load), the history pages' exports and incident page.
//
// The split is made on rustc's output, before wasm-bindgen: Trunk runs
// cargo, wasm-bindgen and wasm-opt in one step, so this step (run first by
// the post-build hook, minify.mjs) takes the module cargo left in target/
// and redoes the last two on its parts, replacing Trunk's copies in the
// staging folder under Trunk's hashed names (index.html and history.html
// turn Trunk's own wasm-opt off: it would only optimise the module thrown
// away here). For the binary B (bongsu-app, bongsu-history):
//
//   cargo's B.wasm (linked with --emit-relocs, asked by the root build.rs)
//     → wasm-split-cli (wasm_split_cli_support, pinned by `cargo xtask setup`)
//         main module, split_later.wasm, __wasm_split.js (the loader)
//     → wasm-bindgen on the main module → wasm-opt on both modules
//
// Files, all named by Trunk's content hash H:
//   B-H.js, B-H_bg.wasm      the main part (Trunk's names)
//   B-split-H.js             the loader, modulepreloaded: the main part's
//                            glue imports it
//   later/B-later-H.wasm     the later part, fetched with its integrity;
//                            under later/ because it is not part of the
//                            first load (bench/size-report.mjs)
// The page names the later part in a `<link rel="bongsu-later">`, which the
// browser ignores and the service worker reads, so that it is kept for use
// offline like every file the page names.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sri, withIntegrity } from './integrity.mjs';


function run(tool, args) {
  try {
    execFileSync(tool, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (error) {
    throw new Error(`split: ${tool} ${args.join(' ')} failed (${error.message}); ` +
      'run `cargo xtask setup` to install the pinned tools');
  }
}

// Replaces exactly one occurrence of `from` in `text`, or says what is off:
// the tools' output changed shape and this step must be looked at again.
function replaceOnce(text, from, to, what) {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) {
    throw new Error(`split: expected exactly one ${JSON.stringify(from)} in ${what}`);
  }
  return text.slice(0, at) + to + text.slice(at + from.length);
}

// The builds split, by their binary's name; the widget is not. Trunk's
// hash is a u64 in hex without leading zeros: 15 digits or fewer in one
// build of 16 (a build named so once shipped unsplit, caught by the e2e).
const SPLIT = /^(bongsu-app|bongsu-history)-([0-9a-f]+)_bg\.wasm$/;

/// Splits the entry point built into `staging`, if this build is one.
/// `cargoTarget` is cargo's target folder, `release` whether the build is.
export function splitApp({ staging, cargoTarget, release }) {
  const wasm = readdirSync(staging).filter((f) => f.endsWith('_bg.wasm'));
  const main = wasm.find((f) => SPLIT.test(f));
  if (!main) {
    if (wasm.every((f) => f.startsWith('bongsu-widget-'))) return;
    throw new Error(`split: no entry point's module to split among ${wasm.join(', ')}`);
  }
  const [, bin, hash] = main.match(SPLIT);
  const stem = `${bin}-${hash}`;
  const input = join(cargoTarget, 'wasm32-unknown-unknown', release ? 'release' : 'debug', `${bin}.wasm`);
  if (!existsSync(input)) throw new Error(`split: ${input} is missing (cargo's output for this build)`);

  const work = mkdtempSync(join(tmpdir(), 'bongsu-split-'));
  try {
    run('wasm-split-cli', [input, work, '--out-name', stem]);
    // Named like Trunk's files, ending in the hash, which the service
    // worker keeps as never-changing (public/sw.js, HASHED).
    const loaderName = `${bin}-split-${hash}.js`;
    const laterName = `${bin}-later-${hash}.wasm`;
    const parts = readdirSync(work).filter((f) => f.endsWith('.wasm') && f !== `${stem}.wasm`);
    if (parts.length !== 1 || parts[0] !== 'split_later.wasm') {
      throw new Error(`split: expected one part, split_later.wasm, got ${parts.join(', ') || 'none'} ` +
        '(src/main.rs and src/bin/history.rs each have one split point, `later`)');
    }
    // The later part takes the main part's function table, which
    // wasm-bindgen drops from the exports unless told to keep the linker's.
    run('wasm-bindgen', ['--target=web', '--no-typescript', '--keep-lld-exports', `--out-dir=${join(work, 'bound')}`,
      `--out-name=${stem}`, join(work, `${stem}.wasm`)]);
    const optimised = (from, to) => {
      if (release) run('wasm-opt', ['-Oz', from, `--output=${to}`]);
      else writeFileSync(to, readFileSync(from));
    };

    const before = new Map();
    const keep = (name, bytes) => {
      const path = join(staging, name);
      if (existsSync(path)) before.set(sri(readFileSync(path)), sri(bytes));
      writeFileSync(path, bytes);
    };
    // The main part's wasm and glue, where Trunk put them.
    optimised(join(work, 'bound', `${stem}_bg.wasm`), join(work, 'main.wasm'));
    keep(main, readFileSync(join(work, 'main.wasm')));
    const glue = replaceOnce(readFileSync(join(work, 'bound', `${stem}.js`), 'utf8'),
      'from "./__wasm_split.js"', `from "./${loaderName}"`, `${stem}.js`);
    keep(`${stem}.js`, Buffer.from(glue));
    // The later part, and the loader that fetches it with its integrity.
    mkdirSync(join(staging, 'later'), { recursive: true });
    optimised(join(work, 'split_later.wasm'), join(work, 'later.wasm'));
    const later = readFileSync(join(work, 'later.wasm'));
    writeFileSync(join(staging, 'later', laterName), later);
    let loader = readFileSync(join(work, '__wasm_split.js'), 'utf8');
    loader = replaceOnce(loader, 'fetch(new URL("./split_later.wasm", import.meta.url))',
      `fetch(new URL("./later/${laterName}", import.meta.url), { integrity: "${sri(later)}" })`,
      '__wasm_split.js');
    writeFileSync(join(staging, loaderName), loader);

    // The page: new integrity for the files replaced, the loader preloaded
    // beside the glue (it is on the critical path: the glue imports it),
    // and the later part named for the service worker.
    const page = join(staging, 'index.html');
    let html = withIntegrity(readFileSync(page, 'utf8'), before);
    const glueLink = new RegExp(`<link rel="modulepreload" href="\\./${stem}\\.js"[^>]*>`);
    const found = html.match(glueLink);
    if (!found) throw new Error(`split: index.html has no modulepreload of ${stem}.js`);
    html = html.replace(glueLink, `${found[0]}
    <link rel="modulepreload" href="./${loaderName}" crossorigin="anonymous" integrity="${sri(Buffer.from(loader))}">
    <link rel="bongsu-later" href="./later/${laterName}">`);
    writeFileSync(page, html);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
