/**
 * The example package `2nex init` writes into an empty workspace: a C program
 * from a file next to its manifest, built with the host's compiler, so that
 * the README's tour builds it with no network and nothing vendored.
 * @module
 */
import { createHash } from "node:crypto";

/** The C source, at `manifests/hello/hello.c`. */
export const EXAMPLE_SOURCE = `#include <stdio.h>

int main(void) {
  puts("Hello from 2nex!");
  return 0;
}
`;

/** Where the example's files go, relative to the first manifests directory. */
export const EXAMPLE_MANIFEST_PATH = "hello.yaml";
export const EXAMPLE_SOURCE_PATH = "hello/hello.c";

/** The manifest, pinning the source by its sha256. */
export function exampleManifest(): string {
  const sha256 = createHash("sha256").update(EXAMPLE_SOURCE).digest("hex");
  return `# An example package written by \`2nex init\`: a C program in hello/hello.c,
# compiled by the host's gcc (sandbox: host, as in a bootstrap phase), so
# it builds offline. Its output hash depends on that compiler, so it is not
# recorded yet: \`2nex build hello --update-hash\` writes it below.
package:
  schema: 1
  name: Hello
  slug: hello
  version: "1.0"
  description: Prints a greeting
  stable_checksum: false          # host-built: another compiler gives another hash
sources:
  - name: hello                   # the build reads it as $SOURCE_hello
    file: ${EXAMPLE_SOURCE_PATH}
    sha256: ${sha256}
build:
  sandbox: host
  script: |
    mkdir -p "$OUT_DIR/usr/bin"
    gcc -O2 -o "$OUT_DIR/usr/bin/hello" "$SOURCE_hello"
outputs:
  bin: [/usr/bin/hello]
bundles:
  default: [bin]
`;
}
