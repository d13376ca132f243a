import type { ApiErrorCode } from '@scanpush/shared';
import { z } from 'zod';
import { HTTP_STATUS } from '../../errors.js';
import { ERROR_MEANINGS, errorBodySchema, errorCodeSchemas, errorComponent } from './error-schemas.js';
import { resultCode, resultName } from './response-schemas.js';
import type { Auth, RouteSpec } from './route-spec.js';
import { MEMBER_SPECS, PAGE_SPECS } from './specs-members.js';
import { OFFICE_SPECS, OPERATOR_SPECS, STORE_SPECS } from './specs-manage.js';

/** Every route the document can describe; the app's registered routes pick which ones it does. */
export const ROUTE_SPECS: readonly RouteSpec[] = [...MEMBER_SPECS, ...PAGE_SPECS, ...OPERATOR_SPECS, ...OFFICE_SPECS, ...STORE_SPECS];

type Json = Record<string, unknown>;

export interface DocumentOptions {
  /** The server as clients reach it (PUBLIC_ORIGIN); relative paths otherwise. */
  publicOrigin?: string | undefined;
  /** METRICS_TOKEN is set: `/metrics` needs it. */
  metricsToken: boolean;
  version: string;
}

/**
 * The OpenAPI 3.1 document of the routes the app registers (`{method, path}` as Hono lists them): each
 * described by its RouteSpec, whose input schemas are the handlers' own. A registered route without a
 * spec is left out, which the end-to-end test (test/openapi.test.ts) refuses.
 */
export function openApiDocument(registered: readonly { method: string; path: string }[], opts: DocumentOptions): Json {
  const schemas: Json = {};
  const convert = (schema: z.ZodType, io: 'input' | 'output') => toSchema(schema, io, schemas);
  // The catalogs, whether or not a route refers to them: each becomes a component as it is converted.
  for (const schema of [...errorCodeSchemas.map((e) => e.schema), errorBodySchema, resultCode, resultName]) convert(schema, 'output');

  const specs = new Map(ROUTE_SPECS.map((s) => [`${s.method} ${s.path}`, s]));
  const paths: Record<string, Json> = {};
  for (const route of registered) {
    const spec = specs.get(`${route.method} ${route.path}`);
    if (!spec) continue;
    (paths[openApiPath(route.path)] ??= {})[route.method.toLowerCase()] = operation(spec, convert, opts);
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'scanpush',
      version: opts.version,
      description:
        'Member cards scanned at the counter, the result pushed to the member. Generated from the zod schemas the routes validate with; ' +
        'the prose reference is docs/api.md. Every error answer is ErrorBody; each code has its component Error_<CODE> with its status. ' +
        `Codes no route answers, from Node's parser before any route: ${EDGE_CODES.join(', ')}; and any route answers METHOD_NOT_ALLOWED (405, with Allow) to a method it does not take.`,
    },
    servers: [{ url: opts.publicOrigin ?? '/', description: opts.publicOrigin ? 'PUBLIC_ORIGIN' : 'the server that served this document' }],
    tags: [...new Set(ROUTE_SPECS.map((s) => s.tag))].map((name) => ({ name })),
    paths,
    components: { schemas, securitySchemes: SECURITY_SCHEMES },
  };
}

/** Answered by http/client-error.ts before any route, or by the app for any path. */
const EDGE_CODES: ApiErrorCode[] = ['MALFORMED_REQUEST', 'REQUEST_TIMEOUT', 'HEADERS_TOO_LARGE'];

/** Hono's `:name` is `{name}`; a trailing `*` (the socket path) is `{path}`. */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\/\*$/, '/{path}');
}

function operation(spec: RouteSpec, convert: (s: z.ZodType, io: 'input' | 'output') => Json, opts: DocumentOptions): Json {
  const parameters: Json[] = [];
  const pathParams = spec.params ? (convert(spec.params, 'input') as ObjectSchema) : spec.path.endsWith('*') ? { properties: { path: { type: 'string' } } } : undefined;
  for (const [name, schema] of Object.entries(pathParams?.properties ?? {})) parameters.push({ name, in: 'path', required: true, schema });
  if (spec.query) {
    const query = convert(spec.query, 'input') as ObjectSchema;
    for (const [name, schema] of Object.entries(query.properties ?? {})) {
      // zod leaves a default out of an input schema whose value is the transform's output: say it as sent.
      const field = spec.query.shape[name];
      const fallback = field instanceof z.ZodDefault ? (field.def.defaultValue as unknown) : undefined;
      parameters.push({ name, in: 'query', required: query.required?.includes(name) ?? false, schema: fallback === undefined ? schema : { ...(schema as Json), default: String(fallback) } });
    }
  }
  if (spec.idempotencyKey) {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'Makes a retry safe: the same key for the same request answers the first answer again (`replayed: true`); for another request, 422 IDEMPOTENCY_KEY_REUSED.',
      schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,128}$' },
    });
  }
  return {
    operationId: operationId(spec),
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    security: security(spec, opts),
    ...(parameters.length ? { parameters } : {}),
    ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: convert(spec.body, 'input') } } } } : {}),
    responses: { ...okResponse(spec, convert), ...errorResponses(routeErrors(spec)) },
  };
}

