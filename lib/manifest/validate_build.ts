/**
 * The `build`, `outputs` and `bundles` sections of a manifest (SPEC section
 * 4): keys, patterns, enums and hints from schema_table.ts; here what the
 * table cannot say (absolute paths, bundles naming declared outputs).
 * @module
 */
import { isNullNode, offsetOf } from "./yaml.ts";
import type { BuildSpec, SandboxMode } from "./types.ts";
import { closestNames, type Scope } from "../expr/mod.ts";
import { pathTextProblem } from "./path_text.ts";
import { readLimits } from "./limits_field.ts";
import type { FieldReader, YamlNode } from "./field_reader.ts";
import {
  BUNDLE_NAME_RULE,
  ENV_NAME_RULE,
  MANIFEST_TYPE,
  OUTPUT_NAME_RULE,
  SANDBOX_MODES,
} from "./schema_table.ts";
import { fieldsOf } from "./schema_types.ts";

const BUILD = fieldsOf(MANIFEST_TYPE).build;
const BUILD_FIELDS = fieldsOf(BUILD.type);

export function readBuild(
  r: FieldReader,
  node: YamlNode | null,
  scope: Scope,
): BuildSpec | undefined {
  const map = r.reader.map(node, "`build`");
  if (!map) return undefined;
  const fields = r.fieldMap(map, "`build`", BUILD.type);
  let sandbox = BUILD_FIELDS.sandbox.default as SandboxMode;
  const sandboxText = r.optionalText(fields, "sandbox", { literal: true, what: "build.sandbox" });
  if (sandboxText !== undefined) {
    if ((SANDBOX_MODES as readonly string[]).includes(sandboxText)) {
      sandbox = sandboxText as SandboxMode;
    } else {
      const close = closestNames(sandboxText, SANDBOX_MODES);
      const type = BUILD_FIELDS.sandbox.type;
      r.bag.error(
        offsetOf(fields.get("sandbox")),
        `invalid build.sandbox "${sandboxText}"`,
        close.length > 0
          ? `did you mean "${close[0]}"?`
          : type.kind === "text"
          ? type.hint
          : undefined,
      );
    }
  }
  const env = r.envMap(fields.get("env"), "build.env", ENV_NAME_RULE, scope);
  const epochNode = fields.get("source_date_epoch");
  const sourceDateEpoch = epochNode
    ? r.integer(epochNode, "build.source_date_epoch", BUILD_FIELDS.source_date_epoch.type)
    : undefined;
  const timeoutNode = fields.get("timeout");
  const timeout = timeoutNode
    ? r.integer(timeoutNode, "build.timeout", BUILD_FIELDS.timeout.type)
    : undefined;
  const limits = readLimits(r.reader, r.bag, fields.get("limits"), "build.limits");
  const shell = r.optionalText(fields, "shell", { scope, what: "build.shell" });
  if (shell !== undefined && !shell.startsWith("/")) {
    r.bag.error(
      offsetOf(fields.get("shell")),
      `build.shell must be an absolute path, got "${shell}"`,
    );
  }
  const script = r.requiredText(fields, "script", map, { scope, what: "build.script" });
  if (script === undefined) return undefined;
  return { sandbox, env, sourceDateEpoch, script, shell, timeout, limits };
}

export interface Outputs {
  values: Record<string, string[]>;
  offsets: Map<string, number>;
}

export function readOutputs(
  r: FieldReader,
  node: YamlNode | null | undefined,
  scope: Scope,
): Outputs {
  const values: Record<string, string[]> = {};
  const offsets = new Map<string, number>();
  if (node === undefined || isNullNode(node)) return { values, offsets };
  const map = r.reader.map(node, "`outputs`");
  if (!map) return { values, offsets };
  for (const { key, keyNode, value } of r.reader.entries(map, "`outputs`")) {
    if (!r.checkRule(OUTPUT_NAME_RULE, key, keyNode)) continue;
    offsets.set(key, offsetOf(keyNode));
    const paths = r.textList(value, `outputs.${key}`, scope);
    for (const { text, offset } of paths) {
      if (!text.startsWith("/")) {
        r.bag.error(
          offset,
          `output path "${text}" is not absolute`,
          `paths are inside OUT_DIR and start with "/", e.g. "/${text.replace(/^\.?\/*/, "")}"`,
        );
      } else {
        const problem = pathTextProblem(text);
        if (problem !== undefined) {
          r.bag.error(offset, `output path ${JSON.stringify(text)} ${problem}`);
        }
      }
    }
    values[key] = paths.map((p) => p.text);
  }
  return { values, offsets };
}

export function readBundles(
  r: FieldReader,
  node: YamlNode | null | undefined,
  scope: Scope,
  outputs: Outputs,
): Record<string, string[]> {
  const bundles: Record<string, string[]> = {};
  if (node === undefined || isNullNode(node)) return bundles;
  const map = r.reader.map(node, "`bundles`");
  if (!map) return bundles;
  const known = Object.keys(outputs.values).filter((name) => name !== "discard");
  for (const { key, keyNode, value } of r.reader.entries(map, "`bundles`")) {
    if (!r.checkRule(BUNDLE_NAME_RULE, key, keyNode)) continue;
    const members = r.textList(value, `bundles.${key}`, scope);
    for (const { text, offset } of members) {
      if (text === "discard") {
        r.bag.error(offset, `bundle "${key}" lists "discard"`, "discarded files are in no bundle");
      } else if (!known.includes(text)) {
        const close = closestNames(text, known);
        r.bag.error(
          offset,
          `bundle "${key}" names unknown output "${text}"`,
          close.length > 0
            ? `did you mean "${close[0]}"?`
            : known.length > 0
            ? `outputs: ${known.join(", ")}`
            : "this manifest declares no `outputs`",
        );
      }
    }
    bundles[key] = members.map((m) => m.text);
  }
  return bundles;
}
