/**
 * The typed, validated and evaluated form of a manifest (SPEC section 4).
 * Data from YAML only gets these types after validation.
 * @module
 */

import type { BuildLimits } from "../sandbox/mod.ts";

/** "hermetic": only the dependencies; "host": the host's /usr and friends (bootstrap phases). */
export type SandboxMode = "hermetic" | "host";

/**
 * A 1-based line and column in the manifest's own file (`Manifest.path`).
 * Positions leave the path out: it is the same for all of them, and a cached
 * or transferred manifest was a fifth path strings.
 */
export interface LineCol {
  line: number;
  col: number;
}

export interface PackageInfo {
  schema: 1;
  name?: string;
  slug: string;
  version: string;
  /** Variant, may contain "/"; "main" when absent. */
  flavor: string;
  description?: string;
  homepage?: string;
  /** Expected output hash (64 hex), from `checksum` or its alias `sha256`. */
  checksum?: string;
  /** False: a hash mismatch only warns (host-built bootstrap phases). */
  stableChecksum: boolean;
}

export interface SourceSpec {
  /** [A-Za-z0-9_]+; the build sees it as $SOURCE_<name>. */
  name: string;
  url?: string;
  /** Path relative to the manifest, the workspace or a mirror directory. */
  file?: string;
  sha256: string;
  position: LineCol;
}

export interface DependencySpec {
  /** Slug of another manifest (or, for `commit:` deps, a free label). */
  name: string;
  version?: string;
  flavor?: string;
  bundle?: string;
  /** The original form: an ostree ref of a bundle or output. */
  commit?: string;
  position: LineCol;
}

export interface BuildSpec {
  sandbox: SandboxMode;
  env: Record<string, string>;
  sourceDateEpoch?: number;
  script: string;
  /** Absolute path, inside the sandbox, of the bash that runs the script; default: /usr/bin/bash or /bin/bash. */
  shell?: string;
  /** Seconds before the build is killed; undefined means the workspace default. */
  timeout?: number;
  /** Limits set here; the others are the workspace's. Not part of the input key. */
  limits?: Partial<BuildLimits>;
}

export interface Manifest {
  /** Absolute path of the manifest file. */
  path: string;
  package: PackageInfo;
  vars: Record<string, unknown>;
  sources: SourceSpec[];
  dependencies: DependencySpec[];
  build: BuildSpec;
  /** Output name -> absolute paths or globs inside OUT_DIR. "discard" drops files. */
  outputs: Record<string, string[]>;
  /** Bundle name -> output names. */
  bundles: Record<string, string[]>;
}

/** The identity of a built package: what its refs are made of. */
export interface PackageId {
  arch: string;
  slug: string;
  version: string;
  flavor: string;
}
