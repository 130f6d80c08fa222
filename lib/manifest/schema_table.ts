/**
 * The keys of a manifest, schema 1 (SPEC section 4), as one table: their
 * types, which are required, their patterns and the hints their errors show.
 * The validator (validate*.ts) reads it; scripts/json-schemas.ts writes
 * docs/schemas/manifest.schema.json from it. Checks across keys (url or file,
 * duplicate names, bundles naming outputs) stay in the validator's code.
 * @module
 */
import { LIMIT_KEYS, MIN_PROCESSES } from "../sandbox/mod.ts";
import type { Field, TextRule, ValueType } from "./schema_types.ts";

export const SLUG_RULE: TextRule = {
  pattern: /^[a-z0-9][a-z0-9._+_-]*$/,
  label: "slug",
  hint: "a slug is lowercase letters, digits and . _ + -, starting with a letter or digit",
};

export const VERSION_RULE: TextRule = {
  pattern: /^[A-Za-z0-9][A-Za-z0-9._+~-]*$/,
  label: "version",
  hint: "a version is letters, digits and . _ + ~ -, with no spaces or slashes",
};

export const FLAVOR_RULE: TextRule = {
  pattern: /^[A-Za-z0-9][A-Za-z0-9._+-]*(\/[A-Za-z0-9][A-Za-z0-9._+-]*)*$/,
  label: "flavor",
  hint: 'a flavor is path segments of letters, digits and . _ + -, separated by "/"',
};

/**
 * Any text but "/", NUL, "=" and line breaks, and not "." or "..": a directory
 * name under /2nex/sources, and an environment variable name after SOURCE_.
 */
export const SOURCE_NAME_RULE: TextRule = {
  pattern: /^(?!\.\.?$)[^/\0\n\r=]+$/,
  label: "source name",
  hint:
    'a source name is any text without "/", "=", NUL or a line break, and not "." or ".." (the build sees $SOURCE_<name> and $SOURCE<i>)',
};

export const URL_RULE: TextRule = {
  pattern: /^https?:\/\/[^\s]+$/,
  label: "URL",
  hint: "sources are fetched over https:// or http:// (the sha256 makes either safe)",
};

export const VAR_NAME_RULE: TextRule = {
  pattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
  label: "var name",
  hint: "var names are letters, digits and _, not starting with a digit",
};

/** Also the keys of the workspace's `env`. */
export const ENV_NAME_RULE: TextRule = {
  pattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
  label: "environment variable name",
};

const OUTPUT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const OUTPUT_NAME_RULE: TextRule = {
  pattern: OUTPUT_NAME_PATTERN,
  label: "output name",
  hint: "output names are letters, digits and . _ -",
};
export const BUNDLE_NAME_RULE: TextRule = {
  pattern: OUTPUT_NAME_PATTERN,
  label: "bundle name",
  hint: "bundle names are letters, digits and . _ -",
};

export const SANDBOX_MODES = ["hermetic", "host"] as const;

const text = (extra: Omit<Extract<ValueType, { kind: "text" }>, "kind"> = {}): ValueType => ({
  kind: "text",
  ...extra,
});
const textList: ValueType = { kind: "list", items: text(), orTemplate: true, orNull: true };

/** `limits:` of a manifest's build and of the workspace (lib/sandbox/limits.ts). */
export const LIMITS_TYPE: ValueType = {
  kind: "map",
  fields: {
    [LIMIT_KEYS[0]]: {
      type: {
        kind: "size",
        hint: "write bytes or a number with K, M, G or T (powers of 1024), e.g. 8G",
      },
      description: "memory each build may use (address space per process with rlimits)",
      default: "8G",
    },
    [LIMIT_KEYS[1]]: {
      type: { kind: "integer", min: MIN_PROCESSES },
      description: "processes and threads each build may run at once",
      default: 4096,
    },
  },
};

