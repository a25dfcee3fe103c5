// Trunk post-build hook (Trunk.toml), run on every build's staging folder
// before Trunk moves it to dist:
//
// 1. Bundles the Ed25519 fallback (ed25519-fallback.mjs) into
//    fallback/ed25519.js, for browsers without WebCrypto's Ed25519. It is
//    beside every page (the status page, history/, embed/) because the
//    page loads it relative to itself; in a folder, because it is not part
//    of any first load (the size report counts a folder's own files only).
// 2. In a release build, minifies the JS and CSS.
//
// Trunk's own minifier cannot parse wasm-bindgen's glue (its export list),
// so it would ship the glue with every comment and indent: 1.7 KB brotli of
// the status page's 200 KB budget. esbuild does JS and CSS alike.
//
// Minifying changes the bytes Trunk already hashed for Subresource
// Integrity, so every `integrity="sha384-…"` naming a changed file is
// rewritten in the pages. (File names keep Trunk's content hash: it still
// names the content uniquely, since minifying is deterministic.)
//
// 3. Gives every page (release and debug alike) a Content-Security-Policy
//    in a <meta> tag, so it holds wherever the files are served from (an
//    object store, a CDN, `bongsu serve`): scripts only from this origin
//    and the inline scripts the page was built with, by hash (Trunk's wasm
//    loader, the status page's link forwarder), never 'unsafe-inline'. So
//    nothing a feed or a log says can become script, not even a
//    `javascript:` link that a future bug let through.
// 4. Fills each page's `<script data-bongsu-inline="name">` with
//    crates/bongsu-web/js/name.js (`redirect` sends history links on to
//    history/): `early` starts the config's and the
//    regions' first requests while the app's code downloads, and moves
//    Trunk's `modulepreload`/`preload` links for that code up before it:
//    Trunk writes them at the end of <head>, after the stylesheets, and on
//    a phone that held the code's download back by a round trip. Both
//    stand before the stylesheets, because a script after a stylesheet
//    waits for it. `snapshot`, at the start of the status page's body,
//    shows a returning reader the page as this device last showed it
//    verified (js/snapshot.js). The stylesheets are inlined in <style>
//    (a few KB, and they held back the first paint by a request).
// 5. In a release build, writes the best brotli and gzip copy of every
//    compressible file beside it (`x_bg.wasm.br`, `x_bg.wasm.gz`), as
//    static servers know them: `bongsu serve` sends one when it decodes to
//    the file's own bytes, `bongsu publish` uploads it, so compressing at
//    brotli's slowest level is paid once per build, not per server start.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { buildSync, transformSync } from 'esbuild';
import { sri, withIntegrity } from './integrity.mjs';
import { splitApp } from './split.mjs';

const staging = process.env.TRUNK_STAGING_DIR;
const release = process.env.TRUNK_PROFILE === 'release';
if (!staging) {
  console.error('minify: TRUNK_STAGING_DIR is not set (run me as a Trunk hook)');
  process.exit(2);
}

// 0. The status page's code in two parts (split.mjs), before the rest
// rewrites and compresses it.
splitApp({
  staging,
  cargoTarget: process.env.CARGO_TARGET_DIR ?? join(process.env.TRUNK_SOURCE_DIR ?? '.', 'target'),
  release,
});

buildSync({
  entryPoints: [join(import.meta.dirname, 'ed25519-fallback.mjs')],
  outfile: join(staging, 'fallback', 'ed25519.js'),
  bundle: true,
  format: 'esm',
  minify: release,
  legalComments: release ? 'none' : 'inline',
  target: 'es2020',
  logLevel: 'warning',
  banner: { js: '// @noble/ed25519, @noble/hashes: (c) Paul Miller, MIT License' },
});

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}


// The app's glue is an ES module (top-level names may be renamed); the
// service worker is a classic script whose top-level names are its globals.
const options = (path) => {
  if (path.endsWith('.css')) return { loader: 'css' };
  if (path.endsWith('sw.js')) return { loader: 'js' };
  return { loader: 'js', format: 'esm' };
};

function minify() {
  const all = files(staging);
  const renamed = new Map();
  for (const path of all.filter((p) => /\.(js|css)$/.test(p) && !p.includes('/fallback/'))) {
    const before = readFileSync(path);
    const { code } = transformSync(before.toString('utf8'), {
      ...options(path),
      minify: true,
      legalComments: 'none',
      target: 'es2022',
    });
    writeFileSync(path, code);
    renamed.set(sri(before), sri(Buffer.from(code)));
  }
  for (const page of all.filter((p) => p.endsWith('.html'))) {
    const html = readFileSync(page, 'utf8');
    const updated = withIntegrity(html, renamed);
    if (updated !== html) writeFileSync(page, updated);
  }
}

