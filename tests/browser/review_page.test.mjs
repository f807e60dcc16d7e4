// The review page of a real `bulkqa serve` in Debian's chromium, opened at the invite URL it
// prints: a task of 25 images whose label holds markup and quotes renders from the worker template
// with every box checked and the label as text; two boxes are unchecked (one by mouse, one by
// keyboard) and the answer submitted; the table then holds 23 confirms and 2 disconfirms on
// exactly those images.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { launchChromium } from './chromium.mjs';

const sourceDir = process.env.BULKQA_SOURCE_DIR ?? path.resolve(import.meta.dirname, '../..');
const binDir = process.env.BULKQA_BIN_DIR ?? path.join(sourceDir, 'build/bin');
const artifactDir = process.env.BULKQA_TEST_ARTIFACT_DIR ?? path.join(sourceDir, 'test-artifacts');
const label = `<img src=x onerror=alert(1)> "Tom's" crab`;
const unchecked = [3, 17];
const startupLimitMs = 120_000;

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkqa-review-page-'));
const resultsFile = path.join(workDir, 'results.csv');
let serve;
let stdout = '';
let stderr = '';
let exited;

// Resolves with the invite URL `bulkqa serve` prints for its one reviewer.
function inviteUrl() {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${stderr}`)), startupLimitMs);
    const look = () => {
      const match = /open (http:\/\/127\.0\.0\.1:\d+\/invite#[0-9a-f]+)\n/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    serve.stderr.on('data', look);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`bulkqa serve exited (${code}) before serving:\n${stderr}`));
    });
  });
}

// RFC 4180 CSV, as `--results` writes it.
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let at = 0; at < text.length; at += 1) {
    const c = text[at];
    if (quoted) {
      if (c === '"' && text[at + 1] === '"') {
        field += '"';
        at += 1;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
  }
  const [header, ...records] = rows;
  return records.map((record) => Object.fromEntries(header.map((name, i) => [name, record[i]])));
}

let browser;
let invite;

before(async () => {
  serve = spawn(path.join(binDir, 'bulkqa'), [
    'serve', '--corpus', 'tests/data/markup_label.csv', '--min-confidence', '0',
    '--port', '0', '--work-dir', workDir, '--results', resultsFile,
  ], { cwd: sourceDir, stdio: ['ignore', 'pipe', 'pipe'] });
  serve.stdout.on('data', (chunk) => { stdout += chunk; });
  serve.stderr.on('data', (chunk) => { stderr += chunk; });
  exited = new Promise((resolve) => serve.on('exit', (code, signal) => resolve(code ?? signal)));
  invite = await inviteUrl();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (serve.exitCode === null && serve.signalCode === null) {
    serve.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(workDir, { recursive: true, force: true });
});

test('a task of 25 images is reviewed in the browser and lands in the table', { timeout: 180_000 }, async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  const dialogs = [];
  const pageErrors = [];
  page.on('dialog', async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(invite);
  await page.waitForURL(new URL('/', invite).href);

  const cards = page.locator('.bulkqa-card');
  await cards.nth(24).waitFor();
  assert.equal(await cards.count(), 25);
  assert.equal(await page.locator('.bulkqa-label').textContent(), label);
  assert.equal(await page.locator('h1').textContent(), `Is each image a ${label}?`);

  const boxes = page.locator('crowd-checkbox');
  assert.deepEqual(await boxes.evaluateAll((all) => all.map((box) => box.checked)),
                   Array(25).fill(true));
  assert.deepEqual(await boxes.evaluateAll((all) => all.map((box) => box.getAttribute('name'))),
                   Array.from({ length: 25 }, (_, i) => `${label}-${i}`));
  // The label's markup stayed text: no element came of it, and no script ran.
  assert.equal(await page.locator('img[src="x"]').count(), 0);
  await page.waitForFunction(() => [...document.querySelectorAll('.bulkqa-image')]
    .every((image) => image.complete && image.naturalWidth > 0));

  // The keys of the instructions: U unchecks all, A checks all, C hides the confidence.
  const confirmedCount = page.locator('.bulkqa-confirmed-count');
  await page.keyboard.press('u');
  await page.waitForFunction(() => document.querySelector('.bulkqa-confirmed-count')
    .textContent === '0');
  assert.equal(await page.locator('.bulkqa-card.bulkqa-unchecked').count(), 25);
  await page.keyboard.press('a');
  await page.waitForFunction(() => document.querySelector('.bulkqa-confirmed-count')
    .textContent === '25');
  const confidence = page.locator('.bulkqa-confidence').first();
  assert.equal(await confidence.evaluate((element) => getComputedStyle(element).visibility),
               'visible');
  await page.keyboard.press('c');
  assert.equal(await confidence.evaluate((element) => getComputedStyle(element).visibility),
               'hidden');
  await page.keyboard.press('c');

  await boxes.nth(unchecked[0]).click();
  await boxes.nth(unchecked[1] - 1).focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.querySelector('.bulkqa-confirmed-count')
    .textContent === '23');
  assert.equal(await confirmedCount.textContent(), '23');
  assert.deepEqual(await boxes.evaluateAll((all) => all.map((box) => box.checked)),
                   Array.from({ length: 25 }, (_, i) => !unchecked.includes(i)));
  assert.deepEqual(
    await cards.evaluateAll((all) => all.flatMap(
      (card, i) => (card.classList.contains('bulkqa-unchecked') ? [i] : []))),
    unchecked);

  fs.mkdirSync(artifactDir, { recursive: true });
  await page.screenshot({ path: path.join(artifactDir, 'review_page.png'), fullPage: true });

  const [answered] = await Promise.all([
    page.waitForResponse((response) => response.url().endsWith('/api/tasks/0/answer')),
    page.locator('.crowd-form-submit').click(),
  ]);
  assert.equal(answered.status(), 200, await answered.text());
  assert.deepEqual(await answered.json(),
                   { completed_task: true, progress: { complete: 1, total: 1 } });
  await page.locator('#serve-message', { hasText: 'The task is reviewed' }).waitFor();

  // The one task is consolidated: the job ends, printing the report and writing every image's votes.
  assert.equal(await exited, 0, stderr);
  assert.match(stdout, /\| TOTALS \| 25 \| 23 \| 2 \| 0 \|/);
  const rows = parseCsv(fs.readFileSync(resultsFile, 'utf8'));
  assert.equal(rows.length, 25);
  for (const row of rows) {
    const index = Number(/image_(\d+)\.jpg$/.exec(row.s3_image_url)[1]) - 1;
    const rejected = unchecked.includes(index);
    assert.equal(row.label, label);
    assert.deepEqual([row.confirm_count, row.disconfirm_count], rejected ? ['0', '1'] : ['1', '0'],
                     row.s3_image_url);
  }
  assert.deepEqual(dialogs, []);
  assert.deepEqual(pageErrors, []);
});
