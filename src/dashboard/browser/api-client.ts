// Talking to the dashboard's JSON API: reads, and actions that carry the CSRF token.
import { basePath, csrfToken } from './page-config.js';

/** An API error: its code and message, as the server's `{ error: { code, message } }` says. */
export class ApiError extends Error {
  readonly code: string;

  constructor(message: string, code: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

/** The URL of `<base>/api/<path>?<params>`. */
export function apiUrl(path: string, params?: URLSearchParams): string {
  const query = params ? params.toString() : '';
  return `${basePath}/api/${path}${query ? `?${query}` : ''}`;
}

/** GETs `api/<path>`; rejects with an {@link ApiError} on an error status. */
export function getJson<T>(path: string, params?: URLSearchParams): Promise<T> {
  return fetch(apiUrl(path, params), {
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
  }).then((response) => readJson<T>(response));
}

/** POSTs `body` as JSON to `api/<path>`; rejects with an {@link ApiError} on an error status. */
export function postJson<T>(path: string, body?: object): Promise<T> {
  return fetch(apiUrl(path), {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken, Accept: 'application/json' },
    body: JSON.stringify(body || {}),
  }).then((response) => readJson<T>(response));
}

function readJson<T>(response: Response): Promise<T> {
  return response
    .json()
    .catch(() => ({}))
    .then((body: unknown) => {
      if (!response.ok) {
        const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
        throw new ApiError(
          error?.message || `HTTP ${response.status}`,
          error?.code || `http_${response.status}`,
        );
      }
      return body as T;
    });
}
