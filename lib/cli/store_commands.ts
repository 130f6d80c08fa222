/** Commands over the repository and caches: fetch, vendor, hash, checkout, log, gc. */
import { resolve } from "node:path";
import type { Command, CommandContext } from "./command.ts";
import { loadPackages, loadSelected } from "./packages.ts";
import { buildOrder } from "../graph/mod.ts";
import { exists, ExitCode, FailureError, InvalidInputError } from "../util/mod.ts";
import {
  collectGarbage,
  fetchItems,
  fetchManifestSources,
  latestLogPath,
  openWorkspaceState,
} from "../build/mod.ts";
import { dropNetworkPermission, parseMirrors, vendorSources } from "../source/mod.ts";
import { hashTree, refsOfPackage, Store } from "../store/mod.ts";
import { originalChecksum } from "../original/mod.ts";
import { selectPackage } from "../workspace/mod.ts";

/** The manifests of PKG… and everything they depend on; all of them when none is named. */
async function manifestsFor(context: CommandContext, selectors: string[], flavor?: string) {
  if (selectors.length === 0) {
    const loaded = await loadPackages(context);
    return { loaded, manifests: buildOrder(loaded.graph).map((n) => n.manifest) };
  }
  const { loaded, selected } = await loadSelected(context, selectors, flavor);
  return { loaded, manifests: buildOrder(loaded.graph, selected).map((n) => n.manifest) };
}

export const fetchCommand: Command = {
  name: "fetch",
  summary: "download and verify the sources PKG (and its dependencies) need",
  usage: "2nex fetch [PKG…] [--offline] [--flavor F]",
  help: `Downloads every source of PKG and of everything it depends on (of all
packages when none is named) into the content-addressed cache, trying the
mirrors first and verifying each sha256. Nothing enters the cache unverified.

Options:
      --offline    only the cache and mirror directories; never the network
      --flavor F   narrow package selectors to flavor F

Example:
  2nex fetch hello`,
  options: { offline: { type: "boolean" }, flavor: { type: "string" } },
  maxPositionals: Infinity,
  async run(context, positionals, options) {
    const { loaded, manifests } = await manifestsFor(
      context,
      positionals,
      options.flavor as string | undefined,
    );
    const fetched = await fetchManifestSources(manifests, loaded.ws, {
      offline: Boolean(options.offline),
      out: context.out,
    });
    if (context.out.options.json) context.out.json({ sources: Object.fromEntries(fetched) });
    else {context.out.info(
        `${fetched.size} source${
          fetched.size === 1 ? "" : "s"
        } verified in ${loaded.ws.config.cache}`,
      );}
    return ExitCode.ok;
  },
};

export const vendorCommand: Command = {
  name: "vendor",
  summary: "copy the sources PKG needs into DIR, for machines with no network",
  usage: "2nex vendor DIR [PKG…] [--offline] [--flavor F]",
  help: `Fetches (through the cache) every source of PKG and its dependencies (of all
packages when none is named) and copies them into DIR under their file names,
with a SHA256SUMS file. List DIR under \`mirrors:\` in 2nex.yaml on the offline
machine and build with --offline.

Options:
      --offline    no network: the sources must be in the cache or a mirror directory
      --flavor F   narrow package selectors to flavor F

Example:
  2nex vendor vendor/ hello && 2nex build --offline hello`,
  options: { offline: { type: "boolean" }, flavor: { type: "string" } },
  maxPositionals: Infinity,
  minPositionals: 1,
  async run(context, positionals, options) {
    const dir = resolve(context.cwd, positionals[0]);
    const { loaded, manifests } = await manifestsFor(
      context,
      positionals.slice(1),
      options.flavor as string | undefined,
    );
    const offline = Boolean(options.offline);
    if (offline) await dropNetworkPermission();
    const result = await vendorSources(fetchItems(manifests), dir, {
      cacheDir: loaded.ws.config.cache,
      workspaceDir: loaded.ws.root,
      mirrors: parseMirrors(loaded.ws.config.mirrors, loaded.ws.root),
      offline,
    });
    await dropNetworkPermission();
    if (context.out.options.json) context.out.json({ ...result });
    else {context.out.info(
        `vendored ${result.files.length} file${result.files.length === 1 ? "" : "s"} into ${dir}`,
      );}
    return ExitCode.ok;
  },
};

