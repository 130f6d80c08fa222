/**
 * One HTTP(S) download into a hashing temp file: redirects followed by hand
 * (so their number is bounded and every hop is visible), an idle timeout that
 * covers connecting, waiting for headers and every gap in the body, and retries
 * with exponential backoff on network errors, 5xx, 408 and 429 (never on other
 * 4xx: a missing file will not appear by asking again).
 *
 * The body is streamed through the hash into the file; it is never held in
 * memory. On any failure the temp file is removed before the error propagates.
 *
 * @module
 */
import { HashingTempFile } from "./cache.ts";
import { errorMessage, IoError } from "../util/mod.ts";

/** Limits and hooks of {@link download}. */
export interface DownloadOptions {
  /** Directory for the temp file (same filesystem as its final place). */
  tempDir: string;
  /** Names the temp file for humans. */
  label: string;
  /** Milliseconds without progress (connect, headers, or body data) before an attempt is abandoned. */
  timeoutMs: number;
  /** Extra attempts after the first one, for failures worth retrying. */
  retries: number;
  /** Delay before the first retry; doubled for each further one. */
  retryDelayMs: number;
  maxRedirects: number;
  /** Aborting stops at once, without retrying. */
  signal?: AbortSignal;
  onRetry?: (info: { attempt: number; reason: string; delayMs: number }) => void;
  onProgress?: (bytes: number, total: number | undefined) => void;
}

/** A finished download: the caller verifies `sha256` and then commits or discards `temp`. */
export interface Download {
  temp: HashingTempFile;
  sha256: string;
  bytes: number;
  /** The URL that finally answered, after redirects. */
  finalUrl: string;
}

/** Why a download failed, and whether trying again could help. */
export class DownloadError extends Error {
  readonly retryable: boolean;
  readonly retryAfterMs?: number;

  constructor(message: string, retryable: boolean, retryAfterMs?: number) {
    super(message);
    this.name = "DownloadError";
    this.retryable = retryable;
    this.retryAfterMs = retryAfterMs;
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Longest wait a server's Retry-After may impose on us. */
const MAX_RETRY_AFTER_MS = 60_000;

/** Downloads `url`, retrying what is worth retrying. Throws DownloadError, or the abort reason. */
export async function download(url: string, options: DownloadOptions): Promise<Download> {
  for (let attempt = 1;; attempt++) {
    try {
      return await attemptDownload(url, options);
    } catch (error) {
      options.signal?.throwIfAborted();
      if (!(error instanceof DownloadError) || !error.retryable || attempt > options.retries) {
        throw error;
      }
      const backoff = options.retryDelayMs * 2 ** (attempt - 1);
      const delayMs = Math.max(backoff, error.retryAfterMs ?? 0);
      options.onRetry?.({ attempt, reason: error.message, delayMs });
      await sleep(delayMs, options.signal);
    }
  }
}

/** One attempt: follow redirects, then stream the body. */
async function attemptDownload(url: string, options: DownloadOptions): Promise<Download> {
  const idle = new IdleTimeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([idle.signal, options.signal]) : idle.signal;
  try {
    let current = url;
    for (let redirects = 0;; redirects++) {
      const response = await request(current, signal, idle, options);
      idle.touch();
      if (REDIRECT_STATUSES.has(response.status)) {
        current = await nextHop(response, current, redirects, options.maxRedirects);
        continue;
      }
      if (response.status !== 200) throw await statusError(response, current);
      return await receiveBody(response, current, idle, options);
    }
  } finally {
    idle.clear();
  }
}

async function request(
  url: string,
  signal: AbortSignal,
  idle: IdleTimeout,
  options: DownloadOptions,
): Promise<Response> {
  try {
    return await fetch(url, {
      redirect: "manual",
      signal,
      // Identity: a tarball served with "Content-Encoding: gzip" must arrive as
      // the server stores it, not transparently unpacked (its hash would differ).
      headers: { "accept-encoding": "identity", "user-agent": "2nex" },
    });
  } catch (error) {
    throw networkError(error, url, idle, options);
  }
}

/** The absolute URL a redirect response points to, checked against the limit. */
async function nextHop(
  response: Response,
  current: string,
  redirects: number,
  maxRedirects: number,
): Promise<string> {
  await response.body?.cancel();
  const location = response.headers.get("location");
  if (location === null) {
    throw new DownloadError(`${current}: HTTP ${response.status} without a Location`, false);
  }
  if (redirects >= maxRedirects) {
    throw new DownloadError(
      `${current}: more than ${maxRedirects} redirects (the last one pointed to ${location})`,
      false,
    );
  }
  let next: URL;
  try {
    next = new URL(location, current);
  } catch {
    throw new DownloadError(`${current}: redirect to an invalid URL "${location}"`, false);
  }
  if (next.protocol !== "http:" && next.protocol !== "https:") {
    throw new DownloadError(`${current}: redirect to unsupported URL ${next.href}`, false);
  }
  return next.href;
}

async function statusError(response: Response, url: string): Promise<DownloadError> {
  await response.body?.cancel();
  const status = response.status;
  const retryable = status >= 500 || status === 429 || status === 408;
  const text = `${url}: HTTP ${status}${response.statusText ? ` ${response.statusText}` : ""}`;
  return new DownloadError(text, retryable, retryAfterMs(response.headers.get("retry-after")));
}

async function receiveBody(
  response: Response,
  url: string,
  idle: IdleTimeout,
  options: DownloadOptions,
): Promise<Download> {
  const lengthHeader = response.headers.get("content-length");
  const total = lengthHeader !== null && /^\d+$/.test(lengthHeader)
    ? Number(lengthHeader)
    : undefined;
  const temp = await HashingTempFile.create(options.tempDir, options.label);
  try {
    if (response.body !== null) {
      const reader = response.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          idle.touch();
          await writeLocal(temp, value);
          options.onProgress?.(temp.bytes, total);
        }
      } finally {
        // Frees the connection when we stop early (disk full, abort).
        await reader.cancel().catch(() => {});
      }
    }
    if (total !== undefined && temp.bytes !== total) {
      throw new DownloadError(
        `${url}: connection closed after ${temp.bytes} of ${total} bytes`,
        true,
      );
    }
    const sha256 = await temp.finish();
    return { temp, sha256, bytes: temp.bytes, finalUrl: url };
  } catch (error) {
    await temp.discard();
    // A full or read-only cache is the machine's fault, not the server's: no retry, no next candidate.
    if (error instanceof DownloadError || error instanceof IoError) throw error;
    throw networkError(error, url, idle, options);
  }
}