interface ObjectSchema {
  properties?: Record<string, unknown>;
  required?: string[];
}

function operationId(spec: RouteSpec): string {
  const words = spec.path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  // `/office` and `/office/` are two routes: the slash's is the index.
  if (spec.path.endsWith('/')) words.push('index');
  return spec.method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

function okResponse(spec: RouteSpec, convert: (s: z.ZodType, io: 'input' | 'output') => Json): Json {
  const { status, description, body } = spec.ok;
  let content: Json | undefined;
  if (body instanceof z.ZodType) content = { 'application/json': { schema: convert(body, 'output') } };
  else if (body) content = { [body.type]: { schema: { type: body.type === 'application/json' ? 'object' : 'string', ...(body.description ? { description: body.description } : {}) } } };
  return { [String(status)]: { description, ...(content ? { content } : {}) } };
}

/** The codes a route may answer: its own, and those its credential, its input and the edge imply. */
export function routeErrors(spec: RouteSpec): ApiErrorCode[] {
  const codes = new Set<ApiErrorCode>(spec.errors ?? []);
  if (spec.body) for (const code of ['INVALID_JSON', 'VALIDATION_FAILED', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE'] as const) codes.add(code);
  if (spec.params || spec.query || spec.idempotencyKey) codes.add('VALIDATION_FAILED');
  if (spec.auth !== 'public' && spec.auth !== 'owner-optional') codes.add('UNAUTHORIZED');
  // Without ADMIN_TOKEN the operator's API does not exist.
  if (spec.auth === 'admin') codes.add('NOT_FOUND');
  if (spec.auth === 'owner' && spec.method !== 'GET') codes.add('CSRF_FAILED');
  // The database away: nothing was written, try again.
  if (spec.path.startsWith('/api/') || spec.path === '/healthz') codes.add('UNAVAILABLE');
  codes.add('INTERNAL');
  return [...codes];
}

function errorResponses(codes: ApiErrorCode[]): Json {
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of codes) byStatus.set(HTTP_STATUS[code], [...(byStatus.get(HTTP_STATUS[code]) ?? []), code]);
  const responses: Json = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const refs = list.map((code) => ({ $ref: `#/components/schemas/${errorComponent(code)}` }));
    responses[String(status)] = {
      description: list.map((code) => `${code}: ${ERROR_MEANINGS[code]}`).join(' '),
      ...(status === 429 || status === 503 ? { headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } } } : {}),
      // anyOf rather than oneOf: the bodies differ only in `error.code`, which linters do not look into.
      content: { 'application/json': { schema: refs.length === 1 ? refs[0] : { anyOf: refs } } },
    };
  }
  return responses;
}

const SECURITY_SCHEMES = {
  memberToken: { type: 'http', scheme: 'bearer', description: 'A member session token, from POST /api/auth/wechat (or /api/auth/dev outside production).' },
  merchantKey: { type: 'http', scheme: 'bearer', bearerFormat: 'spk_<merchantId>_<secret>', description: "A staff device's merchant key (issued by the operator or redeemed from an invite)." },
  adminToken: { type: 'http', scheme: 'bearer', description: 'The operator\'s ADMIN_TOKEN; without one configured the operator API answers 404.' },
  metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when set.' },
  ownerSession: { type: 'apiKey', in: 'cookie', name: 'sp_office', description: 'The back-office session cookie set by POST /api/office/login (HttpOnly, SameSite=Strict).' },
  csrfToken: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: 'The csrfToken of /api/office/login or /api/office/me; needed by every back-office write.' },
};

function security(spec: RouteSpec, opts: DocumentOptions): Json[] {
  const by: Record<Auth, Json[]> = {
    public: [],
    member: [{ memberToken: [] }],
    merchant: [{ merchantKey: [] }],
    admin: [{ adminToken: [] }],
    owner: spec.method === 'GET' ? [{ ownerSession: [] }] : [{ ownerSession: [], csrfToken: [] }],
    'owner-optional': [{}, { ownerSession: [], csrfToken: [] }],
    metrics: opts.metricsToken ? [{ metricsToken: [] }] : [],
  };
  return by[spec.auth];
}

/**
 * A zod schema as a JSON Schema (2020-12, which OpenAPI 3.1 takes): requests as their input, answers as
 * their output. Schemas with an `id` go to `components.schemas` and are referred to there.
 */
function toSchema(schema: z.ZodType, io: 'input' | 'output', components: Json): Json {
  const converted = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'throw',
    // An answer may gain fields (clients keep what they do not know): only requests are closed.
    override: ({ jsonSchema }) => {
      if (io === 'output' && jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
    },
  });
  // zod names a schema with an `id` in `$defs` (the root too, as a `$ref`); the document keeps them in components.
  const { $schema: _, $defs, ...root } = JSON.parse(JSON.stringify(converted).replaceAll('"#/$defs/', '"#/components/schemas/')) as Json & { $defs?: Json };
  for (const [name, def] of Object.entries($defs ?? {})) addComponent(components, name, def as Json);
  return root;
}

function addComponent(components: Json, name: string, schema: Json): void {
  if (components[name] !== undefined && JSON.stringify(components[name]) !== JSON.stringify(schema)) {
    throw new Error(`two schemas named ${name} in the OpenAPI document`);
  }
  components[name] = schema;
}
