/**
 * The workspace configuration `2nex.yaml` (SPEC section 3): defaults,
 * validation with diagnostics, and paths made absolute.
 *
 * @example
 * ```ts
 * const ws = await loadWorkspace(await findWorkspaceRoot(Deno.cwd()));
 * console.log(ws.config.repo);
 * ```
 * @module
 */
import {
  type Diagnostic,
  DiagnosticBag,
  ENV_NAME_RULE,
  fieldsOf,
  isNullNode,
  keysOf,
  NodeReader,
  offsetOf,
  parseYaml,
  readLimits,
  readTextFile,
  requiredHint,
  ruleProblem,
  type ValueType,
  type YamlNode,
} from "../manifest/mod.ts";
import { InvalidInputError } from "../util/mod.ts";
import { ConfigValues } from "./config_values.ts";
import { readExecutor } from "./config_executor.ts";
import { type BuildLimits, DEFAULT_LIMITS, type SandboxPreference } from "../sandbox/mod.ts";
import { dirname, join } from "node:path";
import { isPublicKey } from "../store/mod.ts";
import type { ExecutorConfig } from "../cluster/light.ts";
import {
  CONFIG_TYPE,
  DEFAULT_SOURCE_DATE_EPOCH,
  DEFAULT_SUBSTITUTER_TIMEOUT_SECONDS,
  DEFAULT_TIMEOUT_SECONDS,
  SANDBOX_PREFERENCES,
  SEMANTICS,
  type Semantics,
  SUBSTITUTER_TYPE,
} from "./config_table.ts";
import {
  CONFIG_FILE,
  defaultPaths,
  isUrlLocation,
  MAX_CONFIG_BYTES,
  mirrorLocation,
} from "./config_paths.ts";

export {
  DEFAULT_SOURCE_DATE_EPOCH,
  DEFAULT_SUBSTITUTER_TIMEOUT_SECONDS,
  DEFAULT_TIMEOUT_SECONDS,
  type Semantics,
} from "./config_table.ts";
export type { SandboxPreference } from "../sandbox/mod.ts";
export { CONFIG_FILE, findWorkspaceRoot } from "./config_paths.ts";

const FIELDS = fieldsOf(CONFIG_TYPE);

/** Where the original builder looked up `file:` sources: next to the manifests' tree. */
export const ORIGINAL_INPUTS_CACHE = "inputs_cache";

export interface WorkspaceConfig {
  /** Absolute directories scanned for manifests. */
  manifests: string[];
  repo: string;
  cache: string;
  /** Directory mirrors are absolute paths; URL prefixes are kept as written. */
  mirrors: string[];
  jobs: number;
  sandbox: SandboxPreference;
  sourceDateEpoch: number;
  env: Record<string, string>;
  /** Seconds a build may run before it is killed. */
  timeout: number;
  semantics: Semantics;
  /** Memory and processes each build may use; a manifest's `build.limits` overrides. */
  limits: BuildLimits;
  /** Binary caches tried before building, in order. */
  substituters: SubstituterConfig[];
  /** Where `build` runs what it must build: here, or as jobs on a Slurm cluster. */
  executor: ExecutorConfig;
}

/** One binary cache: a signed ostree archive repository. */
export interface SubstituterConfig {
  /** An http(s) URL, or an absolute directory path. */
  url: string;
  /** Trusted ed25519 public keys (base64); a result must be signed by one of them. */
  keys: string[];
  /** Seconds to wait for the substituter's list of results before giving up on it. */
  timeout: number;
}

export interface Workspace {
  root: string;
  /** Absent when the workspace has no 2nex.yaml (all defaults). */
  configPath?: string;
  config: WorkspaceConfig;
}

/** The defaults of every key, for a workspace rooted at `root`. */
export function defaultConfig(root: string): WorkspaceConfig {
  return {
    ...defaultPaths(root),
    mirrors: [],
    jobs: FIELDS.jobs.default as number,
    sandbox: FIELDS.sandbox.default as SandboxPreference,
    sourceDateEpoch: DEFAULT_SOURCE_DATE_EPOCH,
    env: {},
    timeout: DEFAULT_TIMEOUT_SECONDS,
    semantics: FIELDS.semantics.default as Semantics,
    substituters: [],
    executor: { kind: "local" },
    limits: { ...DEFAULT_LIMITS },
  };
}

