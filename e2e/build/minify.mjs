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
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync, transformSync } from 'esbuild';

const staging = process.env.TRUNK_STAGING_DIR;
const release = process.env.TRUNK_PROFILE === 'release';
if (!staging) {
  console.error('minify: TRUNK_STAGING_DIR is not set (run me as a Trunk hook)');
  process.exit(2);
}

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
if (!release) process.exit(0);

const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });

const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

// The app's glue is an ES module (top-level names may be renamed); the
// service worker is a classic script whose top-level names are its globals.
const options = (path) => {
  if (path.endsWith('.css')) return { loader: 'css' };
  if (path.endsWith('sw.js')) return { loader: 'js' };
  return { loader: 'js', format: 'esm' };
};

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
  const updated = html.replace(/integrity="(sha384-[^"]+)"/g, (whole, old) =>
    renamed.has(old) ? `integrity="${renamed.get(old)}"` : whole,
  );
  if (updated !== html) writeFileSync(page, updated);
}
