/**
 * The fetch queue of a build: every source that a package of the plan may need
 * is fetched before any build starts, so the network permission can be dropped
 * for the rest of the run. A package whose result is already cached (and whose
 * dependencies are) needs no sources.
 * @module
 */
import { dirname } from "node:path";
import type { GraphNode } from "../graph/mod.ts";
import type { Manifest } from "../manifest/mod.ts";
import {
  dropNetworkPermission,
  type FetchEvent,
  type FetchItem,
  fetchSources,
  parseMirrors,
} from "../source/mod.ts";
import type { BuildServices } from "./types.ts";
import { describe } from "./describe.ts";
import { hasCachedResult } from "./node_results.ts";
import { TwonexError } from "../util/mod.ts";

export interface FetchPlanOptions {
  offline: boolean;
  rebuild: Set<GraphNode>;
  out: { info(text: string): void };
}

/**
 * Fetches the sources of every node that is not cached, then drops the network
 * permission. A package whose sources cannot be had does not stop the others:
 * its error is returned, and the scheduler fails it and skips its dependents.
 */
export async function fetchPlanSources(
  order: GraphNode[],
  services: BuildServices,
  options: FetchPlanOptions,
): Promise<Map<GraphNode, TwonexError>> {
  const needed: GraphNode[] = [];
  for (const node of order) {
    if (options.rebuild.has(node) || !(await hasCachedResult(node, services))) needed.push(node);
  }
  const failures = new Map<GraphNode, TwonexError>();
  if (options.offline) await dropNetworkPermission();
  try {
    // One package at a time keeps each failure attached to its package; the
    // fetcher downloads a package's sources concurrently.
    for (const node of needed) {
      if (node.manifest.sources.length === 0) continue;
      try {
        await fetchManifestSources([node.manifest], services.ws, { ...options, keepNetwork: true });
      } catch (error) {
        if (!(error instanceof TwonexError)) throw error;
        failures.set(node, error);
      }
    }
  } finally {
    await dropNetworkPermission();
  }
  return failures;
}

/** Fetches the sources of `manifests` into the cache (offline: cache and mirror directories only). */
export async function fetchManifestSources(
  manifests: Manifest[],
  ws: BuildServices["ws"],
  options: { offline: boolean; out: { info(text: string): void }; keepNetwork?: boolean },
): Promise<Map<string, string>> {
  if (options.offline) await dropNetworkPermission();
  const items = fetchItems(manifests);
  try {
    return await fetchSources(items, {
      cacheDir: ws.config.cache,
      workspaceDir: ws.root,
      mirrors: parseMirrors(ws.config.mirrors, ws.root),
      offline: options.offline,
      onEvent: (event: FetchEvent) => {
        if (event.kind === "fetched") options.out.info(`fetched ${event.name} from ${event.from}`);
        if (event.kind === "retry") options.out.info(`retrying ${event.name} (${event.reason})`);
      },
    });
  } finally {
    if (!options.keepNetwork) await dropNetworkPermission();
  }
}

/** The sources of manifests as the fetcher wants them. */
export function fetchItems(manifests: Manifest[]): FetchItem[] {
  return manifests.flatMap((m) =>
    m.sources.map((s) => ({
      name: `${s.name} of ${describe(m)}`,
      sha256: s.sha256,
      url: s.url,
      file: s.file,
      manifestDir: dirname(m.path),
      position: { file: m.path, ...s.position },
    }))
  );
}
