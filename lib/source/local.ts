/**
 * Where local source files may come from: inside the workspace or a mirror
 * directory, after every symlink is resolved. A manifest naming `/etc/shadow`,
 * or a symlink in the workspace pointing there, must not get 2nex to read that
 * file, copy it into the cache or even print its hash. Paths are resolved with
 * realpath each time they are used, so a file system that changed since `lint`
 * is caught at fetch time too.
 *
 * @example
 * ```ts
 * import { importFile } from "./cache.ts";
 * const sha256 = "b0d8bd2c4ac1f0a1e1d1cf8a7cb1edab5f3b3e52e6e0d23f0bc27aeb2b0c8a17";
 * const roots = await LocalRoots.of("/ws", []);
 * const place = await roots.locate("/ws/manifests/patches/fix.patch");
 * if (place.kind === "inside") await importFile("/ws/.2nex/cache", place.path, sha256);
 * ```
 * @module
 */
import { dirname, join, resolve } from "node:path";
import type { Diagnostic, ManifestSummary } from "../manifest/mod.ts";
import { localFileName } from "./file_name.ts";
import type { Mirror } from "./mirrors.ts";

/** What a local path turned out to be. `path` is the resolved path; `from` what was asked. */
export type LocalPlace =
  | { kind: "missing"; from: string }
  | { kind: "inside"; from: string; path: string }
  | { kind: "outside"; from: string; path: string };

/** The directories (resolved) that local sources may be read from. */
export class LocalRoots {
  private constructor(readonly dirs: readonly string[]) {}

  /** The workspace and every mirror directory that exists, resolved. */
  static async of(workspaceDir: string, mirrors: Mirror[]): Promise<LocalRoots> {
    const wanted = [workspaceDir, ...mirrors.flatMap((m) => m.kind === "dir" ? [m.path] : [])];
    const dirs: string[] = [];
    for (const dir of wanted) {
      try {
        dirs.push(await Deno.realPath(dir));
      } catch (error) {
        // A mirror directory that does not exist holds nothing to read.
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    return new LocalRoots(dirs);
  }

  /** True when the resolved `path` is one of the roots or below one. */
  contains(path: string): boolean {
    return this.dirs.some((dir) =>
      path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`)
    );
  }

  /** Resolves `path` (symlinks included) and says whether it stays inside the roots. */
  async locate(path: string): Promise<LocalPlace> {
    let real: string;
    try {
      real = await Deno.realPath(path);
    } catch (error) {
      // A dangling symlink, or a missing file: nothing to read either way.
      if (error instanceof Deno.errors.NotFound) return { kind: "missing", from: path };
      // Somewhere 2nex may not even look (its read permission, or the file
      // system's): certainly not inside the roots.
      if (
        error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied
      ) {
        return { kind: "outside", from: path, path };
      }
      throw error;
    }
    return { kind: this.contains(real) ? "inside" : "outside", from: path, path: real };
  }
}

/**
 * The paths a `file:` source is looked up at, in order: relative to its
 * manifest, to the workspace, then by base name in each mirror directory.
 */
export function fileCandidates(
  file: string,
  manifestDir: string,
  workspaceDir: string,
  mirrors: Mirror[],
): string[] {
  const list = [resolve(manifestDir, file), resolve(workspaceDir, file)];
  const fileName = localFileName(file);
  if (fileName !== undefined) {
    for (const mirror of mirrors) {
      if (mirror.kind === "dir") list.push(join(mirror.path, fileName));
    }
  }
  return [...new Set(list)];
}

/**
 * Lint's check of `file:` sources against the file system as it is now: an
 * error, at the source, for each one with a candidate path that exists but
 * resolves outside the workspace and the mirror directories (an absolute path,
 * or a symlink leading out). Fetching refuses the same paths when it gets to
 * them; this reports them before any build.
 */
export async function localSourceDiagnostics(
  manifests: ManifestSummary[],
  workspaceDir: string,
  mirrors: Mirror[],
): Promise<Diagnostic[]> {
  const withFiles = manifests.filter((m) => m.sources.some((s) => s.file !== undefined));
  if (withFiles.length === 0) return [];
  const roots = await LocalRoots.of(workspaceDir, mirrors);
  const diagnostics: Diagnostic[] = [];
  for (const manifest of withFiles) {
    for (const source of manifest.sources) {
      if (source.file === undefined) continue;
      const candidates = fileCandidates(source.file, dirname(manifest.path), workspaceDir, mirrors);
      for (const candidate of candidates) {
        const place = await roots.locate(candidate);
        if (place.kind !== "outside") continue;
        diagnostics.push({
          file: manifest.path,
          line: source.position.line,
          col: source.position.col,
          severity: "error",
          message: `source "${source.name}": ${candidate} resolves to ${place.path}, ` +
            "outside the workspace and its mirror directories",
          hint: "a file source must stay inside them after symlinks; copy the file into the " +
            "workspace instead of linking to it",
        });
        break;
      }
    }
  }
  return diagnostics;
}
