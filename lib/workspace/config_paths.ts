/**
 * The paths a workspace's 2nex.yaml names (manifests, repository, cache,
 * mirrors, binary caches, the Slurm executor's files): what the launcher needs
 * to compute a command's permissions, before any command code is loaded.
 *
 * {@link readConfigPaths} reads them with the fast YAML parser alone, for the
 * plain configurations that nearly every workspace has, and answers undefined
 * for anything else (a key whose value is not plain text, an alias, a binary
 * cache, a Slurm executor, `semantics: original`): the launcher then loads the
 * full reader (config.ts), whose validation and diagnostics cost most of the
 * program's modules. Both readers take their defaults and path rules from
 * here, and a unit test holds them to the same answer.
 *
 * @example
 * ```ts
 * const root = await findWorkspaceRoot(Deno.cwd());
 * const paths = await readConfigPaths(root); // undefined: ask config.ts
 * console.log(paths?.repo);
 * ```
 * @module
 */
import { isAbsolute, join, resolve } from "node:path";
import {
  fastParseDocument,
  isYamlMap,
  isYamlScalar,
  isYamlSeq,
  scalarText,
  type YamlNode,
} from "../manifest/light.ts";
import type { WorkspaceConfig } from "./config.ts";

export const CONFIG_FILE = "2nex.yaml";

/** The largest 2nex.yaml read (config.ts reports a larger one). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** What a workspace's permissions depend on in its configuration. */
export interface ConfigPaths {
  /** Absolute directories scanned for manifests. */
  manifests: string[];
  repo: string;
  cache: string;
  /** Absolute directories and URL prefixes, as the configuration gives them. */
  mirrors: string[];
  /** Absolute directories and URLs. */
  substituterUrls: string[];
  slurm?: { cache: string; key: string; nodeDir?: string };
}

/** The default paths of a workspace rooted at `root`. */
export function defaultPaths(root: string): Pick<ConfigPaths, "manifests" | "repo" | "cache"> {
  return {
    manifests: [join(root, "manifests")],
    repo: join(root, ".2nex/repo"),
    cache: join(root, ".2nex/cache"),
  };
}

/** A path as written in 2nex.yaml, made absolute against the workspace root. */
export function workspacePath(root: string, path: string): string {
  return isAbsolute(path) ? path : resolve(root, path);
}

/** True for a mirror or substituter given as an http(s) URL rather than a directory. */
export function isUrlLocation(text: string): boolean {
  return /^https?:\/\//.test(text);
}

/** A mirror as 2nex uses it: a URL prefix as written, a directory made absolute. */
export function mirrorLocation(root: string, mirror: string): string {
  return isUrlLocation(mirror) ? mirror : workspacePath(root, mirror);
}

/** The nearest directory upward from `start` holding 2nex.yaml, else `start`. */
export async function findWorkspaceRoot(start: string): Promise<string> {
  let dir = resolve(start);
  while (true) {
    try {
      await Deno.stat(join(dir, CONFIG_FILE));
      return dir;
    } catch {
      // Not here; look further up.
    }
    const parent = resolve(dir, "..");
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}

/** The paths of a configuration the full reader (config.ts) has read. */
export function configPathsOf(config: WorkspaceConfig): ConfigPaths {
  const slurm = config.executor.kind === "slurm" ? config.executor.slurm : undefined;
  return {
    manifests: config.manifests,
    repo: config.repo,
    cache: config.cache,
    mirrors: config.mirrors,
    substituterUrls: config.substituters.map((substituter) => substituter.url),
    ...(slurm
      ? {
        slurm: {
          cache: slurm.cache,
          key: slurm.key,
          ...(slurm.nodeDir ? { nodeDir: slurm.nodeDir } : {}),
        },
      }
      : {}),
  };
}

/**
 * The paths of the workspace at `root` when its 2nex.yaml is missing or plain
 * enough to read without validation; undefined when only config.ts can tell.
 */
export async function readConfigPaths(root: string): Promise<ConfigPaths | undefined> {
  const configPath = join(root, CONFIG_FILE);
  let text: string;
  try {
    const info = await Deno.lstat(configPath);
    if (!info.isFile || info.size > MAX_CONFIG_BYTES) return undefined;
    text = await Deno.readTextFile(configPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return plainPaths(root, new Map());
    return undefined;
  }
  // The fast parser leaves a document without content to the library.
  if (text.split("\n").every((line) => /^\s*(#.*)?$/.test(line))) {
    return plainPaths(root, new Map());
  }
  let document;
  try {
    document = fastParseDocument(text);
  } catch {
    return undefined; // a YAML error: config.ts reports it
  }
  if (document === undefined) return undefined;
  const top = document.contents;
  if (isYamlScalar(top) && top.value === null) return plainPaths(root, new Map());
  if (!isYamlMap(top)) return undefined;
  const entries = new Map<string, YamlNode | null>();
  for (const { key, value } of top.pairs) {
    const name = key && isYamlScalar(key) ? key.value : undefined;
    if (typeof name !== "string" || entries.has(name)) return undefined;
    entries.set(name, value);
  }
  return plainPaths(root, entries);
}

/** The paths of a configuration's top-level entries, if every one that names a path is plain. */
function plainPaths(
  root: string,
  entries: Map<string, YamlNode | null>,
): ConfigPaths | undefined {
  const paths: ConfigPaths = { ...defaultPaths(root), mirrors: [], substituterUrls: [] };
  for (const [key, value] of entries) {
    switch (key) {
      case "manifests": {
        const dirs = textList(value);
        if (dirs === undefined) return undefined;
        paths.manifests = dirs.map((dir) => workspacePath(root, dir));
        break;
      }
      case "repo":
      case "cache": {
        const path = text(value);
        if (path === undefined) return undefined;
        paths[key] = workspacePath(root, path);
        break;
      }
      case "mirrors": {
        if (isNull(value)) break;
        const mirrors = textList(value);
        if (mirrors === undefined) return undefined;
        paths.mirrors = mirrors.map((mirror) => mirrorLocation(root, mirror));
        break;
      }
      case "substituters":
        if (!isNull(value)) return undefined;
        break;
      case "executor":
        if (text(value) !== "local") return undefined;
        break;
      case "semantics": {
        // `original` adds mirrors next to the manifests (config.ts).
        const semantics = text(value);
        if (semantics === undefined || semantics === "original") return undefined;
        break;
      }
        // The other keys (jobs, limits, env, …) name no path.
    }
  }
  return paths;
}

function isNull(node: YamlNode | null): boolean {
  return node === null || (isYamlScalar(node) && node.value === null);
}

/** A scalar written as text (not a number, a boolean or null), else undefined. */
function text(node: YamlNode | null): string | undefined {
  return node && isYamlScalar(node) && typeof node.value === "string"
    ? scalarText(node)
    : undefined;
}

/** A list of texts, or one text written without the list, else undefined. */
function textList(node: YamlNode | null): string[] | undefined {
  const one = text(node);
  if (one !== undefined) return [one];
  if (!node || !isYamlSeq(node)) return undefined;
  const out: string[] = [];
  for (const item of node.items) {
    const value = text(item);
    if (value === undefined) return undefined;
    out.push(value);
  }
  return out;
}
