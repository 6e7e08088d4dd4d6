/**
 * Cross-origin access, off unless the app lists origins. Tokens travel in the `Authorization` header,
 * never in cookies, so credentials are never allowed.
 */
import type { ResolvedHttpOptions } from './handler-options.js';

const allowedHeaders = 'Authorization, Content-Type, Last-Event-ID';

/** The headers that let `request`'s origin read the answer; none when it is not allowed. */
export function corsHeaders(request: Request, cors: ResolvedHttpOptions['cors']): Record<string, string> {
  const origin = request.headers.get('origin');
  if (!cors || !origin || !(cors.origins.has(origin) || cors.origins.has('*'))) return {};
  return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
}

/** The answer to a preflight (`OPTIONS`) for a route that takes `methods`. */
export function preflightResponse(
  request: Request,
  cors: ResolvedHttpOptions['cors'],
  methods: readonly string[],
): Response {
  const headers = corsHeaders(request, cors);
  if (!cors || !headers['Access-Control-Allow-Origin']) {
    // Not allowed: an answer without CORS headers, which the browser reads as a refusal.
    return new Response(null, { status: 204, headers: { Vary: 'Origin' } });
  }
  return new Response(null, {
    status: 204,
    headers: {
      ...headers,
      'Access-Control-Allow-Methods': methods.join(', '),
      'Access-Control-Allow-Headers': allowedHeaders,
      'Access-Control-Max-Age': String(cors.maxAgeSeconds),
    },
  });
}
