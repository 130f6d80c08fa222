/**
 * Getting every source a build needs into the content-addressed cache.
 *
 * For each distinct sha256 the candidates are tried in order, and the first
 * whose bytes hash to the expected value wins:
 * - `url:` sources: the cache, each mirror (a directory holding the URL's file
 *   name, or a URL prefix followed by it), then the source's own URL;
 * - `file:` sources: the cache, the path relative to the manifest, relative to
 *   the workspace, then each mirror directory by base name.
 *
 * A local candidate (a `file:` path or a file in a mirror directory) is read
 * only when it resolves, after symlinks, inside the workspace or a mirror
 * directory; one that resolves elsewhere is neither read nor hashed.
 *
 * With `offline: true` no candidate that needs the network is tried, so no
 * connection is ever opened (and no net permission is needed).
 *
 * Why this file is over 400 lines (barely): the order of candidates above and
 * the checks on each (containment, hash, size) are one policy, kept readable in
 * one place.
 *
 * @example
 * ```ts
 * import { dropNetworkPermission } from "./permissions.ts";
 * declare const items: FetchItem[];
 * const paths = await fetchSources(items, {
 *   cacheDir: "/ws/.2nex/cache", workspaceDir: "/ws", mirrors: [], offline: false,
 * });
 * await dropNetworkPermission();
 * ```
 * @module
 */
import { join } from "node:path";
import {
  errorMessage,
  FailureError,
  InvalidInputError,
  IoError,
  type SourcePosition,
  TwonexError,
} from "../util/mod.ts";
import { cachedPath, has, importFile, isSha256, tempDir } from "./cache.ts";
import { download, DownloadError } from "./http.ts";
import { urlFileName } from "./file_name.ts";
import { fileCandidates, LocalRoots } from "./local.ts";
import { type Mirror, mirrorUrl } from "./mirrors.ts";

/** One source of one manifest, as the fetcher needs it. */
export interface FetchItem {
  /** The source's name in its manifest (for messages). */
  name: string;
  /** Expected sha256, 64 lowercase hex digits. */
  sha256: string;
  /** An http(s) URL; exactly one of `url` and `file` is set. */
  url?: string;
  /** A path relative to the manifest, the workspace, or a mirror directory. */
  file?: string;
  /** Absolute directory of the manifest that declares the source. */
  manifestDir: string;
  /** Where the source is declared, for error messages. */
  position?: SourcePosition;
}

/** Where to look, and how hard to try. */
export interface FetchOptions {
  cacheDir: string;
  workspaceDir: string;
  mirrors: Mirror[];
  /** Never open a network connection: only the cache, mirror directories and files. */
  offline: boolean;
  /** Sources fetched at once (default 4). */
  concurrency?: number;
  /** Milliseconds without progress before a download attempt is abandoned (default 30 000). */
  timeoutMs?: number;
  /** Extra attempts after network errors, 5xx, 408 and 429 (default 3). */
  retries?: number;
  /** Redirects followed per download (default 10). */
  maxRedirects?: number;
  /** Delay before the first retry, doubled for each next one (default 1000 ms). */
  retryDelayMs?: number;
  /** Aborting stops all downloads; their temp files are removed. */
  signal?: AbortSignal;
  onEvent?: (event: FetchEvent) => void;
}

interface EventBase {
  /** The source's name (the first one, when several share the sha256). */
  name: string;
  sha256: string;
}

/** What the fetcher is doing, for progress reports. `from` is a URL or a local path. */
export type FetchEvent =
  | EventBase & { kind: "cached"; path: string }
  | EventBase & { kind: "trying"; from: string }
  | EventBase & { kind: "progress"; from: string; bytes: number; total?: number }
  | EventBase & { kind: "retry"; from: string; attempt: number; reason: string; delayMs: number }
  | EventBase & { kind: "skipped"; from: string; reason: string; actualSha256?: string }
  | EventBase & { kind: "fetched"; from: string; path: string; bytes?: number };

const DEFAULTS = {
  concurrency: 4,
  timeoutMs: 30_000,
  retries: 3,
  maxRedirects: 10,
  retryDelayMs: 1000,
};
/** Progress events per download are at most this frequent. */
const PROGRESS_INTERVAL_MS = 250;

type Candidate = { kind: "file"; path: string } | { kind: "url"; url: string };

/** Why one candidate did not do. */
interface Miss {
  from: string;
  reason: string;
  actualSha256?: string;
  notFound?: boolean;
  /** The path resolves outside the workspace and the mirror directories. */
  outside?: boolean;
}

const OUTSIDE_REASON = "not read: outside the workspace and its mirror directories";

/**
 * Ensures every item is in the cache and returns sha256 → cache path, in the
 * order the sha256s first appear in `sources`.
 * Identical sha256s are fetched once; up to `concurrency` at a time. Every
 * source is attempted even when one fails; then one FailureError reports all
 * failures (exit 1). Invalid items (bad sha256, no url/file) are InvalidInputError.
 */
