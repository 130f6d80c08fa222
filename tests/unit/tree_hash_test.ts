/**
 * hashTree's walk and its reads on their own: hard links hashed once, chunk
 * boundaries, and entries that vanish or change while a tree is hashed. The
 * checksums themselves are held against stock ostree in tests/e2e/store_test.ts.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  FileChangedError,
  fileHeader,
  hashFile,
  hashTree,
  regularFileChecksum,
} from "../../lib/store/checksum.ts";
import { type FileJob, hashFileJobs } from "../../lib/store/parallel_hash.ts";
import { FailureError } from "../../lib/util/mod.ts";

/** The read chunk of checksum.ts: sizes on both sides of it matter. */
const CHUNK = 1 << 20;

function bytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 131 + seed) & 0xff;
  return out;
}

function write(path: string, data: Uint8Array, mode = 0o644): void {
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  Deno.writeFileSync(path, data);
  Deno.chmodSync(path, mode);
}

/** A file object's checksum the plain way: the header and the whole content in one update. */
function wholeFileChecksum(mode: number, content: Uint8Array): string {
  return createHash("sha256").update(fileHeader(mode, "")).update(content).digest("hex");
}

const hex = (raw: Uint8Array) => Array.from(raw, (b) => b.toString(16).padStart(2, "0")).join("");

Deno.test("regularFileChecksum reads every size whole: empty, around and beyond the chunk", () => {
  const dir = Deno.makeTempDirSync({ prefix: "2nex-tree-hash-" });
  try {
    for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 2 * CHUNK + 7]) {
      const content = bytes(size, size & 0xff);
      write(`${dir}/f`, content);
      const expected = wholeFileChecksum(0o100644, content);
      assert.equal(hex(regularFileChecksum(`${dir}/f`, 0o100644)), expected, `size ${size}`);
      assert.equal(hex(regularFileChecksum(`${dir}/f`, 0o100644, size)), expected, `size ${size}`);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("hashTree hashes a hard-linked file once and gives the hash of copies", async () => {
  const linked = Deno.makeTempDirSync({ prefix: "2nex-tree-hash-links-" });
  const copied = Deno.makeTempDirSync({ prefix: "2nex-tree-hash-copies-" });
  try {
    const big = bytes(CHUNK + 3, 9);
    const small = bytes(100, 1);
    for (const root of [linked, copied]) {
      write(`${root}/a/tool`, big, 0o755);
      write(`${root}/a/data`, small);
    }
    // Names in other directories, and one in the same directory.
    for (const name of ["b/tool-alias", "c/d/tool", "a/tool2"]) {
      Deno.mkdirSync(`${linked}/${name}`.replace(/\/[^/]*$/, ""), { recursive: true });
      Deno.linkSync(`${linked}/a/tool`, `${linked}/${name}`);
      write(`${copied}/${name}`, big, 0o755);
    }
    Deno.linkSync(`${linked}/a/data`, `${linked}/data-link`);
    write(`${copied}/data-link`, small);

    const ofCopies = await hashTree(copied, false, { threads: 1 });
    assert.equal(ofCopies.filesRead, 6);
    for (const threads of [1, 3]) {
      const ofLinks = await hashTree(linked, false, { threads, minWorkPerThread: 0 });
      assert.equal(ofLinks.contentChecksum, ofCopies.contentChecksum, `${threads} threads`);
      assert.equal(ofLinks.filesRead, 2, `${threads} threads`);
    }
    // A mode change through one name is a change of every name: the hash follows.
    Deno.chmodSync(`${linked}/c/d/tool`, 0o644);
    for (const name of ["a/tool", "b/tool-alias", "c/d/tool", "a/tool2"]) {
      Deno.chmodSync(`${copied}/${name}`, 0o644);
    }
    assert.equal(
      (await hashTree(linked, false, { threads: 1 })).contentChecksum,
      (await hashTree(copied, false, { threads: 1 })).contentChecksum,
    );
  } finally {
    Deno.removeSync(linked, { recursive: true });
    Deno.removeSync(copied, { recursive: true });
  }
});

Deno.test("a file that changed size since it was listed is a FileChangedError naming it", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "2nex-tree-hash-changed-" });
  try {
    write(`${dir}/grows`, bytes(CHUNK + 10, 2));
    write(`${dir}/shrinks`, bytes(50, 3));
    assert.throws(
      () => regularFileChecksum(`${dir}/grows`, 0o100644, CHUNK),
      (error: unknown) =>
        error instanceof FileChangedError && error.message.includes(`${dir}/grows`) &&
        error.message ===
          `cannot hash ${dir}/grows: it grew past its ${CHUNK} bytes while the tree was hashed`,
    );
    // A file that keeps growing is given up on once past its listed size, not read forever.
    assert.throws(() => regularFileChecksum("/dev/zero", 0o100644, CHUNK + 1), FileChangedError);
    const listed = Deno.lstatSync(`${dir}/shrinks`);
    Deno.writeFileSync(`${dir}/shrinks`, bytes(20, 3));
    await assert.rejects(
      hashFile(`${dir}/shrinks`, listed),
      (error: unknown) =>
        error instanceof FileChangedError &&
        error.message ===
          `cannot hash ${dir}/shrinks: it shrank from 50 to 20 bytes while the tree was hashed`,
    );
    // The same from a worker: it leaves the file to this thread, which reports it.
    const jobs: FileJob[] = [
      { path: `${dir}/grows`, mode: 0o100644, size: CHUNK + 10 },
      { path: `${dir}/shrinks`, mode: 0o100644, size: 50 },
    ];
    await assert.rejects(
      hashFileJobs(jobs, (job) => regularFileChecksum(job.path, job.mode, job.size), {
        threads: 2,
        minWorkPerThread: 0,
      }),
      FileChangedError,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("an entry removed since it was listed is a FailureError naming it, not a crash", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "2nex-tree-hash-removed-" });
  try {
    write(`${dir}/file`, bytes(10, 4));
    Deno.symlinkSync("file", `${dir}/link`);
    for (const name of ["file", "link"]) {
      const listed = Deno.lstatSync(`${dir}/${name}`);
      Deno.removeSync(`${dir}/${name}`);
      await assert.rejects(
        hashFile(`${dir}/${name}`, listed),
        (error: unknown) =>
          error instanceof FailureError &&
          error.message === `cannot hash ${dir}/${name}: it was removed while the tree was hashed`,
      );
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
