/**
 * A table of routes matched on path segments: `['jobs', ':id', 'events']`. Adding a route is adding a row;
 * a path that matches with another method answers 405 with `Allow`, and `OPTIONS` is the CORS preflight.
 */
import { corsHeaders, preflightResponse } from './cors.js';
import type { ResolvedHttpOptions } from './handler-options.js';
import { HttpProblem } from './responses.js';

/** What a route's function receives. */
export interface RouteRequest {
  readonly request: Request;
  /** The decoded `:name` segments of its path. */
  readonly params: Readonly<Record<string, string>>;
}

export type RouteFunction = (route: RouteRequest) => Promise<Response>;

/** One path and what each method does on it. */
export interface Route {
  /** Literal segments and `:param` segments, after the handler's prefix. */
  readonly path: readonly string[];
  readonly methods: Readonly<Partial<Record<'GET' | 'POST' | 'PUT' | 'DELETE', RouteFunction>>>;
}

/** The route for `request` and its answer; 404 for no route, 405 for a method the route does not take. */
export async function route(
  routes: readonly Route[],
  request: Request,
  options: ResolvedHttpOptions,
): Promise<Response> {
  const segments = pathSegments(new URL(request.url).pathname, options.prefix);
  for (const candidate of routes) {
    const params = match(candidate.path, segments);
    if (!params) continue;
    const methods = Object.keys(candidate.methods);
    if (request.method === 'OPTIONS') return preflightResponse(request, options.cors, methods);
    const run = candidate.methods[request.method as keyof Route['methods']];
    if (!run) {
      throw new HttpProblem(405, 'method_not_allowed', `Expected ${methods.join(' or ')}`, {
        Allow: methods.join(', '),
      });
    }
    return run({ request, params });
  }
  throw new HttpProblem(404, 'not_found', 'No such route');
}

/** The decoded segments of `pathname` after `prefix`; undefined when the path is outside it. */
function pathSegments(pathname: string, prefix: string): string[] | undefined {
  if (pathname !== prefix && !pathname.startsWith(`${prefix}/`)) return undefined;
  const rest = pathname.slice(prefix.length).replace(/^\/+/, '').replace(/\/+$/, '');
  if (rest === '') return [];
  return rest.split('/').map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw new HttpProblem(400, 'invalid_request', 'The path is not valid percent-encoding');
    }
  });
}

function match(pattern: readonly string[], segments: readonly string[] | undefined) {
  if (!segments || pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const segment = segments[i] as string;
    if (part.startsWith(':')) params[part.slice(1)] = segment;
    else if (part !== segment) return undefined;
  }
  return params;
}

/** Adds the CORS headers the request's origin is allowed to an answer. */
export function withCors(response: Response, request: Request, options: ResolvedHttpOptions): Response {
  for (const [name, value] of Object.entries(corsHeaders(request, options.cors))) {
    response.headers.set(name, value);
  }
  return response;
}