export async function fetchSources(
  sources: FetchItem[],
  opts: FetchOptions,
): Promise<Map<string, string>> {
  const groups = new Map<string, FetchItem[]>();
  for (const item of sources) {
    validateItem(item);
    const group = groups.get(item.sha256);
    if (group === undefined) groups.set(item.sha256, [item]);
    else group.push(item);
  }

  const roots = await LocalRoots.of(opts.workspaceDir, opts.mirrors);
  // Indexed by group so that results and failures come in manifest order, not finishing order.
  const pathsByGroup: string[] = [];
  const failuresByGroup: TwonexError[] = [];
  const work = [...groups.values()].map((items, index) => ({ items, index }));
  await runPool(work, opts.concurrency ?? DEFAULTS.concurrency, async ({ items, index }) => {
    try {
      pathsByGroup[index] = await fetchOne(items, opts, roots);
    } catch (error) {
      if (opts.signal?.aborted) return;
      failuresByGroup[index] = error instanceof TwonexError
        ? error
        : new FailureError(errorMessage(error), { position: items[0].position });
    }
  });
  opts.signal?.throwIfAborted();
  const failures = failuresByGroup.filter((failure) => failure !== undefined);
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    const messages = failures.map((failure) => failure.message).join("\n\n");
    throw new FailureError(`${failures.length} sources could not be fetched:\n\n${messages}`, {
      hint: failures.find((failure) => failure.hint)?.hint,
      position: failures[0].position,
    });
  }
  return new Map(work.map(({ items, index }) => [items[0].sha256, pathsByGroup[index]]));
}

function validateItem(item: FetchItem): void {
  const details = { position: item.position };
  if (!isSha256(item.sha256)) {
    throw new InvalidInputError(
      `source "${item.name}": sha256 must be 64 lowercase hex digits, got "${item.sha256}"`,
      details,
    );
  }
  if ((item.url === undefined) === (item.file === undefined)) {
    throw new InvalidInputError(
      `source "${item.name}": needs exactly one of "url" and "file"`,
      details,
    );
  }
  if (item.url !== undefined) {
    let protocol: string;
    try {
      protocol = new URL(item.url).protocol;
    } catch {
      throw new InvalidInputError(`source "${item.name}": invalid URL "${item.url}"`, details);
    }
    if (protocol !== "http:" && protocol !== "https:") {
      throw new InvalidInputError(
        `source "${item.name}": only http and https URLs are supported, got "${item.url}"`,
        details,
      );
    }
  }
}

/** Gets one sha256 into the cache from the first candidate that has it. */
async function fetchOne(
  items: FetchItem[],
  opts: FetchOptions,
  roots: LocalRoots,
): Promise<string> {
  const { sha256, name } = items[0];
  const destination = cachedPath(opts.cacheDir, sha256);
  const emit = (event: FetchEvent) => opts.onEvent?.(event);
  if (await has(opts.cacheDir, sha256)) {
    emit({ kind: "cached", name, sha256, path: destination });
    return destination;
  }

  const misses: Miss[] = [];
  let neededNetwork = false;
  const seen = new Set<string>();
  for (const item of items) {
    const { list, skippedNetwork } = candidatesFor(item, opts);
    neededNetwork ||= skippedNetwork;
    for (const candidate of list) {
      const from = candidate.kind === "file" ? candidate.path : candidate.url;
      if (seen.has(from)) continue;
      seen.add(from);
      opts.signal?.throwIfAborted();
      emit({ kind: "trying", name, sha256, from });
      const miss = candidate.kind === "file"
        ? await tryFile(candidate.path, sha256, opts, roots)
        : await tryUrl(candidate.url, items[0], opts);
      if (miss === undefined) {
        emit({ kind: "fetched", name, sha256, from, path: destination });
        return destination;
      }
      if (!miss.notFound) {
        const { reason, actualSha256 } = miss;
        emit({ kind: "skipped", name, sha256, from, reason, actualSha256 });
      }
      misses.push(miss);
    }
  }
  throw notFoundError(items, misses, neededNetwork && opts.offline);
}

/** The places to look for one item, in order; network ones are left out when offline. */
function candidatesFor(
  item: FetchItem,
  opts: FetchOptions,
): { list: Candidate[]; skippedNetwork: boolean } {
  const list: Candidate[] = [];
  let skippedNetwork = false;
  const addUrl = (url: string) => {
    if (opts.offline) skippedNetwork = true;
    else list.push({ kind: "url", url });
  };
  if (item.url !== undefined) {
    const fileName = urlFileName(item.url);
    if (fileName !== undefined) {
      for (const mirror of opts.mirrors) {
        if (mirror.kind === "dir") list.push({ kind: "file", path: join(mirror.path, fileName) });
        else addUrl(mirrorUrl(mirror.prefix, fileName));
      }
    }
    addUrl(item.url);
  } else if (item.file !== undefined) {
    for (
      const path of fileCandidates(item.file, item.manifestDir, opts.workspaceDir, opts.mirrors)
    ) {
      list.push({ kind: "file", path });
    }
  }
  return { list, skippedNetwork };
}

/**
 * Copies a local candidate into the cache if its hash matches; else says why
 * not. A path resolving outside the roots is not read, so its hash is never known.
 */
