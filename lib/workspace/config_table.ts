/**
 * The keys of `2nex.yaml` (SPEC section 3) as one table: types, patterns,
 * enums, defaults and hints. config.ts reads it; scripts/json-schemas.ts
 * writes docs/schemas/config.schema.json from it. What a table cannot say
 * (a substituter's keys are public keys, slurm needs `cache` and `key`
 * together) stays in config.ts.
 * @module
 */
import { ENV_NAME_RULE, LIMITS_TYPE, type ValueType } from "../manifest/mod.ts";
import { DEFAULT_POLL_SECONDS } from "../cluster/light.ts";
import type { SandboxPreference } from "../sandbox/mod.ts";

export const DEFAULT_SUBSTITUTER_TIMEOUT_SECONDS = 30;
export const DEFAULT_SOURCE_DATE_EPOCH = 1704067200;
export const DEFAULT_TIMEOUT_SECONDS = 4 * 3600;

export const SANDBOX_PREFERENCES: readonly SandboxPreference[] = ["auto", "bwrap", "unshare"];

/**
 * Whose semantics a workspace's manifests are built with: 2nex's own, or the
 * original builder's (`lib/original/`), for trees written for it.
 */
export const SEMANTICS = ["2nex", "original"] as const;
export type Semantics = typeof SEMANTICS[number];

const text: ValueType = { kind: "text", allowEmpty: true };
/** One text, or a list of them. */
const texts: ValueType = { kind: "list", items: text, orScalar: true };

/** The options under `executor: {slurm: …}` (see lib/cluster/). */
export const SLURM_TYPE: ValueType = {
  kind: "map",
  fields: {
    cache: {
      type: text,
      required: "cache: a directory every node can write (the signed binary cache results " +
        "move through); key: the secret key jobs sign with (`2nex key generate FILE`)",
      description: "a directory every node can write: the signed binary cache results move through",
    },
    key: {
      type: text,
      required: "",
      description: "the secret key jobs sign with (`2nex key generate FILE`)",
    },
    partition: { type: text, description: "the Slurm partition of the jobs" },
    account: { type: text, description: "the Slurm account of the jobs" },
    sbatch_args: { type: texts, description: "more arguments for sbatch" },
    node_dir: {
      type: text,
      description: "node-local directory for each job (default: the node's TMPDIR)",
    },
    poll_seconds: {
      type: { kind: "integer", min: 1 },
      description: "seconds between two looks at the jobs' states",
      default: DEFAULT_POLL_SECONDS,
    },
  },
};

export const EXECUTOR_HINT = "use `local`, or `slurm:` with at least `cache:` and `key:` under it";

/** `executor:` written as a map. */
export const EXECUTOR_MAP_TYPE: ValueType = {
  kind: "map",
  fields: {
    local: { type: { kind: "any" }, description: "build here" },
    slurm: { type: SLURM_TYPE, description: "build as jobs on a Slurm cluster" },
  },
};

export const SUBSTITUTER_TYPE: ValueType = {
  kind: "map",
  fields: {
    url: { type: text, required: "", description: "an http(s) URL, or a directory path" },
    keys: {
      type: texts,
      required: "list the public keys whose signatures you trust under `keys:`",
      description: "trusted ed25519 public keys (base64), as `2nex key generate` prints",
    },
    timeout: {
      type: { kind: "integer", min: 1 },
      description: "seconds to wait for its list of results",
      default: DEFAULT_SUBSTITUTER_TIMEOUT_SECONDS,
    },
  },
};

/** The whole 2nex.yaml. Every key is optional. */
export const CONFIG_TYPE: ValueType = {
  kind: "map",
  fields: {
    manifests: {
      type: texts,
      description: "directories scanned recursively for *.yaml / *.yml manifests",
      default: ["manifests"],
    },
    repo: {
      type: text,
      description: "the ostree repository (bare-user-only)",
      default: ".2nex/repo",
    },
    cache: {
      type: text,
      description: "sources, logs, build trees, reports",
      default: ".2nex/cache",
    },
    mirrors: {
      type: texts,
      nullable: true,
      description: "directories or URL prefixes tried, by file name, before a source's URL",
      default: [],
    },
    jobs: { type: { kind: "integer", min: 1 }, description: "packages built at once", default: 1 },
    sandbox: {
      type: { kind: "text", oneOf: SANDBOX_PREFERENCES, hint: 'use "auto", "bwrap" or "unshare"' },
      description: "the sandbox tool; auto: bwrap if it works, else unshare",
      default: "auto",
    },
    source_date_epoch: {
      type: { kind: "integer", min: 0 },
      description: "SOURCE_DATE_EPOCH of every build",
      default: DEFAULT_SOURCE_DATE_EPOCH,
    },
    env: {
      type: { kind: "dict", key: ENV_NAME_RULE, values: text },
      nullable: true,
      description: "the default build environment; part of every input key",
    },
    timeout: {
      type: { kind: "integer", min: 1 },
      description: "seconds a build may run before it is killed",
      default: DEFAULT_TIMEOUT_SECONDS,
    },
    semantics: {
      type: {
        kind: "text",
        oneOf: SEMANTICS,
        hint: 'use "2nex" (the default) or "original" (trees written for the original builder)',
      },
      description: "2nex, or original: build a tree written for the original builder as it did",
      default: "2nex",
    },
    substituters: {
      type: { kind: "list", items: SUBSTITUTER_TYPE },
      nullable: true,
      description: "binary caches asked before building, in order",
    },
    executor: {
      type: {
        kind: "choice",
        choices: [
          { kind: "text", oneOf: ["local"], hint: EXECUTOR_HINT },
          EXECUTOR_MAP_TYPE,
        ],
      },
      description: "where builds run: local, or slurm with its options",
      default: "local",
    },
    limits: {
      type: LIMITS_TYPE,
      nullable: true,
      description: "memory and processes each build may use; a manifest's build.limits overrides",
    },
  },
};
