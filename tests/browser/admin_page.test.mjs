// The admin page in Debian's chromium: its files served as cmake/web_assets.cmake embeds them, by
// a loopback server in this test under a Content-Security-Policy that allows only the page's own
// scripts and styles, with GET /api/progress answering a fixed progress document. The page must
// show exactly the figures of that document (worked out by hand below), keep a label's markup as
// text, mark the reviewer who never unchecks, and say when the progress cannot be read.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { launchChromium } from './chromium.mjs';

const sourceDir = process.env.BULKQA_SOURCE_DIR ?? path.resolve(import.meta.dirname, '../..');
const label = `<img src=x onerror=alert(1)> "Tom's" crab`;
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
  "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// "<URL path>|<media type>|<file>" entries of the list the build embeds.
function webAssets() {
  const list = fs.readFileSync(path.join(sourceDir, 'cmake/web_assets.cmake'), 'utf8');
  const assets = new Map();
  for (const [, url, type, file] of list.matchAll(/"(\/[^|"]*)\|([^|"]+)\|([^"]+)"/g)) {
    assets.set(url, { type, file: path.join(sourceDir, file) });
  }
  return assets;
}

// 9 of 16 answers: ann 5 (10 of 125 images unchecked), bob 3 (none of 75), carol 1 (of a task
// without images). 7 answers left at 3 per hour: 8400 s, 2 h 20 min.
const reviewInProgress = {
  tasks: { done: 3, total: 8 },
  answers: { done: 9, needed: 16 },
  labels: [
    { label, tasks_done: 2, tasks_total: 5, answers: 6, answers_needed: 10 },
    { label: 'lobster', tasks_done: 1, tasks_total: 3, answers: 3, answers_needed: 6 },
  ],
  reviewers: [
    { reviewer: 'ann', reviews: 5, recent_reviews: 2, median_seconds: 41.5, images: 125,
      unchecked: 10, uncheck_rate: 0.08, never_unchecks: false },
    { reviewer: 'bob', reviews: 3, recent_reviews: 1, median_seconds: 12, images: 75,
      unchecked: 0, uncheck_rate: 0, never_unchecks: true },
    { reviewer: 'carol', reviews: 1, recent_reviews: 0, median_seconds: 0, images: 0,
      unchecked: 0, uncheck_rate: null, never_unchecks: false },
  ],
  throughput: { window_seconds: 3600, recent_reviews: 3, recent_per_hour: 3, overall_per_hour: 2.4 },
  median_seconds: 30,
  uncheck_rate: 0.05,
  seconds_to_finish: 8400,
};

// A review whose tasks were just created: nothing answered, so no rate and no estimate.
const reviewNotStarted = {
  tasks: { done: 0, total: 4 },
  answers: { done: 0, needed: 8 },
  labels: [{ label: 'crab', tasks_done: 0, tasks_total: 4, answers: 0, answers_needed: 8 }],
  reviewers: [],
  throughput: { window_seconds: 0, recent_reviews: 0, recent_per_hour: null, overall_per_hour: null },
  median_seconds: null,
  uncheck_rate: null,
  seconds_to_finish: null,
};

// Finished 20 min after its first hand-out: 2 answers in 1200 s is 6 per hour.
const reviewFinished = {
  tasks: { done: 1, total: 1 },
  answers: { done: 2, needed: 2 },
  labels: [{ label: 'crab', tasks_done: 1, tasks_total: 1, answers: 2, answers_needed: 2 }],
  reviewers: [
    { reviewer: 'ann', reviews: 2, recent_reviews: 2, median_seconds: 300, images: 20,
      unchecked: 3, uncheck_rate: 0.15, never_unchecks: false },
  ],
  throughput: { window_seconds: 1200, recent_reviews: 2, recent_per_hour: 6, overall_per_hour: 8 },
  median_seconds: 300,
  uncheck_rate: 0.15,
  seconds_to_finish: 0,
};

let progressAnswer = { status: 200, body: reviewInProgress };
let server;
let origin;
let browser;

