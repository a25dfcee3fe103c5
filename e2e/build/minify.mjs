// Trunk post-build hook (Trunk.toml): minifies a release build's JS and CSS
// in the staging folder, before Trunk moves it to dist.
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
import { transformSync } from 'esbuild';

const staging = process.env.TRUNK_STAGING_DIR;
if (process.env.TRUNK_PROFILE !== 'release') process.exit(0);
if (!staging) {
  console.error('minify: TRUNK_STAGING_DIR is not set (run me as a Trunk hook)');
  process.exit(2);
}

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
for (const path of all.filter((p) => /\.(js|css)$/.test(p))) {
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
