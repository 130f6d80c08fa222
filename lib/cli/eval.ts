/** `2nex eval EXPR [--package PKG]`: evaluate one expression. */
import type { Command } from "./command.ts";
import { loadSelected } from "./packages.ts";
import { ExitCode, hostArch, hostTarget } from "../util/mod.ts";
import {
  evaluateExpression,
  ExprError,
  formatValue,
  plainLocator,
  type Scope,
} from "../expr/mod.ts";
import { manifestScope } from "../manifest/mod.ts";

export const evalCommand: Command = {
  name: "eval",
  summary: "evaluate one expression (the inside of ${{ }})",
  usage: "2nex eval EXPR [--package PKG] [--flavor F]",
  help: `Evaluates EXPR in the scope of PKG's manifest (package, vars, sources, deps,
host, target), or in a scope holding only host and target. Text is printed as
is, anything else as JSON. An error is a diagnostic and exit 2.

Options:
      --package PKG  evaluate in PKG's scope
      --flavor F     narrow the package selector to flavor F

Example:
  2nex eval 'versionPart("13.2.0", 1)'
  2nex eval 'format("{0}-{1}.tar.xz", package.slug, package.version)' --package m4`,
  options: { package: { type: "string" }, flavor: { type: "string" } },
  maxPositionals: 1,
  minPositionals: 1,
  async run(context, positionals, options) {
    let scope: Scope = { host: { arch: hostArch() }, target: hostTarget() };
    if (options.package !== undefined) {
      const { selected } = await loadSelected(
        context,
        [options.package as string],
        options.flavor as string | undefined,
      );
      scope = manifestScope(selected[0].manifest, { hostArch: hostArch() });
    }
    let value;
    try {
      value = evaluateExpression(
        positionals[0],
        scope,
        plainLocator("<expression>", positionals[0]),
      );
    } catch (error) {
      if (!(error instanceof ExprError) || !error.position) throw error;
      // Show the expression itself under the caret; it is not a file anyone can open.
      context.out.diagnostic({
        ...error.position,
        severity: "error",
        message: error.message,
        hint: error.hint,
        sourceLine: positionals[0].split("\n")[error.position.line - 1],
      });
      return ExitCode.invalid;
    }
    if (context.out.options.json) context.out.json({ value });
    else context.out.print(formatValue(value));
    return ExitCode.ok;
  },
};
