// The admin page of the review portal: shows GET /api/progress (review/review_progress.hpp's
// progress_json) as tables, and fetches it again every half minute. Every value from the server
// goes into the page as text, never as markup: labels come from the corpus and reviewer names
// from whoever invited them.
const refreshMs = 30_000;
const recentWindowSeconds = 3600;
const none = '—';

const message = document.getElementById('admin-message');
const updated = document.getElementById('admin-updated');

function fixed(value, decimals) {
  return value === null || value === undefined ? none : value.toFixed(decimals);
}

function percent(fraction) {
  return fraction === null || fraction === undefined ? none : `${(100 * fraction).toFixed(1)}%`;
}

// As `bulkqa progress` writes it: rounded up to the minute, so that a review is not announced as
// finishing before it can. "under 1 min", "45 min", "2 h 05 min", "3 d 4 h".
function durationText(seconds) {
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 1) return 'under 1 min';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

function setText(id, text) {
  document.getElementById(id).textContent = text;
}

function recentRateText(throughput) {
  if (throughput.recent_per_hour === null) return none;
  const window = throughput.window_seconds >= recentWindowSeconds
    ? 'over the last hour'
    : `since the first hand-out ${durationText(throughput.window_seconds)} ago`;
  return `${fixed(throughput.recent_per_hour, 1)} ${window}`;
}

function finishText(progress) {
  const left = progress.answers.needed - progress.answers.done;
  if (progress.seconds_to_finish === 0) return 'done';
  if (progress.seconds_to_finish === null) {
    return `${none} (answers left: ${left}; none submitted in the last hour)`;
  }
  return `${durationText(progress.seconds_to_finish)} (answers left: ${left})`;
}

function renderSummary(progress) {
  setText('summary-tasks', `${progress.tasks.done} of ${progress.tasks.total}`);
  setText('summary-answers', `${progress.answers.done} of ${progress.answers.needed}`);
  setText('summary-recent-rate', recentRateText(progress.throughput));
  setText('summary-overall-rate', fixed(progress.throughput.overall_per_hour, 1));
  setText('summary-median', fixed(progress.median_seconds, 1));
  setText('summary-uncheck-rate', percent(progress.uncheck_rate));
  setText('summary-finish', finishText(progress));
}

// A row of cells: the first holds a name, the others numbers (aligned right by admin.css).
function tableRow(cells) {
  const row = document.createElement('tr');
  cells.forEach((text, at) => {
    const cell = row.insertCell();
    cell.textContent = text;
    if (at > 0) cell.className = 'admin-number';
  });
  return row;
}

// Replaces the rows of table `id`; a single row says so when there are none.
function fillTable(id, rows, emptyText) {
  const table = document.getElementById(id);
  const body = table.tBodies[0];
  if (rows.length > 0) {
    body.replaceChildren(...rows);
    return;
  }
  const row = document.createElement('tr');
  const cell = row.insertCell();
  cell.colSpan = table.tHead.rows[0].cells.length;
  cell.className = 'admin-empty';
  cell.textContent = emptyText;
  body.replaceChildren(row);
}

function labelRow(label) {
  return tableRow([label.label, String(label.tasks_done), String(label.tasks_total),
                   String(label.answers), String(label.answers_needed)]);
}

function reviewerRow(reviewer) {
  const rate = percent(reviewer.uncheck_rate);
  const row = tableRow([
    reviewer.reviewer, String(reviewer.reviews), String(reviewer.recent_reviews),
    fixed(reviewer.median_seconds, 1), String(reviewer.images), String(reviewer.unchecked),
    reviewer.never_unchecks ? `${rate} (never)` : rate,
  ]);
  if (reviewer.never_unchecks) row.classList.add('admin-never-unchecks');
  return row;
}

function render(progress) {
  renderSummary(progress);
  fillTable('labels', progress.labels.map(labelRow), 'No tasks.');
  fillTable('reviewers', progress.reviewers.map(reviewerRow), 'No reviews yet.');
  updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
}

async function fetchProgress() {
  const response = await fetch('/api/progress', { cache: 'no-store' });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message ?? `/api/progress: HTTP ${response.status}`);
  return body;
}

// Keeps the last figures on screen when a refresh fails, under a message saying so.
async function refresh() {
  try {
    render(await fetchProgress());
    message.hidden = true;
  } catch (error) {
    message.textContent = `Cannot show the progress: ${error.message}`;
    message.classList.add('serve-error');
    message.hidden = false;
  }
}

refresh();
setInterval(refresh, refreshMs);
