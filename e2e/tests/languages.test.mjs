// The operator's words in the reader's language: the replayed Kakao
// statements in Korean for a Korean browser and in English for an English
// one, each marked as the translation or the original it is; a text the
// operator did not translate shown in its original with a mark; names in the
// widget; the dependency line for Kakao Pay during the fire; sources kept
// apart from the notice; no WCAG violation. Against the real demo in
// headless Chromium.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  launchBrowser, startServer, stopServer, freeBase, waitForRegionState, ensureScreenshotDir, readFeed,
} from './harness.mjs';

const DIST = process.env.BONGSU_DIST;
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let browser;
let demo;
let dir;
before(async () => {
  browser = await launchBrowser();
  dir = mkdtempSync(path.join(tmpdir(), 'bongsu-languages-'));
  demo = await startServer(['demo', '--dir', dir, '--app', DIST, '--port', String(await freeBase())], 30000);
});
after(async () => {
  await browser?.close();
  if (demo) await stopServer(demo);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function open(locale, width = 1280) {
  const context = await browser.newContext({ locale, viewport: { width, height: 900 } });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(demo.urls.app);
  await waitForRegionState(page, 'seoul', 'valid', 15000);
  await page.waitForSelector('[data-testid=incident] .message', { timeout: 20000 });
  return page;
}

async function axe(page) {
  await page.evaluate(AXE);
  return page.evaluate(async () => (await window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
  })).violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`));
}

/// The incident as the page shows it: title, its mark, and each update's
/// message, mark and sources line (newest first).
function shownIncident(page) {
  return page.evaluate(() => {
    const incident = document.querySelector('[data-testid=incident]');
    const mark = (el) => el?.querySelector('[data-testid=said-mark]');
    return {
      title: incident.querySelector('h3 > span').textContent,
      titleMark: mark(incident.querySelector('h3'))?.dataset.mark ?? null,
      titleMarkText: mark(incident.querySelector('h3'))?.textContent ?? null,
      updates: [...incident.querySelectorAll('.updates li')].map((li) => ({
        message: li.querySelector('.message > span').textContent,
        lang: li.querySelector('.message > span').getAttribute('lang'),
        mark: mark(li.querySelector('.message'))?.dataset.mark ?? null,
        markText: mark(li.querySelector('.message'))?.textContent ?? null,
        sources: li.querySelector('[data-testid=update-sources]')?.textContent ?? null,
      })),
    };
  });
}

const dependencyLine = (page, service, component) => page.textContent(
  `[data-service-id="${service}"] [data-component-id="${component}"] [data-testid=affected-through]`);

test("a Korean browser reads Kakao's statements in Korean and an English one in English, marked, with sources apart", async () => {
  const ko = await open('ko-KR');
  const k = await shownIncident(ko);
  assert.equal(k.title, 'SK C&C 판교 데이터센터 화재');
  assert.equal(k.titleMark, 'translated');
  assert.equal(k.titleMarkText, '영어 원문을 번역함');
  // 17:00 on the 15th: Kakao Pay's post is the newest statement.
  assert.equal(k.updates[0].message, '카카오페이: 서비스를 복구하고 있습니다.');
  assert.equal(k.updates[0].mark, 'translated', 'the data has no Korean wording: a translation, said so');
  assert.equal(k.updates.at(-1).message, '카카오톡 등 일부 카카오 서비스가 원활하지 않습니다. 긴급 점검을 진행하고 있습니다.');
  for (const u of k.updates) {
    assert.doesNotMatch(u.message, /timeline row|confidence/, 'research provenance is not part of the notice');
    assert.match(u.sources, /^출처: timeline row \d+ · K/);
  }
  assert.equal(await ko.textContent('[data-service-id=kakaotalk] h3.name'), '카카오톡');
  assert.equal(await ko.textContent('[data-service-id=daum] [data-component-id=mail] .name'), '다음 메일');
  // Kakao Pay's payments were down through Kakao account login.
  assert.equal(await dependencyLine(ko, 'kakaopay', 'payments'), '카카오계정: 로그인·인증 (전면 장애) 장애의 영향');
  await ko.screenshot({ path: path.join(ensureScreenshotDir(), 'languages-ko-1280.png'), fullPage: true });
  assert.deepEqual(await axe(ko), []);
  assert.deepEqual(ko.errors, []);
  await ko.context().close();

  const en = await open('en-US');
  const e = await shownIncident(en);
  assert.equal(e.title, 'Fire at the SK C&C Pangyo datacenter');
  assert.equal(e.titleMark, null, 'the original needs no mark');
  assert.equal(e.updates[0].message, 'Kakao Pay: we are restoring the service.');
  assert.equal(e.updates[0].mark, null);
  assert.match(e.updates[0].sources, /^Source: timeline row 29 · K38 · confidence B$/);
  assert.equal(await en.textContent('[data-service-id=kakaotalk] h3.name'), 'KakaoTalk');
  assert.equal(await dependencyLine(en, 'kakaopay', 'payments'), 'Affected through Kakao Account: Login & authentication (Major outage)');
  assert.deepEqual(await axe(en), []);
  assert.deepEqual(en.errors, []);
  await en.context().close();
});

test('a text the operator did not translate is shown in its original, marked, in the page and the widget', async () => {
  const statusFile = path.join(dir, 'status.toml');
  const before = readFileSync(statusFile, 'utf8');
  const seq = readFeed(path.join(dir, 'regions/seoul/feed.note')).seq;
  // A bilingual file refuses a text in one language only...
  writeFileSync(statusFile, `${before}
[[incidents.updates]]
at = 2022-10-15T17:05:00+09:00
state = "identified"
message = { en = "Engineers are on site." }
`);
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(readFeed(path.join(dir, 'regions/seoul/feed.note')).seq, seq, 'refused: nothing was signed');
  // ...unless it is marked untranslated. A service named in English only too.
  writeFileSync(statusFile, `${before}
[[incidents.updates]]
at = 2022-10-15T17:05:00+09:00
state = "identified"
message = { en = "Engineers are on site.", untranslated = true }

[[services]]
id = "status-probe"
name = { en = "Status probe", untranslated = true }
[[services.components]]
id = "probe"
name = { en = "Probe", untranslated = true }
status = "operational"
`);
  const deadline = Date.now() + 15000;
  while (readFeed(path.join(dir, 'regions/seoul/feed.note')).seq === seq && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.notEqual(readFeed(path.join(dir, 'regions/seoul/feed.note')).seq, seq, 'signed once marked');

  const ko = await open('ko-KR', 360);
  await ko.waitForFunction(() => document.querySelector('[data-testid=incident] .message > span')?.textContent === 'Engineers are on site.', null, { timeout: 15000 });
  const k = await shownIncident(ko);
  assert.equal(k.updates[0].lang, 'en', 'marked as English for screen readers');
  assert.equal(k.updates[0].mark, 'original');
  assert.equal(k.updates[0].markText, '원문: 영어');
  assert.equal(await ko.getAttribute('[data-service-id=status-probe] h3.name > span', 'lang'), 'en');
  assert.ok(await ko.evaluate(() => document.documentElement.scrollWidth <= 360), 'fits at 360 px');
  await ko.screenshot({ path: path.join(ensureScreenshotDir(), 'languages-fallback-ko-360.png'), fullPage: true });
  assert.deepEqual(await axe(ko), []);
  await ko.context().close();

  // The partner widget: names in the reader's language, the fallback said.
  const context = await browser.newContext({ viewport: { width: 400, height: 700 } });
  const widget = await context.newPage();
  await widget.goto(`${demo.urls.app}embed/?services=kakaotalk,kakaopay,status-probe&lang=ko&mode=detailed`);
  await widget.waitForSelector('[data-testid=widget-service][data-service=status-probe]', { timeout: 20000 });
  const names = await widget.$$eval('[data-testid=widget-service] .name', (els) => els.map((e) => [e.textContent, e.getAttribute('lang')]));
  assert.deepEqual(names, [['카카오톡', null], ['카카오페이', null], ['Status probe', 'en']]);
  assert.equal(await widget.textContent('[data-testid=widget-original]'), '일부 이름은 원문 그대로입니다(영어)');
  await widget.goto(`${demo.urls.app}embed/?services=kakaotalk,kakaopay&lang=en&mode=detailed`);
  await widget.waitForSelector('[data-testid=widget-service][data-service=kakaopay]', { timeout: 20000 });
  assert.deepEqual(await widget.$$eval('[data-testid=widget-service] .name', (els) => els.map((e) => e.textContent)), ['KakaoTalk', 'Kakao Pay']);
  assert.equal(await widget.$('[data-testid=widget-original]'), null);
  await context.close();
  writeFileSync(statusFile, before);
});
