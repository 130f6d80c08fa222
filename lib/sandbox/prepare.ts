/**
 * What both helpers do before building their command line: check the request
 * for mistakes that would otherwise surface as an obscure helper error, read
 * the root's top-level entries, and work out the variation prefix.
 * @module
 */
import { FailureError } from "../util/mod.ts";
import { allowedCpus, variationPrefix } from "./command.ts";
import { type LayoutStep, readTopLevel, sandboxLayout } from "./layout.ts";
import { HOST_SYSTEM_DIRS } from "./host_dirs.ts";
import type { SandboxRequest } from "./types.ts";

export interface PreparedRun {
  /** How to build the sandbox's filesystem. */
  steps: LayoutStep[];
  /** setarch/taskset words to put before the helper (may be empty). */
  prefix: string[];
}

/** Checks `request` and computes its layout and variation prefix. */
export async function prepareRun(request: SandboxRequest): Promise<PreparedRun> {
  await expectKind(request.sourcesDir, "directory", "sources directory");
  await expectKind(request.workDir, "directory", "work directory");
  await expectKind(request.outDir, "directory", "output directory");
  await expectKind(request.scriptPath, "file", "build script");
  if (!Number.isFinite(request.timeoutMs) || request.timeoutMs <= 0) {
    throw new FailureError(`internal error: invalid sandbox time limit ${request.timeoutMs}`);
  }
  if (!request.shell.startsWith("/")) {
    throw new FailureError(`internal error: the sandbox shell must be an absolute path`);
  }

  let rootEntries;
  if (request.mode === "hermetic") {
    const rootDir = request.rootDir ?? "";
    await expectKind(rootDir, "directory", "hermetic root");
    rootEntries = await readTopLevel(rootDir);
    if (!await exists(`${rootDir.replace(/\/+$/, "")}${request.shell}`)) {
      throw new FailureError(`the dependencies provide no shell at ${request.shell}`, {
        hint: "a hermetic build needs bash from its dependencies (usually /usr/bin/bash)",
      });
    }
  } else {
    rootEntries = await readTopLevel("/", HOST_SYSTEM_DIRS);
    const top = request.shell.split("/")[1];
    if (!(HOST_SYSTEM_DIRS as readonly string[]).includes(top) || !await exists(request.shell)) {
      throw new FailureError(`the host has no shell at ${request.shell}`, {
        hint: "host-mode builds use the host's bash (apt-get install bash)",
      });
    }
  }

  const symlinkedMounts = new Map<string, string>();
  for (const mount of [...request.readOnlyMounts, ...request.writableMounts]) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(mount.hostPath);
    } catch (error) {
      throw new FailureError(
        `the dependency directory ${mount.hostPath} is missing: ${(error as Error).message}`,
      );
    }
    if (info.isSymlink) symlinkedMounts.set(mount.hostPath, await Deno.readLink(mount.hostPath));
  }
  const steps = sandboxLayout(request, rootEntries, symlinkedMounts);
  const prefix = variationPrefix({
    cpus: request.cpus,
    available: request.cpus === undefined ? [] : await allowedCpus(),
    disableAslr: request.disableAslr,
    arch: Deno.build.arch,
  });
  return { steps, prefix };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function expectKind(path: string, kind: "file" | "directory", what: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw new FailureError(`the ${what} ${path} is missing: ${(error as Error).message}`);
  }
  if (kind === "file" ? !info.isFile : !info.isDirectory) {
    throw new FailureError(`the ${what} ${path} is not a ${kind}`);
  }
}
