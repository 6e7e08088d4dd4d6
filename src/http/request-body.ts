/** Reads a JSON request body no larger than the limit, counting bytes as they arrive. */
import { HttpProblem } from './responses.js';

/**
 * The parsed JSON body. Refuses with 415 a body that is not `application/json` (which also keeps plain
 * cross-site form posts out: a page must pass a CORS preflight to send JSON), 413 one over
 * `maxBytes` (by its `Content-Length` before reading, and by counting, for chunked bodies), 400 bad JSON.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpProblem(415, 'unsupported_media_type', 'Expected a body of type application/json');
  }
  const tooLarge = () =>
    new HttpProblem(413, 'body_too_large', `The request body is larger than ${maxBytes} bytes`);
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge();
  if (!request.body) throw new HttpProblem(400, 'invalid_request', 'Expected a JSON body');
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpProblem(400, 'invalid_json', 'The request body is not valid JSON');
  }
}
