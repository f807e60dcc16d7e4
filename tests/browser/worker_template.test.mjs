// The worker template rendered with liquidjs under Ground Truth's semantics (every output
// HTML-escaped, plus escape_once, skip_autoescape, to_json and grant_read_access), for batches of
// 1 and 25 images and for a label of 26 images cut into 25 + 1; labels holding markup and quotes
// must come out as text without breaking a tag.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { Liquid } from 'liquidjs';

import {
  createGroundTruthLiquid,
  renderWorkerTemplate,
} from '../../web/ground_truth_liquid.mjs';

const sourceDir = process.env.BULKQA_SOURCE_DIR ?? path.resolve(import.meta.dirname, '../..');
const templateText = fs.readFileSync(path.join(sourceDir, 'templates/bulkqa.liquid.html'), 'utf8');

// A stand-in for Ground Truth's presigned URLs: query parameters joined by '&', as S3's are.
function presign(uri) {
  const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  return `https://${bucket}.s3.amazonaws.com/${encodeURI(key)}?X-Amz-Expires=3600&X-Amz-Signature=f00d`;
}

const liquid = createGroundTruthLiquid(Liquid, { grantReadAccess: presign });

function taskInput(label, count, firstImage = 0) {
  const sourceRef = [];
  for (let i = firstImage; i < firstImage + count; i += 1) {
    sourceRef.push({
      s3_image_url: `s3://bulkqa-stack/images/crab/image_${String(i).padStart(4, '0')}.jpg`,
      label,
      confidence: 80 + (i % 20) + 0.25,
    });
  }
  return { sourceRef };
}

