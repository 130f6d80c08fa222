/** The fast path of a URL source's file name against the URL parser it stands in for. */
import assert from "node:assert/strict";
import { sourceFileName, urlFileName } from "../../lib/manifest/validate.ts";

/** What urlFileName must give: the URL parser's last path segment, decoded. */
function parsedFileName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.split("/").pop() ?? "");
  } catch {
    return url.split("/").pop() ?? "";
  }
}

const HANDPICKED = [
  "https://example.org/releases/m4-1.4.19.tar.xz",
  "http://example.org/a/b/c.tgz",
  "https://example.org",
  "https://example.org/",
  "https://example.org/a/",
  "https:///x",
  "https:////host/x",
  "https://a@/x",
  "https://user:pw@host:8080/dir/file.zip",
  "https://[::1]/pkg.tar",
  "https://[bad/pkg.tar",
  "https://host/a/..",
  "https://host/a/.",
  "https://host/a/../b.tar",
  "https://host/a/%2e%2e",
  "https://host/a/%2E",
  "https://host/file%20name.tar",
  "https://host/bad%zz.tar",
  "https://host/file.tar?download=1",
  "https://host/file.tar#frag",
  "https://host\\dir\\file.tar",
  "https://host/dir\\file.tar",
  "https://host/caf\u00e9.tar",
  "https://host/\ud800.tar",
  'https://host/"quoted"<>^`{|}.tar',
  "https://host/a b.tar",
  "https://host/tab\tin.tar",
  "https://host/trailing\x01",
  "https://exa_mple^/file",
  "https://bad^host",
];

Deno.test("urlFileName gives what the URL parser gives, for hand-picked URLs", () => {
  for (const url of HANDPICKED) assert.equal(urlFileName(url), parsedFileName(url), url);
});

Deno.test("urlFileName gives what the URL parser gives, for random URLs", () => {
  // Characters that matter to the parser, in random order: a fixed seed keeps failures repeatable.
  const alphabet = [
    "a",
    "Z",
    "0",
    ".",
    "..",
    "/",
    "//",
    "%",
    "%2e",
    "%41",
    "?",
    "#",
    "\\",
    "@",
    ":",
  ];
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < 5000; i++) {
    let rest = "";
    for (let k = next(12); k > 0; k--) rest += alphabet[next(alphabet.length)];
    const url = `${next(2) === 0 ? "https" : "http"}://${rest}`;
    assert.equal(urlFileName(url), parsedFileName(url), url);
  }
});

Deno.test("sourceFileName falls back to the source's name when the path names no file", () => {
  assert.equal(
    sourceFileName({ name: "main", url: "https://host/a/gdbm-1.23.tar.gz" }),
    "gdbm-1.23.tar.gz",
  );
  assert.equal(sourceFileName({ name: "main", url: "https://host/" }), "main");
  assert.equal(sourceFileName({ name: "main", url: "https://host/a/.." }), "main");
  assert.equal(sourceFileName({ name: "patch", file: "patches/fix.patch" }), "fix.patch");
  assert.equal(sourceFileName({ name: "patch", file: "patches/.." }), "patch");
});