// The page's policy. connect-src is open because the regions are whatever
// config.json lists, from any origin; what they serve is only ever read
// as data and verified.
function policy(scriptHashes, styleHashes) {
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval' ${scriptHashes.join(' ')}`.trim(),
    `style-src 'self' ${styleHashes.join(' ')}`.trim(),
    "img-src 'self' data:",
    'connect-src *',
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'none'",
  ].join('; ');
}

// `html` with its policy (replacing one from an earlier run of this hook).
function withPolicy(html) {
  const without = html.replace(/\s*<meta http-equiv="Content-Security-Policy"[^>]*>/g, '');
  const hashesOf = (pattern) => [...new Set([...without.matchAll(pattern)]
    .map((m) => `'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`))];
  const scripts = hashesOf(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g);
  const styles = hashesOf(/<style>([\s\S]*?)<\/style>/g);
  const meta = `<meta http-equiv="Content-Security-Policy" content="${policy(scripts, styles)}" />`;
  // Before anything that loads: right after the charset.
  return without.replace(/(<meta charset="[^"]*"\s*\/?>)/i, `$1\n    ${meta}`);
}

// The scripts a page names by placeholder (step 4), from crates/bongsu-web/js/.
const INLINE = Object.fromEntries(['redirect', 'early', 'snapshot'].map((name) => {
  const source = readFileSync(join(import.meta.dirname, `../../crates/bongsu-web/js/${name}.js`), 'utf8');
  const code = release
    ? transformSync(source, { loader: 'js', minify: true, legalComments: 'none', target: 'es2020' }).code.trim()
    : source;
  return [name, code];
}));

// `html` (the page at `page`) with its stylesheets inlined: a few KB that
// otherwise cost a request each, on a new connection for a first visit,
// and that hold back the first paint, the snapshot's included. The
// stylesheets themselves go: nothing else refers to them.
function withStylesInline(page, html) {
  return html.replace(/<link rel="stylesheet" href="(\.\/[^"]+\.css)"[^>]*>/g, (_, href) => {
    const file = join(dirname(page), href);
    const css = readFileSync(file, 'utf8').trim();
    inlinedStyles.add(file);
    return `<style>${css}</style>`;
  });
}
const inlinedStyles = new Set();

// `html` with its inline scripts filled in (`<script data-bongsu-inline="early" …></script>`)
// and, beside the early one, the code's preload links moved up (step 4).
function withEarlyStart(html) {
  let filled = html.replace(/<script data-bongsu-inline="(\w+)"([^>]*)><\/script>/g, (whole, name, rest) => {
    if (!(name in INLINE)) throw new Error(`minify: no inline script named ${name}`);
    return `<script data-bongsu-inline="${name}"${rest}>${INLINE[name]}</script>`;
  });
  const early = /<script data-bongsu-inline="early"/;
  if (!early.test(filled)) return filled;
  // The wasm first: it is most of the bytes, and the first request asked
  // for gets the connection the page came on, without a new handshake.
  const preloads = (filled.match(/<link rel="(?:module)?preload"[^>]*>/g) ?? [])
    .sort((a, b) => /\.wasm"/.test(b) - /\.wasm"/.test(a));
  for (const link of preloads) filled = filled.replace(link, '');
  return filled.replace(early, (start) => `${preloads.join('\n    ')}\n    ${start}`);
}

if (release) minify();
for (const page of files(staging).filter((p) => p.endsWith('.html'))) {
  const html = readFileSync(page, 'utf8');
  const updated = withStylesInline(page, withEarlyStart(html));
  if (updated !== html) writeFileSync(page, updated);
}
for (const file of inlinedStyles) unlinkSync(file);
for (const page of files(staging).filter((p) => p.endsWith('.html'))) {
  const html = readFileSync(page, 'utf8');
  const updated = withPolicy(html);
  if (updated !== html) writeFileSync(page, updated);
}

// Step 5, after every rewrite above.
const COMPRESSIBLE = /\.(html|js|mjs|css|wasm|json|svg|txt|webmanifest)$/;
if (release) {
  for (const path of files(staging).filter((p) => COMPRESSIBLE.test(p))) {
    const bytes = readFileSync(path);
    const br = brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    });
    const gz = gzipSync(bytes, { level: 9 });
    if (br.length < bytes.length) writeFileSync(`${path}.br`, br);
    if (gz.length < bytes.length) writeFileSync(`${path}.gz`, gz);
  }
}
