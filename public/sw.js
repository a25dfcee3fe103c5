// Bongsu's offline shell. The page must load on the day every origin is
// down, including the one that served it, and then show the last verified
// status the device kept (the app re-verifies it; this worker only keeps
// the files). Everything is relative to this worker's own location, so the
// same build works from any origin and path.
//
// Only same-origin GETs of the pages, the config and Trunk's hashed files
// are handled. Region feeds (cross-origin, or same-origin under any other
// path) pass straight through: their freshness is the app's business,
// never a cache's.
//
// The history pages are built apart (history/, see src/entry.rs) so the
// status page loads less. They are kept when first visited, not at install:
// a reader who never opens them does not download them. (A reader whose
// first visit is the history pages installs this worker from them: those
// are kept at install, see cacheOpenPages.)
//
// The partner widget (embed/) registers its own copy of this worker with
// `?config=../config.json`: its scope is embed/, it keeps only the widget's
// files and the page's config, and the app's worker leaves embed/ alone.

const CONFIG = new URL(self.location.href).searchParams.get('config') ?? './config.json';
const SCOPE_PATH = new URL(self.registration.scope).pathname;
const CACHE = `bongsu-shell-v1 ${SCOPE_PATH}`;
// Pages, each with its own hashed files; the longest match owns a URL.
const PAGES = ['./', './history/'];
// A browser without WebCrypto's Ed25519 loads each page's fallback/
// verifier (crates/bongsu-web/js/ed25519.js): kept once it was used, and
// like the pages, served kept and refreshed behind.
const FALLBACKS = PAGES.map((page) => `${page}fallback/ed25519.js`);
// Served from the cache and refreshed behind it (entryPoint below).
const ENTRY_POINTS = [...PAGES, CONFIG];
// How long a background refresh may keep this worker alive.
const REFRESH_TIMEOUT_MS = 30000;

const scopeUrl = (path) => new URL(path, self.registration.scope).href;
// Another page with its own worker (the widget), inside this scope.
const ELSEWHERE = scopeUrl('./embed/');

// The page a URL belongs to: the longest page folder it is in.
function pageOf(url) {
  return PAGES.map(scopeUrl).filter((page) => url.startsWith(page)).sort((a, b) => b.length - a.length)[0];
}

// The hashed files a page's index.html refers to (Trunk names them by
// content), relative to that page.
function assetsOf(html, page = scopeUrl('./')) {
  const found = new Set();
  for (const m of html.matchAll(/(?:href|src)="(\.\/[^"]+)"|'(\.\/[^']+\.(?:js|wasm))'/g)) {
    found.add(new URL(m[1] ?? m[2], page).href);
  }
  return [...found];
}

// Whether WebCrypto here knows Ed25519 (RFC 8032's first test key).
async function hasEd25519() {
  const key = Uint8Array.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'.match(/../g), (h) => parseInt(h, 16));
  try {
    await crypto.subtle.importKey('raw', key, { name: 'Ed25519' }, false, ['verify']);
    return true;
  } catch {
    return false;
  }
}

async function cacheShell() {
  const cache = await caches.open(CACHE);
  const index = await fetch(scopeUrl('./'), { cache: 'no-cache' });
  if (!index.ok) throw new Error(`index.html: HTTP ${index.status}`);
  const html = await keepable(scopeUrl('./'), index.clone());
  if (html === null) throw new Error('index.html is not the app');
  await cache.put(scopeUrl('./'), index);
  await cache.addAll([scopeUrl(CONFIG), ...assetsOf(html)]);
  // The app's icon; the widget has none.
  await cache.add(scopeUrl('./favicon.svg')).catch(() => {});
  // A browser without WebCrypto's Ed25519 needs the fallback verifier to
  // check anything offline: keep it now (the others never load it).
  if (!(await hasEd25519())) await cache.add(scopeUrl(FALLBACKS[0])).catch(() => {});
  return html;
}

// The pages other than the status page that are open while this worker
// installs, with their files. The worker keeps a page when it serves its
// navigation, and it served none of these: a reader who came to the
// history pages first would otherwise get them over the network on the
// first return, two round trips more on a phone. Best effort.
async function cacheOpenPages() {
  const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const pages = new Set();
  for (const client of open) {
    const url = new URL(client.url);
    url.search = '';
    url.hash = '';
    const page = pageOf(url.href);
    if (page && page !== scopeUrl('./')) pages.add(page);
  }
  const cache = await caches.open(CACHE);
  for (const page of pages) {
    try {
      const response = await fetch(page, { cache: 'no-cache' });
      const html = response.ok ? await keepable(page, response.clone()) : null;
      if (html === null) continue;
      await cache.addAll(assetsOf(html, page));
      await cache.put(page, response);
    } catch {}
  }
}

