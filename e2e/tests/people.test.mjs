// The page as people meet it: in Korean or English (from the browser, then
// by the switch, remembered), light or dark, accessible (axe-core, WCAG 2.2
// A/AA rules, zero violations on every page in both languages and both
// themes), and on a 360 px phone. Runs against the demo: the replayed Kakao
// outage with its history log, three regions.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import {
  DIST, launchBrowser, startServer, stopServer, freeBase, readFeed, ensureScreenshotDir,
  waitForRegionState,
} from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const INCIDENT = '2022-10-15-pangyo-datacenter-fire';
const PAGES = {
  status: { hash: '#/', ready: '[data-testid=history-summary] a' },
  history: { hash: '#/history', ready: '[data-testid=uptime-row]' },
  incident: { hash: `#/incidents/${INCIDENT}`, ready: '[data-testid=incident-detail]' },
};

let browser;
let demo;
let dir;
let operatorText;
before(async () => {
  browser = await launchBrowser();
  dir = mkdtempSync(path.join(tmpdir(), 'bongsu-people-'));
  demo = await startServer(['demo', '--dir', dir, '--app', DIST, '--port', String(await freeBase())], 30000);
  // Everything the operator wrote (names, titles, messages) is content, not
  // the page's own words: it stays in the language it was written in.
  const feed = readFeed(path.join(dir, 'regions/seoul/feed.note'));
  const config = await (await fetch(`${demo.urls.app}config.json`)).json();
  // The log's origin, its root hash and the witnesses' key names are
  // identifiers: the page marks them translate="no", which pageWords skips.
  operatorText = [...new Set(strings(feed).concat(strings(config)))]
    .filter((s) => s.length > 1)
    .sort((a, b) => b.length - a.length);
});
after(async () => {
  await browser?.close();
  if (demo) await stopServer(demo);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function strings(value) {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

async function open({ locale = 'en-US', colorScheme = 'light', width = 1280, page: which = 'status' } = {}) {
  const context = await browser.newContext({ locale, colorScheme, viewport: { width, height: 900 } });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(`${demo.urls.app}${PAGES[which].hash}`);
  // The region strip is on the status page only.
  if (which === 'status') await waitForRegionState(page, 'seoul', 'valid', 15000);
  await page.waitForSelector(PAGES[which].ready, { timeout: 20000 });
  return page;
}

/// Visible text outside technical detail (`lang=en`, code), with the
/// operator's own words taken out: what must be in the page's language.
function pageWords(page) {
  return page.evaluate(() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || el.closest('[lang="en"], [translate="no"], code, pre, script, style, noscript')) continue;
      if (!el.checkVisibility()) continue;
      const text = node.textContent.trim();
      if (text) out.push({ text, where: el.closest('[data-testid]')?.dataset.testid ?? el.tagName });
    }
    for (const el of document.querySelectorAll('[aria-label], [title]')) {
      if (el.closest('[lang="en"], [translate="no"]')) continue;
      for (const attr of ['aria-label', 'title']) {
        const text = el.getAttribute(attr);
        if (text) out.push({ text, where: `${el.tagName}@${attr}` });
      }
    }
    return out;
  });
}

/// Latin words left in Korean text once operator content, numbers and the
/// few Latin terms Korean uses as is are taken out: formats, a product's
/// name (Atlassian Statuspage) and the file names the footer links
/// (`api/v2/summary.json`), which are the same in every language.
const LATIN_IN_KOREAN = new Set([
  'UTC', 'HTTP', 'ms', 'JSON', 'CSV', 'Atom', 'RSS', 'bongsu', 'audit', 'text', 'plain',
  'Atlassian', 'Statuspage', 'api', 'summary', 'json',
]);
function untranslated(words) {
  const left = [];
  for (const { text, where } of words) {
    let rest = text;
    for (const s of operatorText) rest = rest.split(s).join(' ');
    const latin = (rest.match(/[A-Za-z]{2,}/g) ?? []).filter((w) => !LATIN_IN_KOREAN.has(w));
    if (latin.length) left.push(`${where}: "${text}" (${latin.join(' ')})`);
  }
  return left;
}

async function axe(page) {
  // Evaluated by the browser's devtools protocol, which the page's CSP does not govern.
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
    }));
  });
}

