// The review page of `bulkqa serve`: asks the server for this worker's next task, renders the
// worker template with Ground Truth's Liquid semantics in the browser, and posts the crowd-form's
// answer back. Each task is a fresh page load, as each Ground Truth task is.
//
// Under the portal's Content-Security-Policy: the template's scripts and styles are re-created
// with this page's nonce, every POST carries the session's CSRF token (from /api/me), and images
// load from the URLs the task's image_urls gives (presigned S3 URLs on AWS).
import { defineCrowdElements } from './crowd_elements.mjs';
import { createGroundTruthLiquid, renderWorkerTemplate } from './ground_truth_liquid.mjs';

const waitingPollMs = 3000;
const groundTruthLoader = 'crowd-html-elements.js';
// The nonce the server gave this page's module script: what re-created scripts and styles carry.
const nonce = document.querySelector('script[nonce]')?.nonce ?? '';
// Where the browser loads each image of the task shown from, by S3 URI.
let imageUrls = {};
let csrfToken = '';

const taskArea = document.getElementById('serve-task');
const progress = document.getElementById('serve-progress');
const workerLabel = document.getElementById('serve-worker');
const message = document.getElementById('serve-message');

function showMessage(text, isError = false) {
  message.textContent = text;
  message.classList.toggle('serve-error', isError);
  message.hidden = false;
}

class HttpError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function fetchJson(url, options) {
  const response = await fetch(url, { cache: 'no-store', ...options });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new HttpError(body.message ?? `${url}: HTTP ${response.status}`, response.status);
  }
  return body;
}

// The session's CSRF token.
async function fetchCsrfToken() {
  return (await fetchJson('/api/me')).csrf;
}

async function fetchTemplate() {
  const response = await fetch('/template', { cache: 'no-store' });
  if (!response.ok) throw new HttpError(`/template: HTTP ${response.status}`, response.status);
  return response.text();
}

// A copy of an inert script or style, carrying the page's nonce: what the
// Content-Security-Policy asks of inline ones.
function withNonce(inert) {
  const live = document.createElement(inert.localName);
  for (const attribute of inert.attributes) live.setAttribute(attribute.name, attribute.value);
  live.nonce = nonce;
  live.textContent = inert.textContent;
  return live;
}

// Puts the rendered template in the page and runs its scripts, which innerHTML leaves inert. It
// is parsed in an inert <template> first, so that no style without the nonce reaches the page;
// its scripts run once the crowd elements in the page are upgraded. Ground Truth's loader is left
// out: the crowd elements are defined here.
function mount(html) {
  const parsed = document.createElement('template');
  parsed.innerHTML = html;
  for (const inert of parsed.content.querySelectorAll('style')) inert.replaceWith(withNonce(inert));
  taskArea.replaceChildren(parsed.content);
  for (const inert of taskArea.querySelectorAll('script')) {
    if (inert.src.endsWith(groundTruthLoader)) {
      inert.remove();
    } else {
      inert.replaceWith(withNonce(inert));
    }
  }
}

async function submitAnswer(taskId, form, answer) {
  form.submitting = true;
  try {
    const result = await fetchJson(`/api/tasks/${taskId}/answer`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken },
      body: JSON.stringify(answer),
    });
    if (result.progress.complete === result.progress.total) {
      // Every task is complete (the local review ends now): no next page to load.
      taskArea.replaceChildren();
      showDone(result.progress);
    } else {
      window.location.reload();
    }
  } catch (error) {
    form.submitting = false;
    showMessage(`The answer was not taken: ${error.message}`, true);
  }
}

function showDone(progress) {
  const tasks = progress.total === 1 ? 'The task is' : `All ${progress.total} tasks are`;
  showMessage(`${tasks} reviewed. Thank you! You can close this tab.`);
}

async function showNextTask(liquid, templateText) {
  const state = await fetchJson('/api/task');
  progress.textContent = `${state.progress.complete} of ${state.progress.total} ` +
    `task${state.progress.total === 1 ? '' : 's'} complete`;
  workerLabel.textContent = `worker ${state.worker}`;
  if (!state.task) {
    if (state.progress.complete === state.progress.total) {
      showDone(state.progress);
    } else {
      showMessage('No task for you right now: the others are with other reviewers. ' +
                  'This page checks again by itself.');
      setTimeout(() => showNextTask(liquid, templateText).catch(fail), waitingPollMs);
    }
    return;
  }
  message.hidden = true;
  progress.textContent += ` · task ${state.task.id + 1}`;
  imageUrls = state.task.image_urls ?? {};
  mount(await renderWorkerTemplate(liquid, templateText, state.task.input));
  const form = taskArea.querySelector('crowd-form');
  form.addEventListener('crowd-submit', (event) => {
    submitAnswer(state.task.id, form, event.detail.answer);
  });
}

function fail(error) {
  if (error.status === 401) {
    showMessage('You are not signed in: open the invite link you were given.', true);
    return;
  }
  showMessage(`Cannot show a task: ${error.message}`, true);
}

defineCrowdElements(window.customElements);
const liquid = createGroundTruthLiquid(window.liquidjs.Liquid, {
  // An object that is not an image of the task gets no URL: the portal serves none other.
  grantReadAccess: (uri) => imageUrls[uri] ?? '',
});
fetchCsrfToken()
  .then((token) => {
    csrfToken = token;
    return fetchTemplate();
  })
  .then((templateText) => showNextTask(liquid, templateText))
  .catch(fail);
