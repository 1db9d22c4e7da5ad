// GitHub's own REST description (@octokit/openapi), loaded once per process and shared by every
// fake: route matching (templated paths, `x-multi-segment` parameters such as `{path}`) and lazily
// compiled, cached ajv validators for JSON request bodies.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';

type Json = Record<string, unknown>;

export interface Operation {
  operationId: string;
  method: string;
  template: string;
  documentationUrl: string;
  category: string;
  subcategory: string;
  raw: Json;
}

export interface RouteMatch {
  operation: Operation;
  params: Record<string, string>;
}

interface CompiledRoute {
  operation: Operation;
  segments: { literal?: string; param?: string; multi?: boolean }[];
  multi: boolean;
}

export interface OpenApi {
  match(method: string, pathname: string): RouteMatch | undefined;
  operation(operationId: string): Operation | undefined;
  /** Validates a JSON body; returns undefined when valid or when the operation has no JSON body. */
  validateBody(operation: Operation, body: unknown): ErrorObject[] | undefined;
}

const require = createRequire(import.meta.url);
const addFormats = (addFormatsImport.default ?? addFormatsImport) as typeof addFormatsImport.default;
const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

let loading: Promise<OpenApi> | undefined;

/** operationId → why its request body schema could not be compiled (then it is not validated). */
export const schemaProblems = new Map<string, string>();

/** The description is ~13 MB: parsed once per process (about 100 ms), then shared. */
export function loadOpenApi(): Promise<OpenApi> {
  loading ??= (async () => {
    const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
    const doc = JSON.parse(await readFile(file, 'utf8')) as Json;
    return buildOpenApi(doc);
  })();
  return loading;
}

function asJson(value: unknown): Json {
  return value !== null && typeof value === 'object' ? (value as Json) : {};
}

function buildOpenApi(doc: Json): OpenApi {
  const byMethod = new Map<string, CompiledRoute[]>();
  const byId = new Map<string, Operation>();
  for (const [template, item] of Object.entries(asJson(doc.paths))) {
    for (const [method, rawOp] of Object.entries(asJson(item))) {
      if (!HTTP_METHODS.includes(method)) continue;
      const raw = asJson(rawOp);
      if (typeof raw.operationId !== 'string') continue;
      const xgh = asJson(raw['x-github']);
      const operation: Operation = {
        operationId: raw.operationId,
        method: method.toUpperCase(),
        template,
        documentationUrl: String(asJson(raw.externalDocs).url ?? 'https://docs.github.com/rest'),
        category: String(xgh.category ?? ''),
        subcategory: String(xgh.subcategory ?? ''),
        raw,
      };
      const multiParams = new Set<string>();
      for (const p of Array.isArray(raw.parameters) ? raw.parameters : []) {
        const param = asJson(p);
        if (param['x-multi-segment'] === true && typeof param.name === 'string') multiParams.add(param.name);
      }
      const segments = template
        .split('/')
        .slice(1)
        .map((seg) => {
          const m = /^\{([^}]+)\}$/.exec(seg);
          if (!m?.[1]) return { literal: seg };
          return { param: m[1], multi: multiParams.has(m[1]) };
        });
      const list = byMethod.get(operation.method) ?? [];
      list.push({ operation, segments, multi: segments.some((s) => s.multi) });
      byMethod.set(operation.method, list);
      byId.set(operation.operationId, operation);
    }
  }

  const validators = new Map<string, ValidateFunction | null>();
  let ajv: Ajv | undefined;

  function validatorFor(operation: Operation): ValidateFunction | null {
    const cached = validators.get(operation.operationId);
    if (cached !== undefined) return cached;
    const body = deref(doc, operation.raw.requestBody, []);
    const schema = asJson(asJson(asJson(asJson(body).content)['application/json']).schema);
    let fn: ValidateFunction | null = null;
    if (Object.keys(schema).length > 0) {
      if (!ajv) {
        ajv = new Ajv({
          strict: false,
          allErrors: true,
          logger: false,
          validateSchema: false,
          verbose: true,
        });
        addFormats(ajv);
      }
      try {
        fn = ajv.compile(schema);
      } catch (err) {
        // A schema ajv cannot compile is not validated; the reason is kept for debugging.
        schemaProblems.set(operation.operationId, String(err));
      }
    }
    validators.set(operation.operationId, fn);
    return fn;
  }

  return {
    match(method, pathname) {
      const parts = pathname.split('/').slice(1);
      const candidates = byMethod.get(method === 'HEAD' ? 'GET' : method) ?? [];
      let best: { route: CompiledRoute; params: Record<string, string> } | undefined;
      // Second pass: a trailing parameter may hold raw slashes (`git/ref/heads/feature/x`).
      for (const greedyLast of [false, true]) {
        for (const route of candidates) {
          const params = matchRoute(greedyLast ? withGreedyLast(route) : route, parts);
          if (params && (!best || better(route, best.route))) best = { route, params };
        }
        if (best) break;
      }
      return best && { operation: best.route.operation, params: best.params };
    },
    operation: (id) => byId.get(id),
    validateBody(operation, body) {
      const fn = validatorFor(operation);
      if (!fn || fn(body)) return undefined;
      return fn.errors ?? [];
    },
  };
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function matchRoute(route: CompiledRoute, parts: string[]): Record<string, string> | undefined {
  const segs = route.segments;
  if (!route.multi && segs.length !== parts.length) return undefined;
  if (route.multi && parts.length < segs.length) return undefined;
  const params: Record<string, string> = {};
  const extra = parts.length - segs.length;
  let i = 0;
  for (const seg of segs) {
    if (seg.literal !== undefined) {
      if (parts[i] !== seg.literal) return undefined;
      i++;
      continue;
    }
    // A multi-segment parameter (e.g. contents `{path}`) swallows the extra raw slashes.
    const take = seg.multi ? 1 + extra : 1;
    const value = parts
      .slice(i, i + take)
      .map(decode)
      .join('/');
    if (value === '' || !seg.param) return undefined;
    params[seg.param] = value;
    i += take;
  }
  return i === parts.length ? params : undefined;
}

