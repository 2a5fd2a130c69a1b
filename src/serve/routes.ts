// URL routing for both protocols: which route a method and path are, with the model name, version
// and verb taken out of the path. Route ids are the path templates, used as metric labels.

export type RouteId =
  | 'GET /'
  | 'GET /metrics'
  | 'GET /v1/models'
  | 'GET /v1/models/{name}'
  | 'GET /v1/models/{name}/metadata'
  | 'POST /v1/models/{name}:predict'
  | 'GET /v2/health/live'
  | 'GET /v2/health/ready'
  | 'GET /v2'
  | 'GET /v2/models/{name}'
  | 'GET /v2/models/{name}/ready'
  | 'POST /v2/models/{name}/infer';

export interface RouteMatch {
  id: RouteId;
  /** The method the route takes (GET routes also answer HEAD). */
  method: 'GET' | 'POST';
  name?: string;
  version?: string;
  label?: string;
  /** A TF Serving verb other than predict (`classify`, `regress`, anything else). */
  otherVerb?: string;
}

const V1 = /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+)|\/labels\/([^/:]+))?(\/metadata|:[^/:]*)?$/;
const V2 = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/;

function decode(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The route for a path (query string already removed), or null. */
export function matchRoute(path: string, pagePath: string | null, metricsPath: string | null): RouteMatch | null {
  if (path === pagePath) return { id: 'GET /', method: 'GET' };
  if (path === metricsPath) return { id: 'GET /metrics', method: 'GET' };
  if (path.startsWith('/v1/')) {
    if (path === '/v1/models') return { id: 'GET /v1/models', method: 'GET' };
    const m = V1.exec(path);
    if (!m) return null;
    const base = { name: decode(m[1]), version: decode(m[2]), label: decode(m[3]) };
    const tail = m[4];
    if (tail === undefined) return { id: 'GET /v1/models/{name}', method: 'GET', ...base };
    if (tail === '/metadata') return { id: 'GET /v1/models/{name}/metadata', method: 'GET', ...base };
    if (tail === ':predict') return { id: 'POST /v1/models/{name}:predict', method: 'POST', ...base };
    return { id: 'POST /v1/models/{name}:predict', method: 'POST', ...base, otherVerb: tail.slice(1) };
  }
  if (path === '/v2') return { id: 'GET /v2', method: 'GET' };
  if (path === '/v2/health/live') return { id: 'GET /v2/health/live', method: 'GET' };
  if (path === '/v2/health/ready') return { id: 'GET /v2/health/ready', method: 'GET' };
  if (path.startsWith('/v2/models/')) {
    const m = V2.exec(path);
    if (!m) return null;
    const base = { name: decode(m[1]), version: decode(m[2]) };
    if (m[3] === '/ready') return { id: 'GET /v2/models/{name}/ready', method: 'GET', ...base };
    if (m[3] === '/infer') return { id: 'POST /v2/models/{name}/infer', method: 'POST', ...base };
    return { id: 'GET /v2/models/{name}', method: 'GET', ...base };
  }
  return null;
}

/** A line per route for the CLI and the page: method, path, what it is. */
export function routeTable(name: string, pagePath: string | null, metricsPath: string | null): { method: string; path: string; what: string }[] {
  const rows: { method: string; path: string; what: string }[] = [];
  if (pagePath) rows.push({ method: 'GET', path: pagePath, what: 'page: draw a digit, see the prediction' });
  rows.push(
    { method: 'GET', path: `/v1/models/${name}`, what: 'TF Serving: model status' },
    { method: 'GET', path: `/v1/models/${name}/metadata`, what: 'TF Serving: signature (input/output shapes, dtypes)' },
    { method: 'POST', path: `/v1/models/${name}:predict`, what: 'TF Serving: {"instances": [...]} or {"inputs": ...}' },
    { method: 'GET', path: '/v2/health/live', what: 'Open Inference Protocol: server live' },
    { method: 'GET', path: '/v2/health/ready', what: 'Open Inference Protocol: server ready' },
    { method: 'GET', path: '/v2', what: 'Open Inference Protocol: server metadata' },
    { method: 'GET', path: `/v2/models/${name}`, what: 'Open Inference Protocol: model metadata' },
    { method: 'GET', path: `/v2/models/${name}/ready`, what: 'Open Inference Protocol: model ready' },
    { method: 'POST', path: `/v2/models/${name}/infer`, what: 'Open Inference Protocol: {"inputs": [{name, shape, datatype, data}]}' },
  );
  if (metricsPath) rows.push({ method: 'GET', path: metricsPath, what: 'Prometheus metrics' });
  return rows;
}