/** Loads the workspace at `root`; throws InvalidInputError with all diagnostics on errors. */
export async function loadWorkspace(root: string): Promise<Workspace> {
  const configPath = join(root, CONFIG_FILE);
  try {
    await Deno.lstat(configPath);
  } catch {
    return { root, config: defaultConfig(root) };
  }
  const read = readTextFile(configPath, MAX_CONFIG_BYTES);
  if (!read.ok) throw new WorkspaceConfigError(read.bag.items);
  const bag = new DiagnosticBag(configPath, read.text);
  const config = await parseConfig(root, read.text, bag);
  if (!config || bag.hasErrors) throw new WorkspaceConfigError(bag.items);
  return { root, configPath, config };
}

/** An invalid 2nex.yaml: carries every diagnostic. */
export class WorkspaceConfigError extends InvalidInputError {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(
      `invalid workspace configuration (${diagnostics.length} problem${
        diagnostics.length === 1 ? "" : "s"
      })`,
    );
  }
}

/** Parses 2nex.yaml text; problems go into `bag`. */
export async function parseConfig(
  root: string,
  text: string,
  bag: DiagnosticBag,
): Promise<WorkspaceConfig | undefined> {
  const config = defaultConfig(root);
  const parsed = await parseYaml(text, bag);
  if (!parsed) return undefined;
  if (isNullNode(parsed.root)) return config;
  const reader = new NodeReader(bag);
  const map = reader.map(parsed.root, "2nex.yaml");
  if (!map) return undefined;
  const values = new ConfigValues(reader, bag, root);
  const textOf = (node: YamlNode | null, what: string) => values.text(node, what);
  const pathList = (node: YamlNode | null, what: string) => values.list(node, what);
  const integer = (node: YamlNode | null, what: string, type: ValueType) =>
    values.integer(node, what, type);
  const abs = (path: string) => values.abs(path);

  for (const { key, value } of reader.entries(map, "2nex.yaml", keysOf(CONFIG_TYPE))) {
    switch (key) {
      case "manifests": {
        const dirs = pathList(value, "manifests");
        if (dirs) config.manifests = dirs.map(abs);
        break;
      }
      case "repo":
      case "cache": {
        const path = textOf(value, key);
        if (path !== undefined) config[key] = abs(path);
        break;
      }
      case "mirrors": {
        if (isNullNode(value)) break;
        const mirrors = pathList(value, "mirrors");
        if (mirrors) config.mirrors = mirrors.map((m) => mirrorLocation(root, m));
        break;
      }
      case "jobs": {
        const jobs = integer(value, "jobs", FIELDS.jobs.type);
        if (jobs !== undefined) config.jobs = jobs;
        break;
      }
      case "timeout": {
        const timeout = integer(value, "timeout", FIELDS.timeout.type);
        if (timeout !== undefined) config.timeout = timeout;
        break;
      }
      case "limits":
        Object.assign(config.limits, readLimits(reader, bag, value, "limits"));
        break;
      case "source_date_epoch": {
        const epoch = integer(value, "source_date_epoch", FIELDS.source_date_epoch.type);
        if (epoch !== undefined) config.sourceDateEpoch = epoch;
        break;
      }
      case "sandbox": {
        const mode = textOf(value, "sandbox");
        if ((SANDBOX_PREFERENCES as readonly string[]).includes(mode ?? "")) {
          config.sandbox = mode as SandboxPreference;
        } else if (mode !== undefined) {
          bag.error(offsetOf(value), `invalid sandbox "${mode}"`, enumHint("sandbox"));
        }
        break;
      }
      case "semantics": {
        const semantics = textOf(value, "semantics");
        if ((SEMANTICS as readonly string[]).includes(semantics ?? "")) {
          config.semantics = semantics as Semantics;
        } else if (semantics !== undefined) {
          bag.error(offsetOf(value), `invalid semantics "${semantics}"`, enumHint("semantics"));
        }
        break;
      }
      case "substituters": {
        if (isNullNode(value)) break;
        const seq = reader.seq(value, "substituters");
        if (!seq) break;
        config.substituters = [];
        for (const item of seq.items) {
          const entry = reader.map(item, "a substituter");
          if (!entry) continue;
          const substituter: SubstituterConfig = {
            url: "",
            keys: [],
            timeout: DEFAULT_SUBSTITUTER_TIMEOUT_SECONDS,
          };
          for (const field of reader.entries(entry, "a substituter", keysOf(SUBSTITUTER_TYPE))) {
            if (field.key === "url") {
              const url = textOf(field.value, "substituter url");
              if (url !== undefined) substituter.url = isUrlLocation(url) ? url : abs(url);
            } else if (field.key === "keys") {
              for (const key of pathList(field.value, "substituter keys") ?? []) {
                if (isPublicKey(key)) substituter.keys.push(key);
                else {
                  bag.error(
                    offsetOf(field.value),
                    `"${key}" is not an ed25519 public key`,
                    "a public key is the base64 of 32 bytes, as `2nex key generate` prints",
                  );
                }
              }
            } else {
              const timeout = integer(
                field.value,
                "substituter timeout",
                fieldsOf(SUBSTITUTER_TYPE).timeout.type,
              );
              if (timeout !== undefined) substituter.timeout = timeout;
            }
          }
          if (substituter.url === "") {
            bag.error(offsetOf(item), "a substituter needs a url");
          } else if (substituter.keys.length === 0) {
            bag.error(
              offsetOf(item),
              `substituter ${substituter.url} has no keys`,
              requiredHint(fieldsOf(SUBSTITUTER_TYPE).keys),
            );
          } else config.substituters.push(substituter);
        }
        break;
      }
      case "executor": {
        const executor = readExecutor(values, value);
        if (executor) config.executor = executor;
        break;
      }
      case "env": {
        if (isNullNode(value)) break;
        const envMap = reader.map(value, "env");
        if (!envMap) break;
        for (const entry of reader.entries(envMap, "env")) {
          const problem = ruleProblem(ENV_NAME_RULE, entry.key);
          if (problem) {
            bag.error(offsetOf(entry.keyNode), problem.message, problem.hint);
            continue;
          }
          const text = textOf(entry.value, `env.${entry.key}`);
          if (text !== undefined) config.env[entry.key] = text;
        }
        break;
      }
    }
  }
  if (config.semantics === "original") {
    // Next to each manifests directory (the workspace root for the default one).
    const caches = config.manifests.map((dir) => join(dirname(dir), ORIGINAL_INPUTS_CACHE));
    config.mirrors = [...new Set([...caches, ...config.mirrors])];
  }
  return config;
}

/** The hint of an enum key's error, from the table. */
function enumHint(key: "sandbox" | "semantics"): string | undefined {
  const type = FIELDS[key].type;
  return type.kind === "text" ? type.hint : undefined;
}

/** The starter 2nex.yaml written by `2nex init`. */
export const STARTER_CONFIG =
  `# 2nex workspace. Every key is optional; the values below are the defaults,
# except env, which is empty by default.
manifests: [manifests]          # directories scanned recursively for *.yaml / *.yml
repo: .2nex/repo                # ostree repository (bare-user-only)
cache: .2nex/cache              # sources, logs, build trees, reports
mirrors: []                     # directories or URL prefixes tried before a source's URL
jobs: 1                         # packages built at once
sandbox: auto                   # auto | bwrap | unshare
limits: { memory: 8G, processes: 4096 }   # per build; a manifest's build.limits overrides
source_date_epoch: ${DEFAULT_SOURCE_DATE_EPOCH}
env:                            # default build environment; part of every input key
  CFLAGS: "-O2 -pipe -frandom-seed=2nex"
`;