const entities = { '&lt;': '<', '&gt;': '>', '&#34;': '"', '&quot;': '"', '&#39;': "'", '&amp;': '&' };
function decodeEntities(text) {
  return text.replace(/&(lt|gt|#34|quot|#39|amp);/g, (entity) => entities[entity]);
}

// Every start tag of the rendered page, read strictly: a tag whose attributes do not parse (a
// quote or '<' that escaped into markup) fails the test.
function startTags(html) {
  const tags = [];
  const body = html.replace(/<script>[\s\S]*?<\/script>/g, '').replace(/<style>[\s\S]*?<\/style>/g, '');
  const tagPattern = /<([a-zA-Z][\w-]*)([^<>]*)>/g;
  for (const [whole, name, rest] of body.matchAll(tagPattern)) {
    const attributes = {};
    const attributePattern = /\s+([a-zA-Z][\w-]*)(?:="([^"<>]*)")?/y;
    let at = 0;
    for (;;) {
      attributePattern.lastIndex = at;
      const match = attributePattern.exec(rest);
      if (!match) break;
      attributes[match[1]] = match[2] === undefined ? '' : decodeEntities(match[2]);
      at = attributePattern.lastIndex;
    }
    assert.match(rest.slice(at), /^\s*\/?$/, `a broken tag: ${whole}`);
    tags.push({ name: name.toLowerCase(), attributes });
  }
  assert.ok(!/<(?![a-zA-Z/!])/.test(body), 'a bare "<" in the page outside a tag');
  return tags;
}

function checkboxes(html) {
  return startTags(html).filter((tag) => tag.name === 'crowd-checkbox');
}

function images(html) {
  return startTags(html).filter((tag) => tag.name === 'img');
}

function textOfClass(html, className) {
  const match = new RegExp(`class="${className}">([^<]*)<`).exec(html);
  assert.ok(match, `no element of class ${className}`);
  return decodeEntities(match[1]);
}

async function render(input) {
  return renderWorkerTemplate(liquid, templateText, input);
}

test('one image: a heading with the label, one pre-checked box named <label>-0', async () => {
  const html = await render(taskInput('Crab', 1));
  assert.equal(textOfClass(html, 'bulkqa-label'), 'Crab');
  const boxes = checkboxes(html);
  assert.equal(boxes.length, 1);
  assert.deepEqual(boxes[0].attributes, { name: 'Crab-0', value: 'Confirmed', checked: '' });
  assert.equal(textOfClass(html, 'bulkqa-confirmed-count'), '1');
  assert.match(html, /of 1 images confirmed/);
});

test('25 images: 25 boxes named by position, each card with its image and confidence', async () => {
  const input = taskInput('Crawdad', 25);
  const html = await render(input);
  const boxes = checkboxes(html);
  assert.equal(boxes.length, 25);
  boxes.forEach((box, index) => {
    assert.equal(box.attributes.name, `Crawdad-${index}`);
    assert.equal(box.attributes.value, 'Confirmed');
    assert.ok('checked' in box.attributes, `box ${index} is not checked`);
  });
  const shown = images(html).map((image) => image.attributes.src);
  assert.deepEqual(shown, input.sourceRef.map((item) => presign(item.s3_image_url)));
  const confidences = [...html.matchAll(/class="bulkqa-confidence"[^>]*>([^<]*)</g)].map((m) => m[1]);
  assert.deepEqual(confidences, input.sourceRef.map((item) => `${Math.round(item.confidence * 10) / 10}%`));
  assert.equal(textOfClass(html, 'bulkqa-confirmed-count'), '25');
});

test('26 images of a label, cut 25 + 1: each task numbers its boxes from 0', async () => {
  const first = await render(taskInput('Lobster', 25, 0));
  const second = await render(taskInput('Lobster', 1, 25));
  assert.deepEqual(
    checkboxes(first).map((box) => box.attributes.name),
    Array.from({ length: 25 }, (_, index) => `Lobster-${index}`),
  );
  assert.deepEqual(checkboxes(second).map((box) => box.attributes.name), ['Lobster-0']);
  assert.equal(images(second)[0].attributes.src,
               presign('s3://bulkqa-stack/images/crab/image_0025.jpg'));
});

test('a label with markup and quotes shows as text and breaks no attribute', async () => {
  const label = `<img src=x onerror=alert(1)> "Tom's" & <b>crab</b>`;
  const html = await render(taskInput(label, 3));
  assert.ok(!html.includes('<img src=x'), 'the label became an element');
  assert.ok(!html.includes('<b>crab'), 'the label became an element');
  assert.equal(textOfClass(html, 'bulkqa-label'), label);
  const boxes = checkboxes(html);
  assert.deepEqual(boxes.map((box) => box.attributes.name), [0, 1, 2].map((i) => `${label}-${i}`));
  images(html).forEach((image, index) => {
    assert.equal(image.attributes.alt, `Image ${index + 1} of 3, labeled ${label}`);
    assert.ok(image.attributes.src.startsWith('https://bulkqa-stack.s3.amazonaws.com/'));
  });
  // The elements of the page are the template's own: no tag came from the label.
  const names = new Set(startTags(html).map((tag) => tag.name));
  for (const name of names) {
    assert.ok(templateText.includes(`<${name}`), `unexpected element <${name}>`);
  }
});

test('presigned URLs keep their query in the src attribute', async () => {
  const html = await render(taskInput('Crab', 1));
  assert.match(html, /src="https:\/\/[^"]*\?X-Amz-Expires=3600&amp;X-Amz-Signature=f00d"/);
});

test('no output of the template skips escaping', () => {
  const outputs = [...templateText.matchAll(/\{\{([\s\S]*?)\}\}/g)].map((match) => match[1]);
  assert.ok(outputs.length > 5);
  for (const output of outputs) {
    assert.ok(!/\b(skip_autoescape|to_json|raw)\b/.test(output), `unescaped output: {{${output}}}`);
  }
});

test('the template loads the crowd elements and wraps its content in crowd-form', () => {
  assert.match(templateText,
               /^<script src="https:\/\/assets\.crowd\.aws\/crowd-html-elements\.js"><\/script>/);
  assert.match(templateText, /<crowd-form>[\s\S]*<crowd-instructions[\s\S]*<\/crowd-form>/);
});

test("Ground Truth's filters behave as its documentation shows", async () => {
  const peach = "Have you read 'James & the Giant Peach'?";
  const cases = [
    ['{{ text }}', 'Have you read &#39;James &amp; the Giant Peach&#39;?'],
    ['{{ text | escape }}', 'Have you read &#39;James &amp; the Giant Peach&#39;?'],
    ['{{ escaped | escape_once }}', 'Have you read &#39;James &amp; the Giant Peach&#39;?'],
    ['{{ text | skip_autoescape }}', peach],
    ['{{ object | to_json }}', '{"point_number":8,"coords":[59,76]}'],
    ['{{ "s3://mybucket/my photo.png" | grant_read_access }}',
     'https://mybucket.s3.amazonaws.com/my%20photo.png?X-Amz-Expires=3600&amp;X-Amz-Signature=f00d'],
  ];
  const scope = {
    text: peach,
    escaped: "Have you read 'James &amp; the Giant Peach'?",
    object: { point_number: 8, coords: [59, 76] },
  };
  for (const [source, expected] of cases) {
    assert.equal(await liquid.parseAndRender(source, scope), expected, source);
  }
});