/** The algorithms `2nex hash --algorithm` knows. */
const HASH_ALGORITHMS = ["ostree", "original"] as const;

export const hashCommand: Command = {
  name: "hash",
  summary: "print the output hash DIR would get as a build result",
  usage: "2nex hash DIR [--algorithm ostree|original]",
  help: `Prints the ostree content checksum of DIR as committed with
--canonical-permissions --no-xattrs: the output hash a build result with exactly
these files gets, and what \`ostree show\` prints on its ContentChecksum line.
A hard-linked file is read once for all its names. DIR must not change while
it is hashed: a file removed, grown or shrunk meanwhile is an error (exit 1).

  --algorithm original   the original builder's checksum instead: sha256 over
                         every regular file in sorted path order (its relative
                         path, NUL, its bytes, NUL), which the manifests of a
                         workspace with \`semantics: original\` record

Example:
  2nex checkout hello /tmp/hello && 2nex hash /tmp/hello
  2nex hash --algorithm original /tmp/hello`,
  options: { algorithm: { type: "string" } },
  maxPositionals: 1,
  minPositionals: 1,
  async run(context, positionals, options) {
    const algorithm = (options.algorithm as string | undefined) ?? "ostree";
    if (!(HASH_ALGORITHMS as readonly string[]).includes(algorithm)) {
      throw new InvalidInputError(`unknown hash algorithm "${algorithm}"`, {
        hint: `use ${HASH_ALGORITHMS.map((a) => `"${a}"`).join(" or ")}`,
      });
    }
    const dir = resolve(context.cwd, positionals[0]);
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(dir);
    } catch {
      throw new InvalidInputError(`no such directory: ${positionals[0]}`);
    }
    if (!info.isDirectory) throw new InvalidInputError(`not a directory: ${positionals[0]}`);
    const hash = algorithm === "original"
      ? await originalChecksum(dir)
      : (await hashTree(dir)).contentChecksum;
    if (context.out.options.json) context.out.json({ directory: dir, algorithm, hash });
    else context.out.print(hash);
    return ExitCode.ok;
  },
};

export const checkoutCommand: Command = {
  name: "checkout",
  summary: "write a built bundle (or the whole result) into DIR",
  usage: "2nex checkout PKG[:BUNDLE] DIR [--output NAME] [--flavor F]",
  help: `Writes the committed result of PKG into DIR (which must not exist): the
bundle BUNDLE, an output with --output, or the whole result. Files are copies,
safe to modify.

Options:
      --output NAME  write the output NAME instead of a bundle
      --flavor F     narrow package selectors to flavor F

Example:
  2nex checkout hello:default /tmp/hello && /tmp/hello/usr/bin/hello`,
  options: { output: { type: "string" }, flavor: { type: "string" } },
  maxPositionals: 2,
  minPositionals: 2,
  async run(context, positionals, options) {
    const [selectorWithPart, target] = positionals;
    const colon = selectorWithPart.lastIndexOf(":");
    const selector = colon > 0 ? selectorWithPart.slice(0, colon) : selectorWithPart;
    const bundle = colon > 0 ? selectorWithPart.slice(colon + 1) : undefined;
    if (bundle !== undefined && options.output !== undefined) {
      throw new InvalidInputError("give either PKG:BUNDLE or --output, not both");
    }
    const loaded = await loadPackages(context);
    const manifest = selectPackage(loaded.manifests, selector, {
      cwd: context.cwd,
      flavor: options.flavor as string | undefined,
      failed: loaded.failed,
    });
    const refs = refsOfPackage(manifest.package);
    if (bundle !== undefined && !(bundle in manifest.bundles)) {
      throw new InvalidInputError(`${manifest.package.slug} has no bundle "${bundle}"`, {
        hint: `its bundles: ${Object.keys(manifest.bundles).join(", ") || "none"}`,
      });
    }
    const output = options.output as string | undefined;
    if (output !== undefined && !(output in manifest.outputs)) {
      throw new InvalidInputError(`${manifest.package.slug} has no output "${output}"`);
    }
    const ref = bundle !== undefined
      ? refs.bundle(bundle)
      : output !== undefined
      ? refs.output(output)
      : refs.tree;
    const dest = resolve(context.cwd, target);
    if (await exists(dest)) {
      throw new InvalidInputError(`${target} already exists`, {
        hint: "check out into a new directory",
      });
    }
    if (!(await exists(loaded.ws.config.repo))) {
      throw new FailureError(`${manifest.package.slug} is not built (no repository yet)`);
    }
    const store = await Store.open(loaded.ws.config.repo);
    const commit = await store.resolveRef(ref);
    if (!commit) {
      throw new FailureError(`${manifest.package.slug} is not built (no ref ${ref})`, {
        hint: `run \`2nex build ${selector}\``,
      });
    }
    await store.checkout(commit, dest, { hardlink: false });
    if (context.out.options.json) context.out.json({ ref, commit, directory: dest });
    else context.out.info(`checked out ${ref} into ${dest}`);
    return ExitCode.ok;
  },
};

