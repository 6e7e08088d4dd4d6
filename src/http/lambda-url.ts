/**
 * `lambdaUrlHandler`: the fetch-API handler behind a Lambda function URL (payload format 2.0) in the
 * default BUFFERED invoke mode, where an answer is complete before it is sent. That suits enqueue, read
 * and cancel; an event stream would only arrive when the job ends, so the events route answers 501
 * `streaming_unsupported` and pages served this way poll `GET /jobs/:id` (see docs/web-apps.md).
 */

/** The parts of a function URL event (payload 2.0) the adapter reads. */
export interface LambdaUrlEvent {
  readonly rawPath: string;
  readonly rawQueryString?: string;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly cookies?: readonly string[];
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly requestContext: { readonly domainName?: string; readonly http: { readonly method: string } };
}

/** A function URL's answer. */
export interface LambdaUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

/**
 * Adapts a fetch-API handler to a function URL's events.
 *
 * @example
 * export const handler = lambdaUrlHandler(createHttpHandler({ longhaul, tasks: [analyse], secret }));
 */
export function lambdaUrlHandler(
  handler: (request: Request) => Promise<Response>,
): (event: LambdaUrlEvent) => Promise<LambdaUrlResult> {
  return async (event) => {
    const method = event.requestContext.http.method;
    const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
    const url = `https://${event.requestContext.domainName ?? 'lambda-url.localhost'}${event.rawPath}${query}`;
    const headers = new Headers();
    for (const [name, value] of Object.entries(event.headers ?? {})) {
      if (value !== undefined) headers.set(name, value);
    }
    if (event.cookies?.length) headers.set('cookie', event.cookies.join('; '));
    const hasBody = event.body !== undefined && method !== 'GET' && method !== 'HEAD';
    const response = await handler(
      new Request(url, {
        method,
        headers,
        ...(hasBody
          ? { body: Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8') }
          : {}),
      }),
    );
    if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
      // Buffered, the stream would end only with the job, or with the function's timeout.
      await response.body?.cancel();
      return {
        statusCode: 501,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
        body: JSON.stringify({
          error: {
            code: 'streaming_unsupported',
            message: 'Event streams need a function URL in RESPONSE_STREAM mode; poll GET /jobs/:id instead',
          },
        }),
        isBase64Encoded: false,
      };
    }
    const responseHeaders: Record<string, string> = {};
    for (const [name, value] of response.headers) {
      if (name !== 'set-cookie') responseHeaders[name] = value;
    }
    const cookies = response.headers.getSetCookie();
    const bytes = Buffer.from(await response.arrayBuffer());
    const text = /^(application\/json|text\/)/i.test(response.headers.get('content-type') ?? '');
    return {
      statusCode: response.status,
      headers: responseHeaders,
      ...(cookies.length > 0 ? { cookies } : {}),
      body: text ? bytes.toString('utf8') : bytes.toString('base64'),
      isBase64Encoded: !text,
    };
  };
}
