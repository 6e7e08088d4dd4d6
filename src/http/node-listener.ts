/**
 * `toNodeListener`: the fetch-API handler as a node:http request listener, which is also an Express
 * middleware. Streams the answer with back-pressure (an event stream to a slow client waits for the
 * socket to drain) and aborts the request's signal when the client goes, which releases its stream.
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/** A node:http listener, or an Express middleware (`next` gets what the handler could not answer). */
export type NodeListener = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/**
 * Adapts a fetch-API handler to node:http and Express. The handler sees the full path (Express's
 * `originalUrl`), so its `prefix` is the path it is mounted at. Mount it before body parsers such as
 * `express.json()`; a body they already parsed is passed on as JSON.
 *
 * @example
 * http.createServer(toNodeListener(handler)).listen(3000);
 * app.use('/api/longhaul', toNodeListener(handler)); // Express, with prefix '/api/longhaul'
 */
export function toNodeListener(handler: (request: Request) => Promise<Response>): NodeListener {
  return (req, res, next) => {
    serve(handler, req, res).catch((error: unknown) => {
      if (next) next(error);
      else if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else res.destroy(error instanceof Error ? error : undefined);
    });
  };
}

async function serve(
  handler: (request: Request) => Promise<Response>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  const response = await handler(toRequest(req, gone.signal));
  res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  if (!response.body) {
    res.end();
    return;
  }
  res.flushHeaders();
  const reader = response.body.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  res.once('close', cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) {
        await Promise.race([once(res, 'drain'), once(res, 'close')]);
      }
      if (res.destroyed) return;
    }
    res.end();
  } finally {
    res.off('close', cancel);
  }
}

function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const path = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const url = new URL(path, `http://${req.headers.host ?? 'localhost'}`);
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  }
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return new Request(url, { method, headers, signal });
  const parsed = (req as { body?: unknown }).body;
  const body =
    req.readableEnded && parsed !== undefined
      ? JSON.stringify(parsed) // a body parser got there first
      : (Readable.toWeb(req) as ReadableStream<Uint8Array>);
  if (typeof body === 'string') headers.delete('content-length');
  return new Request(url, { method, headers, signal, body, duplex: 'half' } as RequestInit);
}
