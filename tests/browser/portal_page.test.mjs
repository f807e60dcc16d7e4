// The review page served by the review portal (bulkqa-test-portal: the portal's server over an
// in-memory backend), in Debian's chromium: the invite link signs the browser in, the worker
// template renders and runs under the portal's Content-Security-Policy with not one violation,
// its image loads, and the answer goes through with the session's CSRF token.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { chromium } from 'playwright-core';

const sourceDir = process.env.BULKQA_SOURCE_DIR ?? path.resolve(import.meta.dirname, '../..');
const binDir = process.env.BULKQA_BIN_DIR ?? path.join(sourceDir, 'build/bin');

let portal;
let browser;
let urls;

// Resolves with the portal's URL and invite link once the server prints them.
function printedUrls() {
  return new Promise((resolve, reject) => {
    let stdout = '';
    portal.stdout.on('data', (chunk) => {
      stdout += chunk;
      const page = /^portal (\S+)$/m.exec(stdout);
      const invite = /^invite (\S+)$/m.exec(stdout);
      if (page && invite) resolve({ page: page[1], invite: invite[1] });
    });
    portal.on('exit', (code) => reject(new Error(`bulkqa-test-portal exited (${code})`)));
  });
}

before(async () => {
  portal = spawn(path.join(binDir, 'bulkqa-test-portal'), [], { stdio: ['pipe', 'pipe', 'ignore'] });
  urls = await printedUrls();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  portal.stdin.end();
});

test('an invited reviewer answers a task under the portal CSP', { timeout: 60_000 }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const violations = [];
  const pageErrors = [];
  await page.exposeFunction('reportViolation', (text) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      window.reportViolation(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));

  const signedOut = await context.newPage();
  await signedOut.goto(urls.page);
  assert.match(await signedOut.textContent('body'), /not signed in/);
  await signedOut.close();

  await page.goto(urls.invite);
  await page.waitForURL(urls.page);
  assert.ok(!page.url().includes('#'), 'the token left the address bar');
  const cookies = await context.cookies();
  assert.equal(cookies.length, 1);
  assert.equal(cookies[0].httpOnly, true);
  assert.equal(cookies[0].sameSite, 'Strict');

  const card = page.locator('.bulkqa-card');
  await card.first().waitFor();
  assert.equal(await card.count(), 1);
  // The template's inline style applied (its nonce), and its inline script ran (the counter).
  assert.notEqual(
    await card.first().evaluate((element) => getComputedStyle(element).borderTopStyle), 'none');
  assert.equal(await page.locator('.bulkqa-confirmed-count').textContent(), '1');
  await page.waitForFunction(() => [...document.querySelectorAll('.bulkqa-image')]
    .every((image) => image.complete && image.naturalWidth > 0));

  const [answered] = await Promise.all([
    page.waitForResponse((response) => response.url().endsWith('/answer')),
    page.locator('.crowd-form-submit').click(),
  ]);
  assert.equal(answered.status(), 200, await answered.text());
  assert.equal((await answered.json()).completed_task, true);
  assert.deepEqual(violations, []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});
