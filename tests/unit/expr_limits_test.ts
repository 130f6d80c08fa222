import assert from "node:assert/strict";
import { utf8Length } from "../../lib/expr/limits.ts";

/** The UTF-8 encoder's length; it writes a lone surrogate as U+FFFD, 3 bytes. */
const encodedLength = (text: string) => new TextEncoder().encode(text).length;

Deno.test("utf8Length: as many bytes as the UTF-8 encoder writes", () => {
  const samples = [
    "",
    "plain ascii, ${{ vars.x }}",
    "\x7f\x80",
    "é",
    "€uro",
    "😀",
    "a\ud800b",
    "\udc00",
    "\ud83d",
    "x".repeat(10_000) + "ß",
  ];
  for (const text of samples) {
    assert.equal(utf8Length(text), encodedLength(text), JSON.stringify(text));
  }
  // Random texts over ASCII, two- and three-byte characters and surrogates, paired or not.
  const units = [0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xffff, 0xd800, 0xdbff, 0xdc00, 0xdfff];
  let seed = 7;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (let i = 0; i < 2_000; i++) {
    const codes = Array.from({ length: random(12) }, () => units[random(units.length)]);
    const text = String.fromCharCode(...codes);
    assert.equal(utf8Length(text), encodedLength(text), JSON.stringify(text));
  }
});