/** Appends to the temp file; local trouble (disk full) is not worth a retry. */
async function writeLocal(temp: HashingTempFile, chunk: Uint8Array): Promise<void> {
  try {
    await temp.write(chunk);
  } catch (error) {
    if (error instanceof IoError) throw error;
    throw new DownloadError(`writing ${temp.path}: ${messageOf(error)}`, false);
  }
}

/** Classifies an error thrown by fetch or a body read. */
function networkError(
  error: unknown,
  url: string,
  idle: IdleTimeout,
  options: DownloadOptions,
): unknown {
  options.signal?.throwIfAborted();
  if (idle.fired) {
    return new DownloadError(
      `${url}: no data for ${formatSeconds(options.timeoutMs)}, gave up`,
      true,
    );
  }
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return new DownloadError(`${url}: network access is not permitted`, false);
  }
  if (error instanceof DownloadError) return error;
  return new DownloadError(`${url}: ${messageOf(error)}`, true);
}

function messageOf(error: unknown): string {
  const message = errorMessage(error);
  return message.replace(/^error sending request[^:]*: /, "");
}

/** An AbortSignal that fires when `touch()` has not been called for `ms`. */
class IdleTimeout {
  readonly #controller = new AbortController();
  readonly #ms: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  fired = false;

  constructor(ms: number) {
    this.#ms = ms;
    this.touch();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  touch(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.fired = true;
      this.#controller.abort(new DOMException("idle timeout", "TimeoutError"));
    }, this.#ms);
  }

  clear(): void {
    clearTimeout(this.#timer);
  }
}

/** Retry-After as milliseconds (seconds or an HTTP date), capped. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = /^\d+$/.test(header.trim())
    ? Number(header.trim())
    : (Date.parse(header) - Date.now()) / 1000;
  if (!Number.isFinite(seconds) || seconds < 0) return undefined;
  return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
