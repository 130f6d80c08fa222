/**
 * The original builder's semantics, for workspaces with `semantics: original`
 * in 2nex.yaml: which mode a package builds in, the environment it gets, and
 * the shell options. The manifests themselves stay as they were written.
 *
 * - Bootstrap mode (flavors `bootstrap/phase0` and `bootstrap/phase1`, which the
 *   original builder ran with `--bootstrap`): the host's system directories
 *   (read-only in 2nex) and a plain, writable `/bootstrap` holding the
 *   dependencies' `/bootstrap`, which a script may move into `$OUT_DIR`.
 * - Chroot mode (every other package): `/` is a writable copy of the union of
 *   the dependencies, with the merged-/usr links where they are missing.
 *
 * @example
 * ```ts
 * const mode = originalMode("bootstrap/phase0"); // "bootstrap"
 * const env = originalEnvironment({
 *   mode, sourceDateEpoch: 1704067200, jobs: 2, sources: [], workDir: "/build", outDir: "/out",
 * });
 * ```
 * @module
 */
import { InvalidInputError } from "../util/mod.ts";

export type OriginalMode = "bootstrap" | "chroot";

/** Flavors whose packages the original builder built with `--bootstrap`. */
export const BOOTSTRAP_PHASES = ["bootstrap/phase0", "bootstrap/phase1"] as const;

/** Hostname of the original builder's sandbox. */
export const ORIGINAL_HOSTNAME = "2nex-builder";

/** `bash -o errexit -o nounset`: the original builder ran scripts without pipefail. */
export const ORIGINAL_SHELL_OPTIONS = ["-o", "errexit", "-o", "nounset"] as const;

/** Where chroot-mode builds also find each source, by its file name. */
export const ORIGINAL_INPUTS_DIR = "/inputs";

/** BOOTSTRAP_SYSROOT in bootstrap mode: a plain directory of the sandbox's writable root. */
export const ORIGINAL_BOOTSTRAP_SYSROOT = "/bootstrap";

/**
 * The merged-/usr links chroot mode creates where the dependencies provide
 * nothing at that path, in this order (a link's parent before links inside it).
 */
export const MERGED_USR_LINKS: ReadonlyArray<readonly [path: string, target: string]> = [
  ["bin", "usr/bin"],
  ["sbin", "usr/bin"],
  ["lib", "usr/lib"],
  ["lib64", "usr/lib"],
  ["usr/lib64", "lib"],
  ["usr/sbin", "bin"],
];

/** The mode of a package of the given flavor (a phase's sub-flavors included). */
export function originalMode(flavor: string): OriginalMode {
  return BOOTSTRAP_PHASES.some((phase) => flavor === phase || flavor.startsWith(`${phase}/`))
    ? "bootstrap"
    : "chroot";
}

const FRANDOM_SEED = "-frandom-seed=424242";
const MARCH = "-march=x86-64 -mtune=generic";
const CHROOT_CFLAGS_BEFORE_ASSERTIONS =
  `${MARCH} -O2 -pipe -fno-plt -fexceptions -Wp,-D_FORTIFY_SOURCE=2 -Wformat ` +
  `-Werror=format-security -fstack-clash-protection -fcf-protection`;
const CHROOT_CFLAGS_AFTER_ASSERTIONS = `-fPIC -fno-common -fno-omit-frame-pointer ${FRANDOM_SEED}`;

