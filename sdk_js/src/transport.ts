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
    const controller = !ATTUNE_ANYWHERE || typeof AbortController === "function" ? new AbortController() : null;
    // a promise settles once: whichever of the deadline and the reply comes first wins
    const timer = setTimeout(() => {
      reject(requestError(`${url} timed out after ${timeoutMs} ms`, null));
      if (!ATTUNE_ANYWHERE) controller!.abort();
      else {
        try {
          if (controller) controller.abort();
        } catch {
          // aborting is a courtesy to the network; the promise is settled already
        }
      }
    }, timeoutMs);
    const init: RequestInit = { method: "POST", body, headers: { "Content-Type": TEXT }, credentials: "omit" };
    if (keepalive) init.keepalive = true; // outlives the page, within the browser's 64 KiB budget
    if (!ATTUNE_ANYWHERE || controller) init.signal = controller!.signal;
    Promise.resolve()
      .then(() => fetchFn(url, init))
      .then(async (response) => resolve({ status: response.status, body: await response.text(), retryAfter: response.headers.get("Retry-After") }))
      .catch((error: unknown) => reject(requestError(`${url} failed: ${error instanceof Error ? error.message : String(error)}`, null)))
      .then(() => clearTimeout(timer));
  });
}

/** Hand `body` to navigator.sendBeacon; false when there is none or the browser refused it (quota). */
export function beacon(url: string, body: string): boolean {
  try {
    if (ATTUNE_ANYWHERE && (typeof navigator === "undefined" || typeof navigator.sendBeacon !== "function")) return false;
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
  const seconds = Number(header); // null and "" are 0; an HTTP date is NaN here, and NaN || 0 is 0 below
  return Math.max(0, Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header!) - now || 0);
}
