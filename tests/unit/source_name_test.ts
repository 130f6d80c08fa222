/**
 * Source file names (lib/source/file_name.ts): the fast path against the URL
 * parser it stands in for, and names that would leave their directory.
 */
import assert from "node:assert/strict";
import {
  isSafeFileName,
  localFileName,
  sourceFileName,
  urlFileName,
} from "../../lib/source/file_name.ts";

/**
 * What urlFileName must give: the URL parser's last path segment, decoded, when
 * that is one safe path segment; else undefined. A text the parser refuses: its
 * last segment as written, if safe.
 */
function parsedFileName(url: string): string | undefined {
  let segment: string;
  try {
    segment = new URL(url).pathname.split("/").pop() ?? "";
  } catch {
    const raw = url.split("/").pop() ?? "";
    return isSafeFileName(raw) ? raw : undefined;
  }
  let name = segment;
  try {
    name = decodeURIComponent(segment);
  } catch {
    // Escapes that are not UTF-8 stay as written.
  }
  return isSafeFileName(name) ? name : undefined;
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

Deno.test("urlFileName gives what the URL parser gives when it is safe, for hand-picked URLs", () => {
  for (const url of HANDPICKED) assert.equal(urlFileName(url), parsedFileName(url), url);
});

Deno.test("urlFileName gives what the URL parser gives when it is safe, for random URLs", () => {
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
    "%2f",
    "%2F",
    "%00",
    "%0a",
    "%5c",
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

/** URLs whose last segment decodes to something that is not one file name. */
const CLIMBING = [
  "https://host/good/%2e%2e%2f%2e%2e%2ftmp%2fvictim",
  "https://host/good/..%2F..%2Fetc%2Fshadow",
  "https://host/good/%2E%2E",
  "https://host/good/%2e",
  "https://host/good/a%00b.tar",
  "https://host/good/a%0Ab.tar",
  "https://host/good/a%0db.tar",
  "https://host/good/a%5Cb.tar",
  "https://host/good/a%7Fb.tar",
  `https://host/good/${"x".repeat(256)}`,
  `https://host/good/${"%C3%A9".repeat(128)}`,
];

Deno.test("a URL whose last segment decodes to a path, a control character or a too long name gives no file name", () => {
  for (const url of CLIMBING) {
    assert.equal(urlFileName(url), undefined, url);
    assert.equal(sourceFileName({ name: "src", url }), "src", url);
  }
  assert.equal(urlFileName(`https://host/${"x".repeat(255)}`), "x".repeat(255));
  assert.equal(urlFileName(`https://host/${"%C3%A9".repeat(127)}`), "é".repeat(127));
});

Deno.test("file: paths: the base name, or the source's name when that is no single file name", () => {
  assert.equal(localFileName("a/b/c.patch"), "c.patch");
  for (const file of ["a/..", ".", "a/", "a\\b", "x\ny", "x\0y", "/"]) {
    assert.equal(localFileName(file), undefined, JSON.stringify(file));
    assert.equal(sourceFileName({ name: "p", file }), "p", JSON.stringify(file));
  }
});

Deno.test("sourceFileName never returns an unsafe name, even for a source name validation refuses", () => {
  assert.equal(sourceFileName({ name: "..", url: "https://host/" }), "source");
  assert.equal(sourceFileName({ name: "a/b", file: "x/.." }), "source");
  assert.equal(sourceFileName({ name: "" }), "source");
});

Deno.test("isSafeFileName accepts ordinary names and refuses everything that is not one segment", () => {
  for (const name of ["m4-1.4.19.tar.xz", "a b", "é", "...", ".hidden", "x".repeat(255)]) {
    assert.ok(isSafeFileName(name), name);
  }
  for (const name of ["", ".", "..", "a/b", "a\\b", "a\0", "a\n", "\x7f", "x".repeat(256)]) {
    assert.ok(!isSafeFileName(name), JSON.stringify(name));
  }
});
