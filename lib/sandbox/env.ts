/**
 * The fixed build environment of SPEC section 5, as an ordered list of
 * name/value pairs. Everything a build sees in its environment comes from here;
 * the sandbox clears the rest.
 *
 * @example
 * ```ts
 * const env = fixedEnvironment({
 *   mode: "hermetic", sourceDateEpoch: 1704067200, jobs: 2,
 *   sources: [{ name: "m4", index: 0, path: "/2nex/sources/m4/m4-1.4.19.tar.xz" }],
 *   workspaceEnv: [["CFLAGS", "-O2"]], buildEnv: [],
 * });
 * ```
 * @module
 */
import { InvalidInputError } from "../util/mod.ts";
import type { SandboxMode } from "./types.ts";

/** Paths every sandbox uses, shared by the environment and the mount layout. */
export const SandboxPaths = {
  sources: "/2nex/sources",
  work: "/2nex/work",
  out: "/2nex/out",
  script: "/2nex/script",
  home: "/homeless-shelter",
  bootstrapSysroot: "/bootstrap",
  bootstrapTools: "/bootstrap/tools",
} as const;

/** The target triple when a package sets none. */
export const DEFAULT_TARGET = "x86_64-pc-linux-gnu";

/** PATH in hermetic mode; host mode puts the bootstrap tools first. */
export const BASE_PATH = "/usr/bin:/bin:/usr/sbin:/sbin";

/** One source as the build sees it. */
export interface SourceVariable {
  /**
   * The manifest's source name: becomes SOURCE_<name> as it is, even when that is
   * no shell variable name (programs still see it; scripts use SOURCE<index>).
   */
  name: string;
  /** 0-based position in the manifest's `sources` list: becomes SOURCE<index>. */
  index: number;
  /** Path of the source file inside the sandbox, e.g. /2nex/sources/m4/m4-1.4.19.tar.xz (see sourceSandboxPath). */
  path: string;
}

export interface FixedEnvironmentOptions {
  mode: SandboxMode;
  sourceDateEpoch: number;
  sources: SourceVariable[];
  /** Default DEFAULT_TARGET. */
  target?: string;
  /** MAKEFLAGS=-jN. */
  jobs: number;
  /** The workspace config's `env`, in its order. */
  workspaceEnv: Iterable<[string, string]>;
  /** The manifest's `build.env`, in its order. */
  buildEnv: Iterable<[string, string]>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** What execve and both helpers accept as a name: anything but "=" and NUL. */
const ENVIRONMENT_NAME = /^[^=\0]+$/;

/**
 * The complete environment of a build, in order: PATH, HOME, TMPDIR, LC_ALL, TZ,
 * SOURCE_DATE_EPOCH, WORK_DIR, OUT_DIR, then per source SOURCE_<name> and
 * SOURCE<index> (index 0-based, in manifest order), TARGET, MAKEFLAGS, in host
 * mode BOOTSTRAP_SYSROOT and BOOTSTRAP_TOOLS, then the workspace env, then the
 * build env. A later entry with the name of an earlier one replaces its value
 * and keeps the earlier position, so the order only depends on the inputs.
 * Throws InvalidInputError for a name that is not a shell variable name or a
 * value holding a NUL byte.
 */
export function fixedEnvironment(options: FixedEnvironmentOptions): Array<[string, string]> {
  if (!Number.isSafeInteger(options.jobs) || options.jobs < 1) {
    throw new InvalidInputError(`jobs must be a positive integer, not ${options.jobs}`);
  }
  if (!Number.isSafeInteger(options.sourceDateEpoch) || options.sourceDateEpoch < 0) {
    throw new InvalidInputError(
      `source_date_epoch must be a non-negative integer, not ${options.sourceDateEpoch}`,
    );
  }
  const env = new Map<string, string>();
  const set = (name: string, value: string, anyName = false) => {
    if (anyName ? !ENVIRONMENT_NAME.test(name) : !NAME.test(name)) {
      throw new InvalidInputError(`invalid environment variable name "${name}"`, {
        hint: "names are letters, digits and underscores, not starting with a digit",
      });
    }
    if (value.includes("\0")) {
      throw new InvalidInputError(`environment variable ${name} holds a NUL byte`);
    }
    env.set(name, value);
  };

  const bootstrapPath = `${SandboxPaths.bootstrapTools}/bin`;
  set("PATH", options.mode === "host" ? `${bootstrapPath}:${BASE_PATH}` : BASE_PATH);
  set("HOME", SandboxPaths.home);
  set("TMPDIR", "/tmp");
  set("LC_ALL", "C");
  set("TZ", "UTC");
  set("SOURCE_DATE_EPOCH", String(options.sourceDateEpoch));
  set("WORK_DIR", SandboxPaths.work);
  set("OUT_DIR", SandboxPaths.out);
  for (const source of options.sources) {
    set(`SOURCE_${source.name}`, source.path, true);
    set(`SOURCE${source.index}`, source.path);
  }
  set("TARGET", options.target ?? DEFAULT_TARGET);
  set("MAKEFLAGS", `-j${options.jobs}`);
  if (options.mode === "host") {
    set("BOOTSTRAP_SYSROOT", SandboxPaths.bootstrapSysroot);
    set("BOOTSTRAP_TOOLS", SandboxPaths.bootstrapTools);
  }
  for (const [name, value] of options.workspaceEnv) set(name, value);
  for (const [name, value] of options.buildEnv) set(name, value);
  return [...env];
}
