// HTTP with a deadline, and sendBeacon. Bodies go as text/plain: a CORS "simple" request needs no
// preflight, and the server reads any Content-Type as JSON.

import type { RequestError } from "./types.js";

const TEXT = "text/plain;charset=UTF-8";

export interface Reply {
  status: number;
  body: string;
  /** The Retry-After header, if any (429 and 503 may carry one). */
  retryAfter: string | null;
}

export function requestError(message: string, status: number | null): RequestError {
  const error = new Error(`attune: ${message}`) as RequestError;
  error.name = "AttuneRequestError";
  error.status = status;
  return error;
}

/**
 * POST `body` and read the reply within `timeoutMs`. Resolves for every HTTP status; rejects with a
 * RequestError whose status is null on a timeout or network failure (the request is aborted then).
 */
export function post(fetchFn: typeof fetch, url: string, body: string, timeoutMs: number, keepalive = false): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const controller = typeof AbortController === "function" ? new AbortController() : null;
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      reject(requestError(`request to ${url} timed out after ${timeoutMs} ms`, null));
      try {
        if (controller) controller.abort();
      } catch {
        // aborting is a courtesy to the network; the promise is settled already
      }
    }, timeoutMs);
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      settle();
    };
    const init: RequestInit = { method: "POST", body, headers: { "Content-Type": TEXT }, credentials: "omit" };
    if (keepalive) init.keepalive = true; // outlives the page, within the browser's 64 KiB budget
    if (controller) init.signal = controller.signal;
    Promise.resolve()
      .then(() => fetchFn(url, init))
      .then(async (response) => {
        const text = await response.text();
        finish(() => resolve({ status: response.status, body: text, retryAfter: response.headers.get("Retry-After") }));
      })
      .catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        finish(() => reject(requestError(`request to ${url} failed: ${reason}`, null)));
      });
  });
}

/** Hand `body` to navigator.sendBeacon; false when there is none or the browser refused it (quota). */
export function beacon(url: string, body: string): boolean {
  try {
    if (typeof navigator === "undefined" || typeof navigator.sendBeacon !== "function") return false;
    return navigator.sendBeacon(url, new Blob([body], { type: TEXT }));
  } catch {
    return false;
  }
}

/** The server's answer worth retrying: timeouts, rate limits, its own failures (and the network's). */
export function retryable(status: number | null): boolean {
  return status === null || status === 408 || status === 429 || status >= 500;
}

/** Retry-After in milliseconds (seconds or an HTTP date), 0 when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number {
  if (!header) return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : 0;
}
