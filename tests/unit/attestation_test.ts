import assert from "node:assert/strict";
import { inTotoStatement, spdxDocument } from "../../lib/build/attestation.ts";
import { META, type Provenance, readProvenance } from "../../lib/build/provenance.ts";
import { assertValid, isValid } from "../helpers/schemas.ts";

const H = (c: string) => c.repeat(64);

const provenance: Provenance = {
  inputKey: H("1"),
  outputHash: H("2"),
  contentChecksum: H("2"),
  manifest: "manifests/app.yaml",
  manifestSha256: H("3"),
  sources: [
    { name: "src", url: "https://example.org/app-1.0.tar.gz", sha256: H("4") },
    { name: "patch", file: "patches/fix.patch", sha256: H("5") },
  ],
  dependencies: [{
    name: "base",
    ref: "x86_64/base/1.0/main/bundles/default",
    commit: H("6"),
    contentChecksum: H("7"),
  }],
  builderVersion: "0.1.0",
  sandbox: "hermetic",
  sourceDateEpoch: 1704067200,
};

Deno.test("attestation: the statement is an in-toto Statement v1 with a SLSA v1 predicate", async () => {
  const statement = inTotoStatement({
    subjects: [{ ref: "x86_64/app/1.0/main/tree", commit: H("8"), contentChecksum: H("2") }],
    provenance,
    arch: "x86_64",
  }) as { predicate: unknown };
  await assertValid("in-toto-statement-v1", statement);
  await assertValid("slsa-provenance-v1", statement.predicate);
  const text = JSON.stringify(statement);
  for (const expected of [H("4"), H("5"), H("6"), H("7"), H("1"), "manifests/app.yaml"]) {
    assert.ok(text.includes(expected), `${expected} missing`);
  }
});

Deno.test("attestation: the schemas refuse what is not a statement (they can fail)", async () => {
  assert.equal(await isValid("in-toto-statement-v1", { _type: "x", subject: [] }), false);
  assert.equal(
    await isValid("slsa-provenance-v1", { buildDefinition: { buildType: "no uri" } }),
    false,
  );
  assert.equal(await isValid("spdx-2.3-required", { spdxVersion: "SPDX-2.2" }), false);
});

Deno.test("attestation: the SBOM is SPDX 2.3 with the closure, sources and edges", async () => {
  const base: Provenance = { ...provenance, inputKey: H("9"), sources: [], dependencies: [] };
  const doc = spdxDocument(
    [
      {
        ref: "x86_64/app/1.0/main/tree",
        slug: "app",
        version: "1.0",
        commit: H("8"),
        contentChecksum: H("2"),
        provenance,
      },
      {
        ref: "x86_64/base/1.0/main/bundles/default",
        slug: "base",
        version: "1.0",
        commit: H("6"),
        contentChecksum: H("7"),
        provenance: base,
      },
    ],
    1704067200,
    "0.1.0",
  ) as {
    creationInfo: { created: string };
    packages: Array<{ SPDXID: string; name: string }>;
    relationships: Array<{ relationshipType: string; relatedSpdxElement: string }>;
  };
  await assertValid("spdx-2.3-required", doc);
  assert.equal(doc.creationInfo.created, "2024-01-01T00:00:00Z");
  assert.deepEqual(doc.packages.map((p) => p.name), ["app", "src", "patch", "base"]);
  const types = doc.relationships.map((r) => r.relationshipType);
  assert.deepEqual(types, ["DESCRIBES", "GENERATED_FROM", "GENERATED_FROM", "DEPENDS_ON"]);
  assert.equal(doc.relationships[3].relatedSpdxElement, doc.packages[3].SPDXID);
});

Deno.test("provenance: metadata reads back; junk lists are dropped, missing keys refuse", () => {
  const metadata = {
    [META.inputKey]: H("1"),
    [META.outputHash]: H("2"),
    [META.manifest]: "manifests/app.yaml",
    [META.sources]: JSON.stringify([...provenance.sources, { name: "bad", sha256: "x" }]),
    [META.dependencies]: "not json",
    [META.version]: "0.1.0",
    [META.sourceDateEpoch]: "1704067200",
  };
  const back = readProvenance(metadata)!;
  assert.deepEqual(back.sources, provenance.sources);
  assert.deepEqual(back.dependencies, []);
  assert.equal(back.sourceDateEpoch, 1704067200);
  assert.equal(readProvenance({ [META.inputKey]: H("1") }), undefined);
});