/** The variables only one mode sets, in the order the build sees them. */
const MODE_VARIABLES: Record<OriginalMode, ReadonlyArray<readonly [string, string]>> = {
  bootstrap: [
    ["PATH", "/bootstrap/tools/bin:/usr/bin"],
    ["TARGET", "x86_64-2nex-linux-gnu"],
    ["BOOTSTRAP_SYSROOT", ORIGINAL_BOOTSTRAP_SYSROOT],
    ["BOOTSTRAP_TOOLS", `${ORIGINAL_BOOTSTRAP_SYSROOT}/tools`],
    ["CFLAGS", `${MARCH} -O2 ${FRANDOM_SEED}`],
    ["CXXFLAGS", `${MARCH} -O2 ${FRANDOM_SEED}`],
    ["LDFLAGS", "-L/bootstrap/usr/lib -Wl,-O1,--sort-common,--as-needed,-z,now"],
  ],
  chroot: [
    ["PATH", "/usr/sbin:/usr/bin:/sbin:/bin"],
    ["TARGET", "x86_64-pc-linux-gnu"],
    ["RUSTC_BOOTSTRAP", "1"],
    ["CFLAGS", `${CHROOT_CFLAGS_BEFORE_ASSERTIONS} ${CHROOT_CFLAGS_AFTER_ASSERTIONS}`],
    [
      "CXXFLAGS",
      `${CHROOT_CFLAGS_BEFORE_ASSERTIONS} -Wp,-D_GLIBCXX_ASSERTIONS ${CHROOT_CFLAGS_AFTER_ASSERTIONS}`,
    ],
    ["LDFLAGS", "-Wl,-O1,--sort-common,--as-needed,-z,relro,-z,now"],
    ["LTOFLAGS", "-flto=auto"],
    [
      "RUSTFLAGS",
      "-C codegen-units=1 -C embed-bitcode=yes -C debuginfo=0 -C link-args=-fuse-ld=lld " +
      `-C target-feature=+crt-static -C link-args=${FRANDOM_SEED}`,
    ],
    ["DEBUG_CFLAGS", "-g"],
    ["DEBUG_CXXFLAGS", "-g"],
    ["DEBUG_RUSTFLAGS", "-C debuginfo=2"],
  ],
};

export interface OriginalEnvironmentOptions {
  mode: OriginalMode;
  sourceDateEpoch: number;
  /** MAKEFLAGS=-jN. */
  jobs: number;
  /** In manifest order: SOURCE_<name> and SOURCE<index> point at `path`. */
  sources: ReadonlyArray<{ name: string; path: string }>;
  /** The sandbox's work and output directories. */
  workDir: string;
  outDir: string;
  /** The workspace config's `env`, then the manifest's `build.env`: added last, as in 2nex. */
  extra?: Iterable<[string, string]>;
}

/**
 * The complete environment of a build with the original semantics: the
 * variables of both modes, those of `mode`, the sources, then `extra`. A later
 * entry with an earlier one's name replaces its value in its place.
 */
export function originalEnvironment(options: OriginalEnvironmentOptions): Array<[string, string]> {
  const env = new Map<string, string>();
  const set = (name: string, value: string) => {
    if (name === "" || name.includes("=") || name.includes("\0")) {
      throw new InvalidInputError(`invalid environment variable name ${JSON.stringify(name)}`);
    }
    if (value.includes("\0")) {
      throw new InvalidInputError(`environment variable ${name} holds a NUL byte`);
    }
    env.set(name, value);
  };
  set("HOME", "/homeless/deterministic");
  set("LC_ALL", "C");
  set("TZ", "UTC");
  set("LANG", "en_US.UTF-8");
  set("SOURCE_DATE_EPOCH", String(options.sourceDateEpoch));
  set("GLIBC_TUNABLES", "glibc.cpu.hwcaps=-RNDRAND");
  set("MAKEFLAGS", `-j${options.jobs}`);
  set("WORK_DIR", options.workDir);
  set("OUT_DIR", options.outDir);
  for (const [name, value] of MODE_VARIABLES[options.mode]) set(name, value);
  options.sources.forEach((source, index) => {
    set(`SOURCE_${source.name}`, source.path);
    set(`SOURCE${index}`, source.path);
  });
  for (const [name, value] of options.extra ?? []) set(name, value);
  return [...env];
}

/** One line for `show`: the mode and what it means. */
export function describeOriginalMode(mode: OriginalMode): string {
  return mode === "bootstrap"
    ? "bootstrap (host) mode: the host's /usr, /bin, /sbin, /lib, /lib64 read-only, " +
      "a writable /bootstrap holding the dependencies' /bootstrap (BOOTSTRAP_SYSROOT)"
    : "chroot mode: / is a writable copy of the union of the dependencies, " +
      "with the merged-/usr links where missing and the sources also at /inputs";
}