async function tryFile(
  path: string,
  sha256: string,
  opts: FetchOptions,
  roots: LocalRoots,
): Promise<Miss | undefined> {
  try {
    const place = await roots.locate(path);
    if (place.kind === "missing") return { from: path, reason: "not found", notFound: true };
    if (place.kind === "outside") {
      return {
        from: path,
        reason: `${OUTSIDE_REASON} (it resolves to ${place.path})`,
        outside: true,
      };
    }
    const info = await Deno.stat(place.path);
    if (!info.isFile) return { from: path, reason: "not a regular file" };
    const actual = await importFile(opts.cacheDir, place.path, sha256);
    if (actual === sha256) return undefined;
    return { from: path, reason: `sha256 ${actual}`, actualSha256: actual };
  } catch (error) {
    // A full or read-only cache is no reason to try the next candidate.
    if (error instanceof IoError) throw error;
    if (error instanceof Deno.errors.NotFound) {
      return { from: path, reason: "not found", notFound: true };
    }
    return { from: path, reason: errorMessage(error) };
  }
}

/** Downloads a URL candidate into the cache if its hash matches; else says why not. */
async function tryUrl(url: string, item: FetchItem, opts: FetchOptions): Promise<Miss | undefined> {
  const { name, sha256 } = item;
  let lastProgress = 0;
  try {
    const result = await download(url, {
      tempDir: tempDir(opts.cacheDir),
      label: sha256,
      timeoutMs: opts.timeoutMs ?? DEFAULTS.timeoutMs,
      retries: opts.retries ?? DEFAULTS.retries,
      maxRedirects: opts.maxRedirects ?? DEFAULTS.maxRedirects,
      retryDelayMs: opts.retryDelayMs ?? DEFAULTS.retryDelayMs,
      signal: opts.signal,
      onRetry: (info) => opts.onEvent?.({ kind: "retry", name, sha256, from: url, ...info }),
      onProgress: (bytes, total) => {
        const now = Date.now();
        if (now - lastProgress < PROGRESS_INTERVAL_MS && bytes !== total) return;
        lastProgress = now;
        opts.onEvent?.({ kind: "progress", name, sha256, from: url, bytes, total });
      },
    });
    try {
      if (result.sha256 !== sha256) {
        return { from: url, reason: `sha256 ${result.sha256}`, actualSha256: result.sha256 };
      }
      await result.temp.commit(cachedPath(opts.cacheDir, sha256));
      return undefined;
    } finally {
      await result.temp.discard();
    }
  } catch (error) {
    opts.signal?.throwIfAborted();
    if (error instanceof IoError) throw error;
    if (error instanceof DownloadError) {
      // The URL is already at the start of a DownloadError's message.
      return { from: url, reason: error.message.replace(`${url}: `, "") };
    }
    return { from: url, reason: errorMessage(error) };
  }
}

/** The error for a source that no candidate could provide, listing what each candidate had. */
function notFoundError(items: FetchItem[], misses: Miss[], offlineBlocked: boolean): FailureError {
  const item = items[0];
  const origin = item.url ?? item.file ?? "";
  const names = [...new Set(items.map((it) => it.name))].map((n) => `"${n}"`).join(", ");
  const label = `source ${names} (${origin})`;
  const found = misses.filter((miss) => !miss.notFound);
  const missing = misses.filter((miss) => miss.notFound).map((miss) => miss.from);

  const lines: string[] = [];
  const mismatches = found.filter((miss) => miss.actualSha256 !== undefined);
  if (mismatches.length > 0) {
    lines.push(`${label}: sha256 mismatch`);
    lines.push(`  expected: ${item.sha256}`);
  } else if (offlineBlocked) {
    lines.push(`${label} is not in the cache or a mirror, and --offline forbids downloading it`);
  } else {
    lines.push(`${label}: no copy found with sha256 ${item.sha256}`);
  }
  for (const miss of found) {
    lines.push(
      miss.actualSha256 !== undefined
        ? `  actual:   ${miss.actualSha256}  from ${miss.from}`
        : `  ${miss.from}: ${miss.reason}`,
    );
  }
  if (missing.length > 0) lines.push(`  not found: ${missing.join(", ")}`);
  if (offlineBlocked && mismatches.length > 0) {
    lines.push("  (downloading was not tried: --offline)");
  }

  let hint: string | undefined;
  if (found.some((miss) => miss.outside)) {
    hint = "a local source must resolve, after symlinks, inside the workspace or a mirror " +
      "directory; copy the file there";
  } else if (offlineBlocked) {
    hint = "run `2nex fetch` or `2nex vendor DIR` on a connected machine, " +
      "then copy the cache or the vendor directory here";
  } else if (mismatches.length > 0) {
    hint = "the file differs from the one the manifest pins; if upstream changed it " +
      "on purpose, review it and update the sha256";
  } else if (item.file !== undefined) {
    hint = "file sources are looked up relative to the manifest, the workspace, " +
      "then in each mirror directory";
  }
  return new FailureError(lines.join("\n"), { hint, position: item.position });
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function runPool<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
}
