// The HTML report as a person sees it: produced by the real `bulkqa report --format html` from an
// export fixture, opened offline in headless Chromium; the tables must hold the figures of the
// JSON report of the same input, with "—" exactly where nothing was reviewed, and every chart must
// render. A screenshot is kept as a test artifact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchChromium } from './chromium.mjs';

const sourceDir =
  process.env.BULKQA_SOURCE_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const binDir = process.env.BULKQA_BIN_DIR ?? path.join(sourceDir, 'build', 'bin');
const artifactDir = process.env.BULKQA_TEST_ARTIFACT_DIR ?? path.join(sourceDir, 'build', 'test-artifacts');
const fixture = path.join(sourceDir, 'tests', 'data', 'report_fixture.csv');
const EMPTY = '—';

function bulkqaReport(format, output) {
  execFileSync(path.join(binDir, 'bulkqa'), ['report', '--input', fixture, '--format', format, '--output', output], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

// A %Correct cell shows one decimal of the JSON's percentage, or "—" where the JSON has null.
function assertPercentCell(text, value, where) {
  if (value === null) {
    assert.equal(text, EMPTY, where);
    return;
  }
  assert.match(text, /^\d+\.\d$/, where);
  assert.ok(Math.abs(Number(text) - value) <= 0.05 + 1e-9, `${where}: ${text} for ${value}`);
}

test('the HTML report renders its tables and charts offline', async () => {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'bulkqa-report-html-'));
  const htmlPath = path.join(workDir, 'report.html');
  const jsonPath = path.join(workDir, 'report.json');
  bulkqaReport('html', htmlPath);
  bulkqaReport('json', jsonPath);
  const expected = JSON.parse(readFileSync(jsonPath, 'utf8'));
  const classes = expected.classes;
  const bucketNames = expected.buckets.map(([low, high]) => `${low}-${high}`);
  assert.ok(classes.some((c) => c.percent_correct === null), 'the fixture has a class with nothing reviewed');
  assert.ok(classes.some((c) => c.label.includes('<')), 'the fixture has a label to escape');

  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const outsideRequests = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      outsideRequests.push(url);
      return route.abort();
    });
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.goto(pathToFileURL(htmlPath).href);

    // The accuracy table: two header rows, one group of three columns per bucket.
    const headerRows = await page.$$eval('#accuracy thead tr', (rows) =>
      rows.map((row) => Array.from(row.cells, (cell) => ({ text: cell.textContent, span: cell.colSpan }))));
    assert.equal(headerRows.length, 2);
    assert.deepEqual(headerRows[0].map((c) => c.text),
      ['Label', 'Total', 'Confirmed', 'Disconfirm', 'Split', '%Correct', ...bucketNames]);
    assert.deepEqual(headerRows[0].slice(6).map((c) => c.span), bucketNames.map(() => 3));
    assert.deepEqual(headerRows[1].map((c) => c.text), bucketNames.flatMap(() => ['Total', 'Incorrect', '%Correct']));

    const rows = await page.$$eval('#accuracy tbody tr', (trs) =>
      trs.map((tr) => ({
        label: tr.cells[0].textContent,
        cells: Array.from(tr.cells).slice(1).map((td) => td.childNodes[0]?.textContent ?? ''),
      })));
    assert.deepEqual(rows.map((r) => r.label), [...classes.map((c) => c.label), 'TOTALS', 'Class Average']);
    const stats = [...classes, expected.totals];
    for (const [at, row] of rows.slice(0, stats.length).entries()) {
      const s = stats[at];
      assert.equal(row.cells.length, 5 + 3 * bucketNames.length, row.label);
      assert.deepEqual(row.cells.slice(0, 4), [s.total, s.confirmed, s.disconfirmed, s.split].map(String), row.label);
      assertPercentCell(row.cells[4], s.percent_correct, row.label);
      s.buckets.forEach((bucket, b) => {
        const where = `${row.label} ${bucketNames[b]}`;
        assert.deepEqual(row.cells.slice(5 + 3 * b, 7 + 3 * b), [bucket.total, bucket.incorrect].map(String), where);
        assertPercentCell(row.cells[7 + 3 * b], bucket.percent_correct, where);
      });
    }
    const average = rows.at(-1).cells;
    assertPercentCell(average[4], expected.class_average.percent_correct, 'Class Average');
    expected.class_average.buckets.forEach((bucket, b) =>
      assertPercentCell(average[7 + 3 * b], bucket.percent_correct, `Class Average ${bucketNames[b]}`));
    const emptyCells = await page.$$eval('#accuracy td.empty', (tds) => tds.map((td) => td.textContent));
    assert.ok(emptyCells.length > 0);
    assert.ok(emptyCells.every((text) => text === '—'));

    // Thresholds and calibration tables: one row per class (and TOTALS for calibration).
    const thresholds = await page.$$eval('#thresholds tbody tr', (trs) =>
      trs.map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent]));
    assert.deepEqual(thresholds, classes.map((c) => [c.label, c.threshold === null ? 'none' : String(c.threshold)]));
    const calibrationRows = await page.$$eval('#calibration tbody tr', (trs) => trs.length);
    assert.equal(calibrationRows, classes.length + 1);

    // Charts: per class and for all classes, a %Correct chart and a reliability diagram, drawn.
    const figures = await page.$$eval('figure.class-charts', (items) => items.map((figure) => {
      const box = (svg) => {
        const rect = svg.getBoundingClientRect();
        return { width: rect.width, height: rect.height };
      };
      const accuracy = figure.querySelector('svg.accuracy-chart');
      const reliability = figure.querySelector('svg.reliability-chart');
      return {
        label: figure.dataset.label,
        accuracy: accuracy && box(accuracy),
        reliability: reliability && box(reliability),
        bars: Array.from(figure.querySelectorAll('svg.accuracy-chart rect.bar'), (bar) => bar.getBBox().height),
        emptyMarks: figure.querySelectorAll('svg.accuracy-chart .empty-bucket').length,
        points: Array.from(figure.querySelectorAll('svg.reliability-chart circle.point'), (c) => c.getBBox().width),
      };
    }));
    assert.deepEqual(figures.map((f) => f.label), [...classes.map((c) => c.label), 'TOTALS']);
    for (const [at, figure] of figures.entries()) {
      const s = stats[at];
      const filled = s.buckets.filter((b) => b.total > 0).length;
      assert.ok(figure.accuracy.width > 0 && figure.accuracy.height > 0, figure.label);
      assert.ok(figure.reliability.width > 0 && figure.reliability.height > 0, figure.label);
      assert.equal(figure.bars.length, filled, figure.label);
      assert.ok(figure.bars.every((height) => height > 0), figure.label);
      assert.equal(figure.emptyMarks, s.buckets.length - filled, figure.label);
      assert.equal(figure.points.length, filled, figure.label);
      assert.ok(figure.points.every((width) => width > 0), figure.label);
    }

    assert.deepEqual(outsideRequests, [], 'the report loads nothing from outside');
    assert.deepEqual(pageErrors, []);
    mkdirSync(artifactDir, { recursive: true });
    await page.screenshot({ path: path.join(artifactDir, 'report_html.png'), fullPage: true });
  } finally {
    await browser.close();
    rmSync(workDir, { recursive: true, force: true });
  }
});