// Drops a page's hashed files that neither its current index.html nor
// the one before it (`previous`, possibly still loading) refers to.
async function prune(page, html, previous = '') {
  const cache = await caches.open(CACHE);
  const keep = new Set([...ENTRY_POINTS, ...FALLBACKS, './favicon.svg'].map(scopeUrl)
    .concat(assetsOf(html, page), assetsOf(previous, page)));
  for (const request of await cache.keys()) {
    if (pageOf(request.url) === page && !keep.has(request.url)) await cache.delete(request);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(cacheShell().then(() => cacheOpenPages().catch(() => {})).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    // Only this scope's old caches (the other worker's are its own), and
    // the cache of the first version, named before there were two workers.
    for (const name of await caches.keys()) {
      const scopeOf = name.split(' ')[1] ?? '/';
      if (name === 'bongsu-shell-v1' || (name.startsWith('bongsu-shell') && scopeOf === SCOPE_PATH && name !== CACHE)) {
        await caches.delete(name);
      }
    }
    await self.clients.claim();
  })());
});

function withDeadline(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('deadline')), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

// A page is the app only if it is HTML that loads a hashed wasm: a CDN's
// "200 OK" maintenance page, a captive portal or anything else answering
// in the app's place is never kept as the app, and never prunes its files.
const WASM_REF = /\.\/[^"']+-[0-9a-f]{6,16}_bg\.wasm/;

// The body of a response worth keeping under `key`, or null: a page must
// be the app (above), the config must be JSON.
async function keepable(key, response) {
  const type = response.headers.get('content-type') ?? '';
  const body = await response.text();
  if (PAGES.map(scopeUrl).includes(key)) {
    return type.startsWith('text/html') && WASM_REF.test(body) ? body : null;
  }
  if (key === scopeUrl(CONFIG)) {
    try {
      JSON.parse(body);
      return body;
    } catch {
      return null;
    }
  }
  return body;
}

// A page, the config, a fallback or a snippet: the kept copy at once when
// there is one, so a returning reader sees the last verified status before
// any network answer (on a congested phone the network took 0.2 to 0.4 s
// to answer, and a gone origin until the deadline), and the network in the
// background, kept when worth keeping: a new deploy or region list takes
// effect at the next visit. Without a kept copy, the network.
function entryPoint(event, key) {
  return (async () => {
    const cache = await caches.open(CACHE);
    const kept = await cache.match(key);
    const fresh = refresh(event.request, key, kept?.clone());
    if (!kept) return fresh;
    event.waitUntil(withDeadline(fresh, REFRESH_TIMEOUT_MS).catch(() => {}));
    return kept;
  })();
}

// Asks the network for `key` and keeps the answer if it is worth keeping.
// A new page prunes the files that neither it nor the page it replaces
// (`kept`, possibly loading right now) refers to.
async function refresh(request, key, kept) {
  const response = await fetch(request, { cache: 'no-cache' });
  if (!response.ok) return response;
  const body = await keepable(key, response.clone());
  if (body === null) return response;
  const cache = await caches.open(CACHE);
  await cache.put(key, response.clone());
  if (PAGES.map(scopeUrl).includes(key)) {
    const before = kept ? await kept.text() : '';
    prune(key, body, before).catch(() => {});
  }
  return response;
}

// Trunk's content-hashed files. Anything else in scope (a region served
// from this origin, say) passes straight through like a cross-origin feed.
const HASHED = /-[0-9a-f]{6,16}(_bg)?\.(js|wasm|css)$/;
// wasm-bindgen's JS snippets: their folder's hash names the crate, not the
// content, so a new deploy can change one under the same name. Fresh when
// the network answers in time, like the pages, else the kept copy.
const SNIPPET = /\/snippets\/[\w-]+-[0-9a-f]{16}\/[\w/.-]+\.js$/;

// Hashed assets never change: the kept copy, else the network (and keep it).
async function asset(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request.url);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request.url, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  const url = new URL(request.url);
  // A navigation's URL keeps its fragment (`history/#/incidents/…`).
  url.search = '';
  url.hash = '';
  const path = url.href;
  if (path.startsWith(ELSEWHERE)) return;
  const page = pageOf(path);
  // Only the pages themselves are entry points. Any other navigation (a
  // link to config.json, a region's file on this origin, the worker
  // itself) passes through: it is never stored as a page.
  if (page && (path === page || path === `${page}index.html`)) {
    event.respondWith(entryPoint(event, page));
  } else if (path === scopeUrl(CONFIG) || FALLBACKS.map(scopeUrl).includes(path)
    || (path.startsWith(self.registration.scope) && SNIPPET.test(url.pathname))) {
    event.respondWith(entryPoint(event, path));
  } else if (path.startsWith(self.registration.scope) && (HASHED.test(url.pathname) || path === scopeUrl('./favicon.svg'))) {
    event.respondWith(asset(request));
  }
});