/** Trailing parameters that may carry slashes when a client does not encode them. */
const SLASHY = new Set(['ref', 'branch', 'basehead', 'path', 'name']);

function withGreedyLast(route: CompiledRoute): CompiledRoute {
  const last = route.segments[route.segments.length - 1];
  if (route.multi || !last?.param || !SLASHY.has(last.param)) return route;
  return {
    ...route,
    multi: true,
    segments: [...route.segments.slice(0, -1), { param: last.param, multi: true }],
  };
}

/** Literal segments beat parameters, earliest difference first (`issues/comments` over `issues/{n}`). */
function better(a: CompiledRoute, b: CompiledRoute): boolean {
  const n = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const la = a.segments[i]?.literal !== undefined;
    const lb = b.segments[i]?.literal !== undefined;
    if (la !== lb) return la;
  }
  return !a.multi && b.multi;
}

/** Deep copy of `node` with `#/components/...` references inlined; a cycle becomes `{}`. */
function deref(doc: Json, node: unknown, stack: string[]): unknown {
  if (Array.isArray(node)) return node.map((v) => deref(doc, v, stack));
  if (node === null || typeof node !== 'object') return node;
  const obj = node as Json;
  if (typeof obj.$ref === 'string') {
    const ref = obj.$ref;
    if (stack.includes(ref)) return {};
    let target: unknown = doc;
    for (const key of ref.replace(/^#\//, '').split('/')) target = asJson(target)[key];
    return deref(doc, target, [...stack, ref]);
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'example' || k === 'examples' || k === 'description' || k === 'nullable') continue;
    out[k] = deref(doc, v, stack);
  }
  return obj.nullable === true ? nullable(out) : out;
}

/** OpenAPI 3.0 `nullable: true` as JSON Schema (ajv only accepts it beside a `type`). */
function nullable(schema: Json): Json {
  if (Array.isArray(schema.enum) && !schema.enum.includes(null))
    schema.enum = [...(schema.enum as unknown[]), null];
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}

/** GitHub's 422 message lines, e.g. `"head_sha" wasn't supplied.` */
export function describeErrors(errors: ErrorObject[]): {
  lines: string[];
  fields: { field: string; code: string; message: string }[];
} {
  const lines: string[] = [];
  const fields: { field: string; code: string; message: string }[] = [];
  const seen = new Set<string>();
  const branchy = errors.some((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  for (const e of errors) {
    if (branchy && e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'required') continue;
    const pointer = e.instancePath.replace(/^\//, '');
    const where = pointer ? `For 'properties/${pointer.split('/').join('/properties/')}', ` : '';
    let line: string;
    let field = pointer.split('/').pop() ?? '';
    let code = 'invalid';
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        field = String(params.missingProperty);
        code = 'missing_field';
        line = pointer
          ? `${where}"${field}" wasn't supplied.`
          : `"${String(params.missingProperty)}" wasn't supplied.`;
        break;
      case 'type':
        line = `${where}${JSON.stringify(valueAt(e))} is not ${article(String(params.type))}.`;
        break;
      case 'enum':
        line = `${where}${JSON.stringify(valueAt(e))} is not a member of ${(params.allowedValues as unknown[]).join(', ')}.`;
        break;
      case 'maxItems':
        line = `${where}array has more than ${String(params.limit)} items.`;
        break;
      case 'oneOf':
      case 'anyOf':
        line = `${where}No subschema in "${e.keyword}" matched.`;
        break;
      default:
        line = `${where}${e.message ?? 'is invalid'}.`;
    }
    if (seen.has(line)) continue;
    seen.add(line);
    lines.push(line);
    fields.push({ field, code, message: line });
  }
  return { lines, fields };
}

function valueAt(e: ErrorObject): unknown {
  return (e as ErrorObject & { data?: unknown }).data;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