test('a Korean browser gets Korean, with nothing left in English; the switch changes every word and is remembered', async () => {
  for (const which of Object.keys(PAGES)) {
    const page = await open({ locale: 'ko-KR', page: which });
    assert.equal(await page.getAttribute('html', 'lang'), 'ko', which);
    const left = untranslated(await pageWords(page));
    assert.deepEqual(left, [], `${which}: untranslated text in Korean`);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  }

  const page = await open({ locale: 'ko-KR' });
  assert.match(await page.textContent('[data-testid=nav-status]'), /현재 상태/);
  const korean = (await pageWords(page)).map((w) => w.text);
  await page.click('[data-testid=language-switch]');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  const english = (await pageWords(page)).map((w) => w.text);
  assert.match(await page.textContent('[data-testid=nav-status]'), /Status/);
  // Every Korean text of the page's own is gone: none survives the switch.
  const hangul = /[\uAC00-\uD7A3]/;
  const stayed = english.filter((t) => hangul.test(t) && !operatorText.some((s) => t === s));
  assert.deepEqual(stayed, [], 'Korean text left after switching to English');
  assert.ok(korean.filter((t) => hangul.test(t)).length > 10, 'the Korean page had Korean text');

  await page.reload();
  await page.waitForSelector('[data-testid=banner]');
  assert.equal(await page.getAttribute('html', 'lang'), 'en', 'the choice survives a reload');
  assert.match(await page.textContent('[data-testid=nav-history]'), /History/);
  await page.context().close();

  const english2 = await open({ locale: 'en-GB' });
  assert.equal(await english2.getAttribute('html', 'lang'), 'en');
  assert.match(await english2.textContent('[data-testid=services] h2, #services-heading'), /Services/);
  await english2.context().close();
});

test('axe-core finds no WCAG 2.2 A/AA violation on any page, in either language or theme', async () => {
  const failures = [];
  for (const locale of ['ko-KR', 'en-US']) {
    for (const colorScheme of ['light', 'dark']) {
      for (const which of Object.keys(PAGES)) {
        const page = await open({ locale, colorScheme, page: which });
        const violations = await axe(page);
        if (violations.length) failures.push({ locale, colorScheme, which, violations });
        await page.context().close();
      }
    }
  }
  assert.deepEqual(failures, []);
});

test('the theme toggle overrides the system setting and is remembered; screenshots of each', async () => {
  const shots = ensureScreenshotDir();
  const page = await open({ locale: 'en-US', colorScheme: 'light' });
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await background();
  await page.screenshot({ path: path.join(shots, 'light-en-1280.png'), fullPage: true });
  // auto → light → dark
  await page.click('[data-testid=theme-toggle]');
  await page.click('[data-testid=theme-toggle]');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  const dark = await background();
  assert.notEqual(dark, light);
  await page.screenshot({ path: path.join(shots, 'dark-en-1280.png'), fullPage: true });
  await page.reload();
  await page.waitForSelector('[data-testid=banner]');
  assert.equal(await background(), dark, 'dark survives a reload');
  assert.equal(await page.getAttribute('[data-testid=theme-toggle]', 'data-theme'), 'dark');
  await page.context().close();
});

test('at 360 px every page fits and every control is a 44 px touch target, in Korean and English', async () => {
  const shots = ensureScreenshotDir();
  const cases = [];
  for (const [locale, name] of [['ko-KR', 'ko'], ['en-US', 'en']]) {
    for (const colorScheme of ['light', 'dark']) cases.push({ locale, name, colorScheme, which: 'status' });
    for (const which of ['history', 'incident']) cases.push({ locale, name, colorScheme: 'light', which });
  }
  for (const { locale, name, colorScheme, which } of cases) {
    const page = await open({ locale, colorScheme, width: 360, page: which });
    const shot = which === 'status' ? `phone-360-${name}-${colorScheme}.png` : `phone-360-${name}-${which}.png`;
    await page.screenshot({ path: path.join(shots, shot), fullPage: true });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${name}/${colorScheme}/${which}: the page is ${width} px wide at 360 px`);
    const small = await page.evaluate(() =>
      [...document.querySelectorAll('button, a[href], select, input, summary')]
        // Links inside running text are exempt (WCAG 2.5.8, inline).
        .filter((el) => el.checkVisibility() && !(el.tagName === 'A' && getComputedStyle(el).display === 'inline'))
        .map((el) => ({ el, box: el.getBoundingClientRect() }))
        .filter(({ box }) => box.height < 44 || box.width < 44)
        .map(({ el, box }) => `${el.tagName}[${el.dataset.testid ?? el.textContent.trim().slice(0, 20)}] ${Math.round(box.width)}x${Math.round(box.height)}`),
    );
    assert.deepEqual(small, [], `${name}/${colorScheme}/${which}: controls smaller than 44 px`);
    await page.context().close();
  }
});
