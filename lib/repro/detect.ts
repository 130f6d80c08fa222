/**
 * Which optional reproducibility tools this host has: diffoscope (detailed reports),
 * libfaketime (clock shift) and disorderfs (listing order). Found by looking through
 * PATH and known library directories, without running anything, so detection needs
 * only read permission and takes a few milliseconds. Whether FUSE works is another
 * matter: Deno refuses to look at /dev, /proc or /sys without --allow-all, so only a
 * trial mount can tell (`probeDisorder` in disorder.ts).
 * @module
 */
import type { SandboxMode } from "../manifest/mod.ts";
import type { RoundCapabilities } from "./variations.ts";

/** Absolute paths of the optional tools found; a missing field means "not available". */
export interface DetectedTools {
  diffoscope?: string;
  /** The `faketime` wrapper program. */
  faketime?: string;
  /** libfaketime.so.1, what a build preloads to shift its clock. */
  libfaketime?: string;
  disorderfs?: string;
  /** `fusermount3` or `fusermount`, needed to unmount disorderfs without root. */
  fusermount?: string;
}

/** Looks for the optional tools. `path` defaults to the PATH environment variable. */
export async function detectTools(path = Deno.env.get("PATH") ?? ""): Promise<DetectedTools> {
  const dirs = path.split(":").filter((dir) => dir !== "");
  const [diffoscope, faketime, disorderfs, fusermount3, fusermount, libfaketime] = await Promise
    .all([
      findExecutable("diffoscope", dirs),
      findExecutable("faketime", dirs),
      findExecutable("disorderfs", dirs),
      findExecutable("fusermount3", dirs),
      findExecutable("fusermount", dirs),
      findLibfaketime(),
    ]);
  const tools: DetectedTools = {};
  if (diffoscope) tools.diffoscope = diffoscope;
  if (faketime) tools.faketime = faketime;
  if (libfaketime) tools.libfaketime = libfaketime;
  if (disorderfs) tools.disorderfs = disorderfs;
  const unmounter = fusermount3 ?? fusermount;
  if (unmounter) tools.fusermount = unmounter;
  return tools;
}

/**
 * What the rounds of one package can vary. The clock shift needs libfaketime and host
 * mode: a hermetic root holds only the dependencies' bundles, whose programs need not be
 * dynamically linked against a libc that can preload the host's library.
 * `disorderfsWorks` is the answer of `probeDisorder` (a trial mount).
 */
export function roundCapabilities(
  tools: DetectedTools,
  mode: SandboxMode,
  host: { disorderfsWorks: boolean; cpus?: number },
): RoundCapabilities {
  return {
    cpus: host.cpus ?? (navigator.hardwareConcurrency || 1),
    fakeTime: mode === "host" && tools.libfaketime !== undefined,
    disorderfs: host.disorderfsWorks,
  };
}

/** Where Debian and most other distributions install libfaketime. */
export function libfaketimeCandidates(): string[] {
  const triplet = `${Deno.build.arch}-linux-gnu`;
  return [
    `/usr/lib/${triplet}/faketime/libfaketime.so.1`,
    "/usr/lib64/faketime/libfaketime.so.1",
    "/usr/lib/faketime/libfaketime.so.1",
    "/usr/local/lib/faketime/libfaketime.so.1",
  ];
}

async function findLibfaketime(): Promise<string | undefined> {
  for (const candidate of libfaketimeCandidates()) {
    if (await isRegularFile(candidate)) return candidate;
  }
  return undefined;
}

async function findExecutable(name: string, dirs: string[]): Promise<string | undefined> {
  for (const dir of dirs) {
    const candidate = `${dir}/${name}`;
    try {
      const info = await Deno.stat(candidate);
      if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

async function isRegularFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}