export const logCommand: Command = {
  name: "log",
  summary: "print the log of PKG's latest build",
  usage: "2nex log PKG [--flavor F]",
  help: `Prints the complete output of the latest build of PKG (successful or not).

Options:
      --flavor F   narrow package selectors to flavor F

Example:
  2nex log hello | less`,
  options: { flavor: { type: "string" } },
  maxPositionals: 1,
  minPositionals: 1,
  async run(context, positionals, options) {
    const loaded = await loadPackages(context);
    const m = selectPackage(loaded.manifests, positionals[0], {
      cwd: context.cwd,
      flavor: options.flavor as string | undefined,
      failed: loaded.failed,
    });
    const path = latestLogPath(
      loaded.ws.config.cache,
      m.package.slug,
      m.package.version,
      m.package.flavor,
    );
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path);
    } catch {
      throw new FailureError(`${m.package.slug} has no build log yet`, {
        hint: `run \`2nex build ${positionals[0]}\``,
      });
    }
    if (context.out.options.json) {
      file.close();
      context.out.json({ path, log: await Deno.readTextFile(path) });
      return ExitCode.ok;
    }
    await file.readable.pipeTo(Deno.stdout.writable, { preventClose: true });
    return ExitCode.ok;
  },
};

export const gcCommand: Command = {
  name: "gc",
  summary: "drop unreferenced objects and stale caches",
  usage: "2nex gc",
  help: `Collects garbage, with the packages' refs as roots: drops cache entries
(\`2nex/inputs/KEY\` refs and their index records) of results no package ref
holds any more, prunes repository objects nothing reaches (including results
refused by verification), removes cached sources no manifest of the workspace
names, build trees (leftovers of killed runs and trees kept by --keep-failed)
and stale temporary files. Takes the workspace lock.

Example:
  2nex gc`,
  options: {},
  maxPositionals: 0,
  async run(context) {
    const loaded = await loadPackages(context);
    if (loaded.failed.length > 0) {
      throw new InvalidInputError(
        `${loaded.failed.length} manifest${loaded.failed.length === 1 ? " has" : "s have"} errors`,
        { hint: "gc keeps the sources of every manifest; fix them first (run `2nex lint`)" },
      );
    }
    const needed = new Set(loaded.manifests.flatMap((m) => m.sources.map((s) => s.sha256)));
    const state = await openWorkspaceState(loaded.ws, context.out);
    try {
      const summary = await collectGarbage(state.store, loaded.ws.config.cache, needed);
      if (context.out.options.json) context.out.json({ ...summary });
      else {
        context.out.info(
          `removed ${summary.inputRefsRemoved} stale cache entr${
            summary.inputRefsRemoved === 1 ? "y" : "ies"
          }, ` +
            `${summary.sourcesRemoved} unneeded source${
              summary.sourcesRemoved === 1 ? "" : "s"
            }, ` +
            `${summary.buildTreesRemoved} build tree${summary.buildTreesRemoved === 1 ? "" : "s"}`,
        );
        const { prune } = summary;
        context.out.info(
          `repository: ${prune.deletedObjects} of ${prune.totalObjects ?? "?"} objects deleted${
            prune.freed ? ` (${prune.freed} freed)` : ""
          }${prune.staleTemporaries ? `, ${prune.staleTemporaries} stale temporary entries` : ""}`,
        );
      }
    } finally {
      state.release();
    }
    return ExitCode.ok;
  },
};
