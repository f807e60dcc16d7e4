// Ground Truth's Liquid semantics on liquidjs, shared by the review page (`bulkqa serve`) and the
// template tests. Ground Truth HTML-escapes every {{ }} output by default, and adds four filters
// (SageMaker developer guide, "Adding automation with Liquid"):
//   escape_once       escapes without escaping an existing entity again (&amp; stays &amp;)
//   skip_autoescape   outputs the value as it is, unescaped
//   to_json           serializes the value to JSON, unescaped
//   grant_read_access turns an S3 URI into a URL the worker's browser can read
// An explicit `escape` or `escape_once` as the last filter is not escaped a second time.

// `Liquid` is liquidjs's class (from the npm package under Node, from its browser bundle in the
// page); `grantReadAccess(uri)` gives the URL for an S3 URI.
export function createGroundTruthLiquid(Liquid, { grantReadAccess }) {
  const liquid = new Liquid({ outputEscape: 'escape', strictFilters: true });
  // A filter marked raw is the last word on its output: liquidjs adds no escape after it.
  const escape = liquid.filters.escape;
  const escapeOnce = liquid.filters.escape_once;
  liquid.registerFilter('escape', { handler: escape, raw: true });
  liquid.registerFilter('escape_once', { handler: escapeOnce, raw: true });
  liquid.registerFilter('skip_autoescape', { handler: (value) => value, raw: true });
  liquid.registerFilter('to_json', {
    handler: (value) => (value === undefined ? 'null' : JSON.stringify(value)),
    raw: true,
  });
  liquid.registerFilter('grant_read_access', (value) => grantReadAccess(String(value ?? '')));
  return liquid;
}

// Renders a worker template for one task, as Ground Truth does: the task input is `task.input`.
export function renderWorkerTemplate(liquid, templateText, taskInput) {
  return liquid.parseAndRender(templateText, { task: { input: taskInput } });
}
