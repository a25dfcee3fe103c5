// Inlined at build time in every page (e2e/build/minify.mjs), before the
// stylesheets: it starts the requests the app makes first while the app's
// code is still downloading, and hands each response to the app once
// (`fetch::started_early` in this crate). On a phone that is the config's
// round trip, and each region's connection and first answer, taken off the
// critical path. Nothing here reads or trusts what comes back except the
// config's region list, to know where to ask; the app verifies everything.
//
// The URLs must be those the app asks for: the config beside the page
// (`data-config` names it), then each region's `keys.json` and `feed.note`
// (`RegionConfig::keys_url`, `feed_url` in bongsu-core), and what the page
// asks of each region besides (`data-files`: the history pages' log
// checkpoint, `log_url`). A URL the app never asks for costs one wasted
// request; one it asks for that is not here is simply fetched then.
(() => {
  performance.mark('bongsu-early');
  const started = new Map();
  // Handed to the app already: not asked again by this script.
  const taken = new Set();
  const start = (href) => {
    const controller = new AbortController();
    const response = fetch(href, { cache: 'no-cache', signal: controller.signal });
    response.catch(() => {});
    started.set(href, { response, controller });
    return response;
  };
  window.bongsuEarly = (url, signal) => {
    const href = new URL(url, document.baseURI).href;
    const early = started.get(href);
    if (!early) return undefined;
    started.delete(href);
    taken.add(href);
    if (signal.aborted) early.controller.abort();
    signal.addEventListener('abort', () => early.controller.abort(), { once: true });
    return early.response;
  };
  const config = new URL(document.currentScript.dataset.config, document.baseURI).href;
  const files = ['keys.json', 'feed.note', ...(document.currentScript.dataset.files ?? '').split(' ').filter(Boolean)];
  // A returning reader's regions are asked at once, from the list this
  // script remembered last time, rather than after the config: a config
  // that changed since costs those requests, and the app asks the right
  // ones itself.
  // (Per list of files: the status page's and the history pages' differ.)
  const rememberedAt = `bongsu-early ${config}${files.length > 2 ? ` ${files.slice(2).join(' ')}` : ''}`;
  const remember = (urls) => {
    try {
      localStorage.setItem(rememberedAt, JSON.stringify(urls));
    } catch {}
  };
  let remembered = [];
  try {
    remembered = JSON.parse(localStorage.getItem(rememberedAt) ?? '[]');
  } catch {}
  if (Array.isArray(remembered)) {
    for (const url of remembered) {
      try {
        start(new URL(url).href);
      } catch {}
    }
  }
  start(config)
    .then((response) => (response.ok ? response.clone().json() : null))
    .then((parsed) => {
      const urls = [];
      for (const region of parsed?.regions ?? []) {
        const base = new URL(String(region.url).trim(), config).href;
        for (const file of files) {
          urls.push(new URL(base.endsWith('/') ? base + file : `${base}/${file}`).href);
        }
      }
      for (const url of urls) if (!started.has(url) && !taken.has(url)) start(url);
      remember(urls);
    })
    .catch(() => {});
})();
