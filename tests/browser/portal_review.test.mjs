// The review portal of a deployed stack, proven in Debian's chromium: a stack of 3 tasks launched
// on moto with IAM authentication on (bulkqa-test-stack), the real `bulkqa serve --bucket ...
// --workers-per-task 2` and `bulkqa reviewers add` running as the template's PortalPolicy user
// (credentials from the environment only). Two reviewers, each in a browser context of its own
// (its own cookies), open their invite URLs and review in the page, unchecking some images, until
// neither gets a task; a third is told nothing is left; the image table then holds exactly the
// votes given: 6 answers, each image 2 votes, the unchecked ones as disconfirms. Every page runs
// under the portal's Content-Security-Policy with not one violation.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

import { launchChromium } from './chromium.mjs';

const sourceDir = process.env.BULKQA_SOURCE_DIR ?? path.resolve(import.meta.dirname, '../..');
const binDir = process.env.BULKQA_BIN_DIR ?? path.join(sourceDir, 'build/bin');
const corpus = path.join(sourceDir, 'tests/data/three_tasks.csv');
const tasks = 3;
const workersPerTask = 2;
// The boxes each reviewer unchecks in its 1st, 2nd, 3rd task, by the image's place in the task.
const unchecks = { ann: [[0], [], [0, 1]], bob: [[], [1], []] };

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkqa-portal-review-'));
let stack;       // bulkqa-test-stack
let stackLines;  // its standard output, line by line
let names;       // what it printed: the env and the stack's names
let serve;
let serveExited;
let serveLog = '';
let origin;
let browser;

// The next line bulkqa-test-stack prints, as JSON.
async function stackLine() {
  const { value, done } = await stackLines.next();
  if (done) throw new Error('bulkqa-test-stack ended');
  return JSON.parse(value);
}