function serve(request, response) {
  const url = new URL(request.url, origin);
  if (url.pathname === '/api/progress') {
    response.writeHead(progressAnswer.status, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(progressAnswer.body));
    return;
  }
  if (url.pathname === '/favicon.ico') {
    // Chromium asks for it on its own; what the portal answers is no concern of the page.
    response.writeHead(204);
    response.end();
    return;
  }
  const asset = webAssets().get(url.pathname);
  if (!asset) {
    response.writeHead(404, { 'Content-Type': 'text/plain' });
    response.end('not found');
    return;
  }
  response.writeHead(200, { 'Content-Type': asset.type, 'Content-Security-Policy': csp });
  response.end(fs.readFileSync(asset.file));
}

before(async () => {
  server = http.createServer(serve);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server.close(resolve));
});

// The admin page with `answer` from /api/progress, once it has rendered; collects what went
// wrong in the page (script errors, CSP refusals, dialogs).
async function openAdminPage(answer) {
  progressAnswer = answer;
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', async (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    await dialog.dismiss();
  });
  page.on('console', (entry) => {
    if (entry.type() === 'error') problems.push(`console: ${entry.text()}`);
  });
  await page.goto(`${origin}/admin`);
  await page.waitForFunction(() => !document.getElementById('admin-message').hidden ||
    document.getElementById('admin-updated').textContent.startsWith('updated'));
  return { page, problems };
}

function summary(page) {
  return page.$$eval('.admin-summary dd', (cells) => cells.map((cell) => cell.textContent));
}

function tableRows(page, id) {
  return page.$$eval(`#${id} tbody tr`, (rows) =>
    rows.map((row) => Array.from(row.cells, (cell) => cell.textContent)));
}

test('the progress of a review in progress, figure by figure', async () => {
  const { page, problems } = await openAdminPage({ status: 200, body: reviewInProgress });
  assert.deepEqual(await summary(page), [
    '3 of 8', '9 of 16', '3.0 over the last hour', '2.4', '30.0', '5.0%',
    '2 h 20 min (answers left: 7)',
  ]);
  assert.deepEqual(await tableRows(page, 'labels'), [
    [label, '2', '5', '6', '10'],
    ['lobster', '1', '3', '3', '6'],
  ]);
  assert.deepEqual(await tableRows(page, 'reviewers'), [
    ['ann', '5', '2', '41.5', '125', '10', '8.0%'],
    ['bob', '3', '1', '12.0', '75', '0', '0.0% (never)'],
    ['carol', '1', '0', '0.0', '0', '0', '—'],
  ]);
  assert.deepEqual(await page.$$eval('#reviewers tbody tr.admin-never-unchecks',
                                     (rows) => rows.map((row) => row.cells[0].textContent)),
                   ['bob']);
  // The label's markup stayed text.
  assert.equal(await page.locator('img').count(), 0);
  assert.ok(await page.locator('a[href="/report"]').count() >= 1);
  assert.equal(await page.locator('#admin-message').isHidden(), true);
  assert.deepEqual(problems, []);
  await page.close();
});

test('before any answer: no rate, no estimate, no reviewer', async () => {
  const { page, problems } = await openAdminPage({ status: 200, body: reviewNotStarted });
  assert.deepEqual(await summary(page), [
    '0 of 4', '0 of 8', '—', '—', '—', '—',
    '— (answers left: 8; none submitted in the last hour)',
  ]);
  assert.deepEqual(await tableRows(page, 'reviewers'), [['No reviews yet.']]);
  assert.equal(await page.$eval('#reviewers tbody td', (cell) => cell.colSpan), 7);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a review shorter than an hour is paced since its first hand-out, and ends done',
  async () => {
    const { page, problems } = await openAdminPage({ status: 200, body: reviewFinished });
    assert.deepEqual(await summary(page), [
      '1 of 1', '2 of 2', '6.0 since the first hand-out 20 min ago', '8.0', '300.0', '15.0%',
      'done',
    ]);
    assert.deepEqual(problems, []);
    await page.close();
  });

test('a refused request is shown, not a blank page', async () => {
  const { page } = await openAdminPage({
    status: 403, body: { error: 'Forbidden', message: 'only an admin sees progress' },
  });
  const message = page.locator('#admin-message');
  assert.equal(await message.isVisible(), true);
  assert.equal(await message.textContent(),
               'Cannot show the progress: only an admin sees progress');
  assert.equal(await message.evaluate((element) => element.classList.contains('serve-error')),
               true);
  await page.close();
});
