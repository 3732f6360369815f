// Validates request bodies against GitHub's OpenAPI description (@octokit/openapi), so mocks
// cannot drift from what GitHub accepts. Shared by the Action and App tests.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface OpenApi {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Json }> } }>>;
  components: { schemas: Record<string, Json> };
}

const require = createRequire(import.meta.url);
let spec: OpenApi | undefined;
function openApi(): OpenApi {
  spec ??= JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as OpenApi;
  return spec;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ strict: false, allErrors: true, validateFormats: true }));
const cache = new Map<string, ValidateFunction | null>();

/** Inlines `#/components/...` references; recursive schemas are cut to `{}` at the second visit. */
function inline(node: Json, seen: readonly string[]): Json {
  if (Array.isArray(node)) return node.map((n) => inline(n, seen));
  if (node === null || typeof node !== 'object') return node;
  const ref = node.$ref;
  if (typeof ref === 'string') {
    if (seen.includes(ref)) return {};
    const name = ref.replace('#/components/schemas/', '');
    const target = openApi().components.schemas[name];
    if (target === undefined) throw new Error(`unresolved openapi reference ${ref}`);
    return inline(target, [...seen, ref]);
  }
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(node)) out[k] = inline(v, seen);
  return out;
}

/** The JSON request-body validator of `method path` (path as templated in the description), or null if it takes no body. */
export function requestBodyValidator(method: string, pathTemplate: string): ValidateFunction | null {
  const key = `${method.toLowerCase()} ${pathTemplate}`;
  if (cache.has(key)) return cache.get(key)!;
  const operation = openApi().paths[pathTemplate]?.[method.toLowerCase()];
  if (operation === undefined) throw new Error(`no operation ${key} in GitHub's OpenAPI description`);
  const schema = operation.requestBody?.content?.['application/json']?.schema;
  const validator = schema === undefined ? null : ajv.compile(inline(schema, []) as object);
  cache.set(key, validator);
  return validator;
}

/** Error lines for `body` sent to `method pathTemplate`; empty when valid. */
export function requestBodyErrors(method: string, pathTemplate: string, body: unknown): string[] {
  const validate = requestBodyValidator(method, pathTemplate);
  if (validate === null) return body === undefined || body === '' ? [] : [`${method} ${pathTemplate} takes no body`];
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${method} ${pathTemplate}: ${e.instancePath || '/'} ${e.message ?? 'invalid'}`);
}
