/** `2nex show PKG`: the evaluated manifest, its refs, dependencies and status. */
import type { Command } from "./command.ts";
import { loadSelected } from "./packages.ts";
import { ExitCode } from "../util/errors.ts";
import { refsOfPackage } from "../store/refs.ts";
import { displayPath } from "../manifest/diagnostics.ts";
import type { Manifest } from "../manifest/types.ts";
import { loadYamlLibrary } from "../manifest/yaml_library.ts";
import { describePackageStatus, type PackageStatus } from "../build/status.ts";
import { buildEnvironment, describeBuildMode } from "../build/mode.ts";

export const showCommand: Command = {
  name: "show",
  summary: "the manifest after evaluation, its refs, input key, hashes and status",
  usage: "2nex show PKG [--flavor F]",
  help: `Prints the manifest of PKG with every \${{ }} expression evaluated, the ostree
refs its result is committed to, its dependencies as resolved, its input key
(once its dependencies are built), the expected and last built output hash,
and whether it is built, cached or needs a build.

Options:
      --flavor F   narrow package selectors to flavor F

Example:
  2nex show hello
  2nex show m4@1.4.19 --json`,
  options: { flavor: { type: "string" } },
  maxPositionals: 1,
  minPositionals: 1,
  async run(context, positionals, options) {
    const { loaded, selected } = await loadSelected(
      context,
      positionals,
      options.flavor as string | undefined,
    );
    const node = selected[0];
    const m = node.manifest;
    const refs = refsOfPackage(m.package);
    const status: PackageStatus = await describePackageStatus(loaded.ws, loaded.graph, node);
    const deps = node.deps.map((d) => ({
      name: d.spec.name,
      package: d.target
        ? `${d.target.manifest.package.slug}@${d.target.manifest.package.version} (${d.target.manifest.package.flavor})`
        : null,
      manifest: d.target ? displayPath(d.target.id, context.cwd) : null,
      part: d.part.kind === "tree" ? "tree" : `${d.part.kind}/${d.part.name}`,
      ref: d.externalRef ?? null,
    }));
    const refList = {
      tree: refs.tree,
      outputs: Object.fromEntries(
        Object.keys(m.outputs).filter((o) => o !== "discard").map((o) => [o, refs.output(o)]),
      ),
      bundles: Object.fromEntries(Object.keys(m.bundles).map((b) => [b, refs.bundle(b)])),
    };
    const mode = describeBuildMode(loaded.ws, m);
    const environment = buildEnvironment(
      loaded.ws,
      m,
      Math.max(1, navigator.hardwareConcurrency || 1),
    );
    if (context.out.options.json) {
      context.out.json({
        manifest: m.path,
        evaluated: manifestDocument(m),
        refs: refList,
        // JSON paths are absolute, whatever the text shows.
        dependencies: deps.map((d, i) => ({ ...d, manifest: node.deps[i].target?.id ?? null })),
        mode,
        environment: Object.fromEntries(environment),
        ...status,
      });
      return ExitCode.ok;
    }
    const { stringify } = await loadYamlLibrary();
    context.out.print(`# ${displayPath(m.path, context.cwd)} (evaluated)`);
    context.out.print(stringify(manifestDocument(m), { lineWidth: 0 }).trimEnd());
    context.out.print("");
    context.out.print(stringify({ refs: refList, dependencies: deps }, { lineWidth: 0 }).trimEnd());
    context.out.print("");
    context.out.print(
      `input key:     ${status.inputKey ?? `unknown (${status.inputKeyUnknownReason})`}`,
    );
    context.out.print(
      `expected hash: ${status.expectedHash ?? "none (build, then --update-hash)"}`,
    );
    context.out.print(`last built:    ${status.lastBuiltHash ?? "never"}`);
    context.out.print(`status:        ${status.status}`);
    context.out.print(`mode:          ${mode}`);
    context.out.print("environment:");
    for (const [name, value] of environment) context.out.print(`  ${name}=${value}`);
    return ExitCode.ok;
  },
};

/** The manifest in its schema's shape, with evaluated values. */
export function manifestDocument(m: Manifest): Record<string, unknown> {
  const pkg: Record<string, unknown> = {
    schema: 1,
    ...(m.package.name !== undefined && { name: m.package.name }),
    slug: m.package.slug,
    version: m.package.version,
    flavor: m.package.flavor,
    ...(m.package.description !== undefined && { description: m.package.description }),
    ...(m.package.homepage !== undefined && { homepage: m.package.homepage }),
    ...(m.package.checksum !== undefined && { checksum: m.package.checksum }),
    stable_checksum: m.package.stableChecksum,
  };
  return {
    package: pkg,
    ...(Object.keys(m.vars).length > 0 && { vars: m.vars }),
    sources: m.sources.map((s) => ({
      name: s.name,
      ...(s.url !== undefined && { url: s.url }),
      ...(s.file !== undefined && { file: s.file }),
      sha256: s.sha256,
    })),
    dependencies: m.dependencies.map((d) => ({
      name: d.name,
      ...(d.version !== undefined && { version: d.version }),
      ...(d.flavor !== undefined && { flavor: d.flavor }),
      ...(d.bundle !== undefined && { bundle: d.bundle }),
      ...(d.commit !== undefined && { commit: d.commit }),
    })),
    build: {
      sandbox: m.build.sandbox,
      ...(Object.keys(m.build.env).length > 0 && { env: m.build.env }),
      ...(m.build.sourceDateEpoch !== undefined && { source_date_epoch: m.build.sourceDateEpoch }),
      ...(m.build.shell !== undefined && { shell: m.build.shell }),
      ...(m.build.timeout !== undefined && { timeout: m.build.timeout }),
      script: m.build.script,
    },
    outputs: m.outputs,
    bundles: m.bundles,
  };
}
