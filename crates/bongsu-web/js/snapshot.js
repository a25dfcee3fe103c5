// Inlined at build time at the start of the status page's <body>
// (e2e/build/minify.mjs). A returning reader sees the page as this device
// last showed it verified, before the app's code has even started, in the
// theme and language it was drawn in; the app takes it away when it shows
// a status of its own (src/snapshot.rs says when). Until then the
// stylesheet hides what the app draws behind it.
//
// What is kept is the page's own markup, taken from the screen once a
// region's status was verified and drawn (`bongsuSaveSnapshot`), marked as a snapshot:
// the banner's source line says when this device showed it; the parts that
// describe that moment's network (each region's answer, the history's
// checkpoints, the feed's details, the footer) are left out; ids and test
// ids are dropped, so nothing refers into it. Shown, it is inert: a
// picture, not something to click. It holds no script, and the page's
// policy runs none inline but by hash.
(() => {
  const key = `bongsu-snapshot ${location.pathname}`;
  const LEFT_OUT = 'section.regions, section.evidence, section.feed-meta, .history-summary, footer, .banner .source-note';
  // Called by the app (src/snapshot.rs).
  window.bongsuSaveSnapshot = (note) => {
    const page = document.querySelector('body > .page');
    const banner = page?.querySelector('.banner');
    if (!banner) return;
    const copy = page.cloneNode(true);
    for (const gone of copy.querySelectorAll(LEFT_OUT)) gone.remove();
    for (const element of copy.querySelectorAll('[id], [data-testid], [aria-labelledby]')) {
      for (const name of ['id', 'data-testid', 'aria-labelledby']) element.removeAttribute(name);
    }
    const shownBanner = copy.querySelector('.banner');
    shownBanner.dataset.source = 'snapshot';
    const line = document.createElement('p');
    line.className = 'source-note';
    line.textContent = note;
    shownBanner.querySelector('div')?.append(line);
    const kept = document.createElement('div');
    for (const name of ['data-theme', 'lang']) {
      const value = document.documentElement.getAttribute(name);
      if (value) kept.setAttribute(name, value);
    }
    kept.append(copy);
    try {
      localStorage.setItem(key, kept.outerHTML.replaceAll('<!---->', ''));
    } catch {}
  };
  window.bongsuRemoveSnapshot = () => document.getElementById('bongsu-snapshot')?.remove();
  let kept = null;
  try {
    kept = localStorage.getItem(key);
  } catch {}
  if (!kept) return;
  const shown = document.createElement('div');
  shown.id = 'bongsu-snapshot';
  shown.inert = true;
  shown.innerHTML = kept;
  const drawn = shown.firstElementChild;
  for (const name of ['data-theme', 'lang']) {
    const value = drawn?.getAttribute(name);
    if (value) document.documentElement.setAttribute(name, value);
  }
  document.currentScript.after(shown);
  // For the network benchmark (e2e/bench/network.mjs).
  performance.mark('bongsu-snapshot');
})();
