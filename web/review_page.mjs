// The review page of `bulkqa serve`: asks the server for this worker's next task, renders the
// worker template with Ground Truth's Liquid semantics in the browser, and posts the crowd-form's
// answer back. Each task is a fresh page load, as each Ground Truth task is.
import { defineCrowdElements } from './crowd_elements.mjs';
import {
  createGroundTruthLiquid,
  localObjectUrl,
  renderWorkerTemplate,
} from './ground_truth_liquid.mjs';

const waitingPollMs = 3000;
const groundTruthLoader = 'crowd-html-elements.js';

const taskArea = document.getElementById('serve-task');
const progress = document.getElementById('serve-progress');
const workerLabel = document.getElementById('serve-worker');
const message = document.getElementById('serve-message');

function showMessage(text, isError = false) {
  message.textContent = text;
  message.classList.toggle('serve-error', isError);
  message.hidden = false;
}

async function fetchJson(url, options) {
  const response = await fetch(url, { cache: 'no-store', ...options });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message ?? `${url}: HTTP ${response.status}`);
  return body;
}

async function fetchTemplate() {
  const response = await fetch('/template', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/template: HTTP ${response.status}`);
  return response.text();
}

// Puts the rendered template in the page and runs its scripts, which innerHTML leaves inert.
// Ground Truth's loader is left out: the crowd elements are defined here.
function mount(html) {
  taskArea.innerHTML = html;
  for (const inert of taskArea.querySelectorAll('script')) {
    if (inert.src.endsWith(groundTruthLoader)) {
      inert.remove();
      continue;
    }
    const script = document.createElement('script');
    for (const attribute of inert.attributes) script.setAttribute(attribute.name, attribute.value);
    script.textContent = inert.textContent;
    inert.replaceWith(script);
  }
}

async function submitAnswer(taskId, form, answer) {
  form.submitting = true;
  try {
    const result = await fetchJson(`/api/tasks/${taskId}/answer`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(answer),
    });
    if (result.progress.complete === result.progress.total) {
      // The job ends now, and its server with it: no next page to load.
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
  mount(await renderWorkerTemplate(liquid, templateText, state.task.input));
  const form = taskArea.querySelector('crowd-form');
  form.addEventListener('crowd-submit', (event) => {
    submitAnswer(state.task.id, form, event.detail.answer);
  });
}

function fail(error) {
  showMessage(`Cannot show a task: ${error.message}`, true);
}

defineCrowdElements(window.customElements);
const liquid = createGroundTruthLiquid(window.liquidjs.Liquid, { grantReadAccess: localObjectUrl });
fetchTemplate()
  .then((templateText) => showNextTask(liquid, templateText))
  .catch(fail);
