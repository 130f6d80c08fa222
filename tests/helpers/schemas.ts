/**
 * JSON Schema validation for tests, with ajv from npm, against the schemas in
 * tests/fixtures/schemas (in-toto Statement v1, SLSA provenance v1, SPDX 2.3).
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Ajv } from "ajv";
import { repoRoot } from "./cli.ts";

const SCHEMAS = join(repoRoot, "tests/fixtures/schemas");

export type SchemaName = "in-toto-statement-v1" | "slsa-provenance-v1" | "spdx-2.3-required";

const ajv = new Ajv({ allErrors: true, strict: false });

/** Fails the test, listing every violation, unless `value` is valid under the schema. */
export async function assertValid(name: SchemaName, value: unknown): Promise<void> {
  const schema = JSON.parse(await Deno.readTextFile(join(SCHEMAS, `${name}.json`)));
  const validate = ajv.getSchema(schema.$id) ?? ajv.compile(schema);
  const ok = validate(value);
  assert.ok(ok, `not a valid ${name}:\n${JSON.stringify(validate.errors, null, 2)}`);
}

/** True when `value` is valid under the schema (for tests that a bad document is refused). */
export async function isValid(name: SchemaName, value: unknown): Promise<boolean> {
  const schema = JSON.parse(await Deno.readTextFile(join(SCHEMAS, `${name}.json`)));
  const validate = ajv.getSchema(schema.$id) ?? ajv.compile(schema);
  return validate(value) as boolean;
}