// This environment without any AWS setting of its own, plus the PortalPolicy user's keys and
// moto's endpoint: the credential chain finds the keys in the environment and nothing else.
function portalEnvironment() {
  const env = Object.fromEntries(Object.entries(process.env)
    .filter(([name]) => !name.startsWith('AWS_')));
  return {
    ...env,
    ...names.env,
    AWS_SHARED_CREDENTIALS_FILE: path.join(workDir, 'no-credentials'),
    AWS_CONFIG_FILE: path.join(workDir, 'no-config'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

function targetOptions() {
  return ['--bucket', names.bucket, '--table', names.table, '--portal-table', names.portal_table];
}

// Resolves with the portal's origin once `bulkqa serve` says it serves.
function servedOrigin() {
  return new Promise((resolve, reject) => {
    serve.stderr.on('data', (chunk) => {
      serveLog += chunk;
      const match = /serving (\d+) tasks at (http:\/\/127\.0\.0\.1:\d+)\//.exec(serveLog);
      if (match) {
        assert.equal(Number(match[1]), tasks);
        resolve(match[2]);
      }
    });
    serveExited.then((code) => reject(new Error(`bulkqa serve exited (${code}):\n${serveLog}`)));
  });
}

// The one-time invite URL `bulkqa reviewers add` prints.
async function invite(name) {
  const { stdout } = await promisify(execFile)(
    path.join(binDir, 'bulkqa'),
    ['reviewers', 'add', name, ...targetOptions(), '--public-origin', origin],
    { env: portalEnvironment() });
  const url = stdout.trim();
  assert.ok(url.startsWith(`${origin}/invite#`), url);
  assert.match(url, /#[0-9a-f]{32,}$/);
  return url;
}

before(async () => {
  stack = spawn(path.join(binDir, 'bulkqa-test-stack'), [corpus, path.join(workDir, 'logs')],
                { stdio: ['pipe', 'pipe', 'inherit'] });
  stackLines = readline.createInterface({ input: stack.stdout })[Symbol.asyncIterator]();
  names = await stackLine();
  serve = spawn(path.join(binDir, 'bulkqa'), [
    'serve', ...targetOptions(), '--workers-per-task', String(workersPerTask), '--port', '0',
  ], { env: portalEnvironment(), stdio: ['ignore', 'ignore', 'pipe'] });
  serveExited = new Promise((resolve) => serve.on('exit', (code, signal) => resolve(code ?? signal)));
  origin = await servedOrigin();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (serve && serve.exitCode === null && serve.signalCode === null) {
    serve.kill('SIGTERM');
    await serveExited;
  }
  if (stack) {
    const stopped = new Promise((resolve) => stack.on('exit', resolve));
    stack.stdin.end();
    await stopped;
  }
  fs.rmSync(workDir, { recursive: true, force: true });
});

// A reviewer in a browser context of its own, signed in with its invite. Every answer of
// GET /api/task its page receives is queued for nextTask(); CSP violations, page errors and
// dialogs are collected.
async function signIn(name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const reviewer = {
    name, context, page, violations: [], pageErrors: [], dialogs: [], reviewed: 0, states: [],
  };
  let wake = () => {};
  page.on('response', (response) => {
    if (new URL(response.url()).pathname !== '/api/task') return;
    response.json().then((state) => {
      reviewer.states.push(state);
      wake();
    }, () => {});
  });
  let taken = 0;
  reviewer.nextTask = async () => {
    while (reviewer.states.length <= taken) await new Promise((resolve) => { wake = resolve; });
    return reviewer.states[taken++];
  };
  await page.exposeFunction('reportViolation', (text) => reviewer.violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      window.reportViolation(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  page.on('pageerror', (error) => reviewer.pageErrors.push(error.message));
  page.on('dialog', async (dialog) => {
    reviewer.dialogs.push(dialog.message());
    await dialog.dismiss();
  });

  await page.goto(await invite(name));
  await page.waitForURL(`${origin}/`);
  assert.ok(!page.url().includes('#'), 'the token left the address bar');
  const cookies = await context.cookies();
  assert.equal(cookies.length, 1);
  assert.equal(cookies[0].httpOnly, true);
  assert.equal(cookies[0].sameSite, 'Strict');
  reviewer.cookie = cookies[0].value;
  return reviewer;
}

// Reviews the task the reviewer's page shows: unchecks the boxes its plan says, adds every
// image's vote to `expected` (by S3 URI), submits.
async function review(reviewer, task, expected) {
  const { page } = reviewer;
  const imageUris = Object.fromEntries(Object.entries(task.image_urls).map(([uri, url]) => [url, uri]));
  const images = Object.keys(imageUris).length;
  const cards = page.locator('.bulkqa-card');
  await page.waitForFunction((count) => {
    const shown = [...document.querySelectorAll('.bulkqa-image')];
    return shown.length === count && shown.every((image) => image.complete && image.naturalWidth > 0);
  }, images);
  // The template's inline style applied (its nonce), and its inline script ran (the counter).
  assert.notEqual(
    await cards.first().evaluate((element) => getComputedStyle(element).borderTopStyle), 'none');
  const confirmedCount = page.locator('.bulkqa-confirmed-count');
  assert.equal(await confirmedCount.textContent(), String(images));

  const unchecked = unchecks[reviewer.name][reviewer.reviewed] ?? [];
  const boxes = page.locator('crowd-checkbox');
  for (const index of unchecked) await boxes.nth(index).click();
  await page.waitForFunction(
    (count) => document.querySelector('.bulkqa-confirmed-count').textContent === String(count),
    images - unchecked.length);
  const shownUris = await page.locator('.bulkqa-image')
    .evaluateAll((all) => all.map((image) => image.getAttribute('src')));
  assert.deepEqual(await boxes.evaluateAll((all) => all.map((box) => box.checked)),
                   shownUris.map((_, i) => !unchecked.includes(i)));
  shownUris.forEach((url, i) => {
    const uri = imageUris[url];
    assert.ok(uri, `${url} is an image of task ${task.id}`);
    const votes = expected.get(uri) ?? { confirm_count: 0, disconfirm_count: 0 };
    votes[unchecked.includes(i) ? 'disconfirm_count' : 'confirm_count'] += 1;
    expected.set(uri, votes);
  });

  const [answered] = await Promise.all([
    page.waitForResponse((response) => response.url().endsWith(`/api/tasks/${task.id}/answer`)),
    page.locator('.crowd-form-submit').click(),
  ]);
  // The page reloads as soon as it has the answer, so the body may be gone: the status tells.
  assert.equal(answered.status(), 200, `${reviewer.name}'s answer to task ${task.id}`);
  reviewer.reviewed += 1;
}

test('two invited reviewers review a 3-task stack of 2 workers per task in browsers', { timeout: 240_000 }, async () => {
  const ann = await signIn('ann');
  const bob = await signIn('bob');
  assert.notEqual(ann.cookie, bob.cookie, 'a session each');

  // In turns, each the task its page shows, until neither is given one. A task is complete with
  // its second answer; after the last answer of all the page says so, with no reload.
  const expected = new Map();
  const answered = new Map();  // task id -> reviewers
  const complete = () => [...answered.values()].filter((r) => r.length === workersPerTask).length;
  const done = new Set();
  while (done.size < 2) {
    for (const reviewer of [ann, bob]) {
      if (done.has(reviewer)) continue;
      const state = await reviewer.nextTask();
      assert.equal(state.worker, reviewer.name);
      // Asked for after its last answer, while the other reviewer may have answered too.
      assert.equal(state.progress.total, tasks);
      assert.ok(state.progress.complete >= (reviewer.completeAtAnswer ?? 0) &&
                state.progress.complete <= complete(), JSON.stringify(state.progress));
      if (!state.task) {
        await reviewer.page.locator('#serve-message', {
          hasText: new RegExp(`No task for you right now|All ${tasks} tasks are reviewed`),
        }).waitFor();
        done.add(reviewer);
        continue;
      }
      assert.ok(!answered.get(state.task.id)?.includes(reviewer.name),
                `${reviewer.name} is given task ${state.task.id} once`);
      await review(reviewer, state.task, expected);
      answered.set(state.task.id, [...answered.get(state.task.id) ?? [], reviewer.name]);
      reviewer.completeAtAnswer = complete();
      if (complete() === tasks) {
        await reviewer.page.locator('#serve-message', { hasText: `All ${tasks} tasks are reviewed` })
          .waitFor();
        done.add(reviewer);
      }
    }
  }
  assert.equal(ann.reviewed, tasks);
  assert.equal(bob.reviewed, tasks);
  assert.deepEqual([...answered.keys()].sort(), [0, 1, 2]);
  for (const reviewers of answered.values()) assert.deepEqual(reviewers.sort(), ['ann', 'bob']);

  // Every page says so now, the waiting one once it has checked again by itself; and so does
  // each page loaded afresh: both reviewers', and a third reviewer's, new, told nothing is left.
  for (const { page } of [ann, bob]) {
    await page.locator('#serve-message', { hasText: `All ${tasks} tasks are reviewed` }).waitFor();
  }
  const carol = await signIn('carol');
  const states = [
    ...await Promise.all([ann, bob].map(async ({ page }) => {
      const [response] = await Promise.all([
        page.waitForResponse((answer) => new URL(answer.url()).pathname === '/api/task'),
        page.reload(),
      ]);
      return response.json();
    })),
    await carol.nextTask(),
  ];
  for (const [i, reviewer] of [ann, bob, carol].entries()) {
    const state = states[i];
    assert.equal(state.task, null, reviewer.name);
    assert.deepEqual(state.progress, { complete: tasks, total: tasks });
    await reviewer.page.locator('#serve-message', { hasText: `All ${tasks} tasks are reviewed` })
      .waitFor();
    assert.equal(await reviewer.page.locator('.bulkqa-card').count(), 0);
  }

  stack.stdin.write('counts\n');
  const counts = await stackLine();
  assert.equal(counts.length, 6);
  for (const image of counts) {
    const votes = { confirm_count: image.confirm_count, disconfirm_count: image.disconfirm_count };
    assert.deepEqual(votes, expected.get(image.s3_image_url), image.s3_image_url);
    assert.equal(votes.confirm_count + votes.disconfirm_count, workersPerTask, image.s3_image_url);
  }
  const unchecked = Object.values(unchecks).flat(2).length;
  assert.equal(counts.reduce((sum, image) => sum + image.disconfirm_count, 0), unchecked);

  for (const reviewer of [ann, bob, carol]) {
    assert.deepEqual(reviewer.violations, [], reviewer.name);
    assert.deepEqual(reviewer.pageErrors, [], reviewer.name);
    assert.deepEqual(reviewer.dialogs, [], reviewer.name);
    await reviewer.context.close();
  }
});

test('without a session the page only says how to sign in', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  assert.match(await page.textContent('body'), /not signed in/);
  await context.close();
});