const PACKAGE: Record<string, Field> = {
  schema: {
    type: {
      kind: "text",
      oneOf: ["1"],
      literal: true,
      hint: "this version of 2nex reads schema 1",
    },
    required: "add `schema: 1`",
    description: "the manifest format; 1",
  },
  name: { type: text(), description: "the human name" },
  slug: {
    type: text({ rule: SLUG_RULE, literal: true }),
    required: "",
    description: "the package's id, which dependencies name",
  },
  version: { type: text({ rule: VERSION_RULE }), required: "", description: "the version" },
  flavor: {
    type: text({ rule: FLAVOR_RULE }),
    description: 'a variant, may contain "/" (bootstrap/phase0)',
    default: "main",
  },
  description: { type: text(), description: "one line on what it is" },
  homepage: { type: text({ allowEmpty: true }), description: "its web page; may be empty" },
  checksum: {
    type: { kind: "hex64" },
    nullable: true,
    description: "the expected output hash (SPEC section 6)",
  },
  sha256: { type: { kind: "hex64" }, nullable: true, description: "alias of checksum" },
  stable_checksum: {
    type: { kind: "boolean" },
    description: "false: a hash mismatch only warns (host-built bootstrap phases)",
    default: true,
  },
};

const SOURCE: Record<string, Field> = {
  name: {
    type: text({ rule: SOURCE_NAME_RULE, literal: true }),
    required: "",
    description: "the build sees the source as $SOURCE_<name> and $SOURCE<i>",
  },
  url: { type: text({ rule: URL_RULE }), description: "where to fetch it (https:// or http://)" },
  file: {
    type: text(),
    description: "instead of url: a path relative to the manifest, the workspace or a mirror",
  },
  sha256: {
    type: { kind: "hex64" },
    required: "every source is pinned by its sha256",
    description: "the sha256 of the file",
  },
};

const DEPENDENCY: Record<string, Field> = {
  name: { type: text(), required: "", description: "the slug of another manifest" },
  version: { type: text(), description: "narrows the name to this version" },
  flavor: { type: text(), description: "narrows the name to this flavor" },
  bundle: {
    type: text(),
    description: 'the bundle used; default "default", else the only bundle, else the whole result',
  },
  commit: { type: text(), description: "the original form: an ostree ref of a bundle or output" },
};

const BUILD: Record<string, Field> = {
  sandbox: {
    type: text({
      oneOf: SANDBOX_MODES,
      literal: true,
      hint: 'use "hermetic" (the default) or "host"',
    }),
    description: "hermetic: only the dependencies; host: the host's /usr (bootstrap phases)",
    default: "hermetic",
  },
  env: {
    type: { kind: "dict", key: ENV_NAME_RULE, values: text({ allowEmpty: true }) },
    nullable: true,
    description: "added to the workspace's env; part of the input key",
  },
  source_date_epoch: {
    type: { kind: "integer", min: 0 },
    description: "SOURCE_DATE_EPOCH of this build (overrides the workspace's)",
  },
  script: { type: text(), required: "", description: "bash, run with -euo pipefail" },
  shell: { type: text(), description: "absolute path of the bash that runs the script" },
  timeout: { type: { kind: "integer", min: 1 }, description: "seconds before the build is killed" },
  limits: {
    type: LIMITS_TYPE,
    nullable: true,
    description: "overrides the workspace's limits, key by key",
  },
};

/** The whole manifest. */
export const MANIFEST_TYPE: ValueType = {
  kind: "map",
  fields: {
    package: {
      type: { kind: "map", fields: PACKAGE },
      required: "",
      description: "who the package is",
    },
    vars: {
      type: { kind: "dict", key: VAR_NAME_RULE, values: { kind: "any" } },
      nullable: true,
      description: "named values for templating; they may use each other, without cycles",
    },
    sources: {
      type: { kind: "list", items: { kind: "map", fields: SOURCE, exactlyOne: ["url", "file"] } },
      nullable: true,
      description: "files the build reads, each pinned by its sha256",
    },
    dependencies: {
      type: { kind: "list", items: { kind: "map", fields: DEPENDENCY } },
      nullable: true,
      description: "packages whose results the build sees",
    },
    build: {
      type: { kind: "map", fields: BUILD },
      required: "add `build: { script: ... }`",
      description: "how the package is built",
    },
    outputs: {
      type: { kind: "dict", key: OUTPUT_NAME_RULE, values: textList },
      nullable: true,
      description: 'name -> absolute paths or globs inside OUT_DIR; "discard" drops files',
    },
    bundles: {
      type: { kind: "dict", key: BUNDLE_NAME_RULE, values: textList },
      nullable: true,
      description: "name -> output names",
    },
  },
};
