/**
 * Provenance documents built from what the repository records (see
 * provenance.ts): an in-toto Statement v1 with a SLSA provenance v1 predicate,
 * and an SPDX 2.3 document of a package and its closure. Pure functions: the
 * repository walk is the caller's, so the same commit always gives the same
 * document (no clock, no host path).
 *
 * Digests named `sha256` of results are ostree content checksums (SHA-256 over
 * the tree's canonical metadata, what `ostree show` prints as ContentChecksum),
 * the output hash of SPEC section 6; sources' are their files' sha256.
 *
 * @example
 * ```ts
 * import type { Provenance } from "./provenance.ts";
 * declare const subjects: Subject[];
 * declare const provenance: Provenance;
 * const statement = inTotoStatement({ subjects, provenance, arch: "x86_64" });
 * console.log(JSON.stringify(statement, null, 2));
 * ```
 * @module
 */
import type { Provenance } from "./provenance.ts";

export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const SLSA_PROVENANCE_TYPE = "https://slsa.dev/provenance/v1";
/** The build type of a 2nex manifest build: what the parameters below mean. */
export const BUILD_TYPE = "urn:2nex:build-type:manifest:v1";
/** The builder: 2nex on the machine that built (the version is in runDetails). */
export const BUILDER_ID = "urn:2nex:builder";

/** A result that the statement is about: a ref and its content checksum. */
export interface Subject {
  ref: string;
  contentChecksum: string;
  commit: string;
}

/** One package of a closure, for the SBOM. */
export interface ClosureEntry {
  /** The ref the package's part was found under (the top one's tree ref). */
  ref: string;
  slug: string;
  version: string;
  commit: string;
  contentChecksum: string;
  provenance: Provenance;
}

/** A JSON value (what the documents are made of). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The in-toto Statement with a SLSA v1 provenance predicate for a package's results. */
export function inTotoStatement(
  input: { subjects: Subject[]; provenance: Provenance; arch: string },
): Json {
  const p = input.provenance;
  // A `file:` source is a path in the workspace, not a URI: it is named by its digest alone.
  const sources: Json[] = p.sources.map((s) => ({
    name: s.name,
    ...(s.url !== undefined ? { uri: s.url } : {}),
    digest: { sha256: s.sha256 },
    ...(s.file !== undefined ? { annotations: { file: s.file } } : {}),
  }));
  const dependencies: Json[] = p.dependencies.map((d) => ({
    name: d.name,
    uri: `ostree:${d.ref}`,
    digest: { sha256: d.contentChecksum },
    annotations: { ostreeCommit: d.commit, ref: d.ref },
  }));
  return {
    _type: STATEMENT_TYPE,
    subject: input.subjects.map((s) => ({
      name: s.ref,
      digest: { sha256: s.contentChecksum },
      annotations: { ostreeCommit: s.commit },
    })),
    predicateType: SLSA_PROVENANCE_TYPE,
    predicate: {
      buildDefinition: {
        buildType: BUILD_TYPE,
        externalParameters: {
          manifest: {
            path: p.manifest,
            ...(p.manifestSha256 ? { sha256: p.manifestSha256 } : {}),
          },
        },
        internalParameters: {
          inputKey: p.inputKey,
          arch: input.arch,
          ...(p.sandbox ? { sandbox: p.sandbox } : {}),
          ...(p.sourceDateEpoch !== undefined ? { sourceDateEpoch: p.sourceDateEpoch } : {}),
        },
        resolvedDependencies: [...sources, ...dependencies],
      },
      runDetails: {
        builder: { id: BUILDER_ID, version: { "2nex": p.builderVersion } },
        metadata: { invocationId: `urn:2nex:input-key:${p.inputKey}` },
      },
    },
  };
}

/** An SPDX 2.3 JSON document: the first entry of `closure` and everything it depends on. */
export function spdxDocument(closure: ClosureEntry[], created: number, version: string): Json {
  const top = closure[0];
  const ids = new Map<string, string>();
  const idOf = (commit: string) => ids.get(commit)!;
  closure.forEach((entry, i) =>
    ids.set(entry.commit, `SPDXRef-Package-${i}-${spdxSafe(entry.slug)}`)
  );
  const packages: Json[] = [];
  const relationships: Json[] = [{
    spdxElementId: "SPDXRef-DOCUMENT",
    relationshipType: "DESCRIBES",
    relatedSpdxElement: idOf(top.commit),
  }];
  closure.forEach((entry) => {
    packages.push({
      SPDXID: idOf(entry.commit),
      name: entry.slug,
      versionInfo: entry.version,
      downloadLocation: "NOASSERTION",
      filesAnalyzed: false,
      checksums: [{ algorithm: "SHA256", checksumValue: entry.contentChecksum }],
      licenseConcluded: "NOASSERTION",
      licenseDeclared: "NOASSERTION",
      copyrightText: "NOASSERTION",
      comment: `2nex result ${entry.ref} (ostree commit ${entry.commit}; the checksum is its ` +
        `ostree content checksum), input key ${entry.provenance.inputKey}`,
    });
    entry.provenance.sources.forEach((source, i) => {
      const id = `${idOf(entry.commit)}-source-${i}`;
      packages.push({
        SPDXID: id,
        name: source.name,
        downloadLocation: source.url ?? "NOASSERTION",
        filesAnalyzed: false,
        checksums: [{ algorithm: "SHA256", checksumValue: source.sha256 }],
        licenseConcluded: "NOASSERTION",
        licenseDeclared: "NOASSERTION",
        copyrightText: "NOASSERTION",
        ...(source.file !== undefined ? { comment: `file ${source.file} of the workspace` } : {}),
      });
      relationships.push({
        spdxElementId: idOf(entry.commit),
        relationshipType: "GENERATED_FROM",
        relatedSpdxElement: id,
      });
    });
    for (const dep of entry.provenance.dependencies) {
      if (!ids.has(dep.commit)) continue;
      relationships.push({
        spdxElementId: idOf(entry.commit),
        relationshipType: "DEPENDS_ON",
        relatedSpdxElement: idOf(dep.commit),
      });
    }
  });
  return {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name: `${top.slug}-${top.version}`,
    documentNamespace: `urn:2nex:spdx:${top.contentChecksum}`,
    creationInfo: {
      // The result's own time (SOURCE_DATE_EPOCH), so the document is reproducible too.
      created: new Date(created * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
      creators: [`Tool: 2nex-${version}`],
    },
    packages,
    relationships,
  };
}

/** SPDX identifiers allow letters, digits, "." and "-". */
function spdxSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]/g, "-");
}
