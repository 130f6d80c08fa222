/**
 * The native repository writer and reader on their own (no ostree program):
 * a directory committed and checked out again is the same tree; file objects
 * have the canonical mode and mtime 0 that stock ostree gives them; a commit
 * that fails part-way leaves no temporary file and no commit behind.
 * tests/e2e/store_interop_test.ts holds the same trees against stock ostree.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { FileChecksums, Store } from "../../lib/store/mod.ts";
import { FailureError } from "../../lib/util/errors.ts";
import { removeTree } from "../../lib/util/fs.ts";

function write(path: string, data: string, mode = 0o644): void {
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  Deno.writeTextFileSync(path, data);
  Deno.chmodSync(path, mode);
}

function makeTree(dir: string): void {
  Deno.mkdirSync(dir, { recursive: true });
  write(`${dir}/bin/run`, "#!/bin/sh\n", 0o755);
  write(`${dir}/bin/setuid`, "s", 0o4750);
  write(`${dir}/lib/empty`, "");
  write(`${dir}/lib/a`, "same");
  write(`${dir}/lib/b`, "same");
  Deno.symlinkSync("run", `${dir}/bin/alias`);
  Deno.symlinkSync("/nowhere", `${dir}/bin/dangling`);
  Deno.mkdirSync(`${dir}/share/empty/nested`, { recursive: true });
  Deno.mkdirSync(`${dir}/private`, { mode: 0o700 });
  Deno.chmodSync(`${dir}/private`, 0o700);
}

/** Path, type, mode and content or target of every entry, sorted. */
function describe(dir: string): string[] {
  const lines: string[] = [];
  const walk = (path: string, rel: string) => {
    for (const name of [...Deno.readDirSync(path)].map((e) => e.name).sort()) {
      const info = Deno.lstatSync(`${path}/${name}`);
      const mode = ((info.mode ?? 0) & 0o7777).toString(8);
      if (info.isSymlink) lines.push(`${rel}/${name} -> ${Deno.readLinkSync(`${path}/${name}`)}`);
      else if (info.isDirectory) {
        lines.push(`${rel}/${name}/ ${mode}`);
        walk(`${path}/${name}`, `${rel}/${name}`);
      } else {
        const digest = createHash("sha256").update(Deno.readFileSync(`${path}/${name}`));
        lines.push(`${rel}/${name} ${mode} ${digest.digest("hex").slice(0, 16)}`);
      }
    }
  };
  walk(dir, "");
  return lines;
}

/** Every `.file` object of the repository. */
function fileObjects(repo: string): string[] {
  const found: string[] = [];
  for (const dir of Deno.readDirSync(`${repo}/objects`)) {
    for (const entry of Deno.readDirSync(`${repo}/objects/${dir.name}`)) {
      if (entry.name.endsWith(".file")) found.push(`${repo}/objects/${dir.name}/${entry.name}`);
    }
  }
  return found;
}

Deno.test("native commit and checkout round-trip a tree with canonical modes", async () => {
  const root = await Deno.makeTempDir({ prefix: "2nex-native-store-" });
  try {
    const store = await Store.open(`${root}/repo`, { create: true, fsync: false });
    makeTree(`${root}/src`);
    const hash = await store.hashDirectory(`${root}/src`);
    const copied = await store.commit(`${root}/src`, { subject: "s", metadata: {}, timestamp: 0 });
    assert.equal(copied.contentChecksum, hash);
    // The canonical form: setuid and other bits beyond 0755 dropped, as ostree's commit does.
    const expected = describe(`${root}/src`).map((line) =>
      line.replace(/^(\/bin\/setuid) 4750 /, "$1 750 ")
    );
    for (const hardlink of [undefined, false]) {
      const dest = `${root}/out-${hardlink}/nested`;
      await store.checkout(copied.commit, dest, { hardlink });
      assert.deepEqual(describe(dest), expected, `hardlink: ${hardlink}`);
      assert.equal(await store.hashDirectory(dest), hash);
    }
    // Hardlinked checkouts share the objects, which have mtime 0 like ostree's; copies do not.
    const linked = Deno.statSync(`${root}/out-undefined/nested/bin/run`);
    assert.equal(linked.mtime?.getTime(), 0);
    assert.ok((linked.nlink ?? 0) >= 2);
    assert.equal(Deno.statSync(`${root}/out-false/nested/bin/run`).nlink, 1);
    // Two equal files are one object; symlinks are symlink objects.
    const objects = fileObjects(store.path);
    assert.equal(objects.length, 6, objects.join("\n"));
    for (const object of objects) {
      const info = Deno.lstatSync(object);
      if (info.isFile) {
        assert.equal(info.mtime?.getTime(), 0, object);
        assert.equal((info.mode ?? 0) & ~0o755 & 0o7777, 0, `${object} has a canonical mode`);
      }
    }
    assert.equal(objects.filter((o) => Deno.lstatSync(o).isSymlink).length, 2);

    // Consuming the tree gives the same commit and removes it.
    const consumed = await store.commit(`${root}/src`, {
      subject: "s",
      metadata: {},
      timestamp: 0,
      consume: true,
    });
    assert.equal(consumed.commit, copied.commit);
    await assert.rejects(() => Deno.lstat(`${root}/src`), Deno.errors.NotFound);
    await assert.rejects(() => store.checkout(copied.commit, `${root}/out-false/nested`));
  } finally {
    await removeTree(root);
  }
});

Deno.test("a consumed tree's files move into the repository; new files get copied", async () => {
  const root = await Deno.makeTempDir({ prefix: "2nex-native-store-" });
  try {
    const store = await Store.open(`${root}/repo`, { create: true, fsync: true });
    write(`${root}/src/moved`, "moved", 0o640);
    const inode = Deno.statSync(`${root}/src/moved`).ino;
    const { commit } = await store.commit(`${root}/src`, {
      subject: "s",
      metadata: {},
      timestamp: 0,
      consume: true,
    });
    const [object] = fileObjects(store.path);
    assert.equal(Deno.statSync(object).ino, inode, "the file itself became the object");
    assert.equal((Deno.statSync(object).mode ?? 0) & 0o7777, 0o640);
    await store.setRefs({ "test/moved": commit });
    assert.equal(await store.resolveRef("test/moved"), commit);
  } finally {
    await removeTree(root);
  }
});

Deno.test("a commit stores the files its hashDirectory noted without reading them again, unless they changed", async () => {
  const root = await Deno.makeTempDir({ prefix: "2nex-native-store-" });
  try {
    const store = await Store.open(`${root}/repo`, { create: true, fsync: false });
    const commitOf = (dir: string, files?: FileChecksums) =>
      store.commit(dir, { subject: "s", metadata: {}, timestamp: 0, files });

    // The same commit with noted checksums as without.
    makeTree(`${root}/plain`);
    makeTree(`${root}/noted`);
    const plain = await commitOf(`${root}/plain`);
    const files = new FileChecksums();
    const hash = await store.hashDirectory(`${root}/noted`, files);
    assert.equal(files.size, 5);
    const noted = await commitOf(`${root}/noted`, files);
    assert.equal(noted.contentChecksum, hash);
    assert.equal(noted.commit, plain.commit);

    // Every name of a hard-linked file is noted, though hashing read it once.
    write(`${root}/linked/one`, "shared");
    Deno.linkSync(`${root}/linked/one`, `${root}/linked/two`);
    write(`${root}/plain-linked/one`, "shared");
    write(`${root}/plain-linked/two`, "shared");
    const linked = new FileChecksums();
    await store.hashDirectory(`${root}/linked`, linked);
    assert.equal(linked.size, 2);
    assert.equal(
      (await commitOf(`${root}/linked`, linked)).commit,
      (await commitOf(`${root}/plain-linked`)).commit,
    );

    // A noted checksum is taken as it is: the file is not read (a false one shows it).
    write(`${root}/taken/x`, "content of x");
    const taken = new FileChecksums();
    await store.hashDirectory(`${root}/taken`, taken);
    const forged = new FileChecksums();
    const fake = new Uint8Array(32).fill(0xab);
    forged.note(`${root}/taken/x`, Deno.lstatSync(`${root}/taken/x`), fake);
    const before = new Set(fileObjects(store.path));
    await commitOf(`${root}/taken`, forged);
    const added = fileObjects(store.path).filter((path) => !before.has(path));
    assert.deepEqual(added, [`${store.path}/objects/ab/${"ab".repeat(31)}.file`]);

    // A file changed after hashing (size, or content and mtime) is hashed again.
    write(`${root}/changed/grows`, "short");
    write(`${root}/changed/rewritten`, "one");
    const stale = new FileChecksums();
    await store.hashDirectory(`${root}/changed`, stale);
    write(`${root}/changed/grows`, "much longer now");
    write(`${root}/changed/rewritten`, "two");
    Deno.utimeSync(`${root}/changed/rewritten`, 1, 1);
    const expected = await store.hashDirectory(`${root}/changed`);
    assert.equal((await commitOf(`${root}/changed`, stale)).contentChecksum, expected);
  } finally {
    await removeTree(root);
  }
});

Deno.test("setRefs renames no ref before the objects it reaches are flushed", async () => {
  const root = await Deno.makeTempDir({ prefix: "2nex-native-store-" });
  try {
    const store = await Store.open(`${root}/repo`, { create: true, fsync: true });
    makeTree(`${root}/src`);
    const { commit } = await store.commit(`${root}/src`, {
      subject: "s",
      metadata: {},
      timestamp: 0,
    });
    // A dirtree the commit reaches vanishes before its flush: the flush fails.
    const dirtrees = [...Deno.readDirSync(`${store.path}/objects`)].flatMap((dir) =>
      [...Deno.readDirSync(`${store.path}/objects/${dir.name}`)]
        .filter((entry) => entry.name.endsWith(".dirtree"))
        .map((entry) => `${store.path}/objects/${dir.name}/${entry.name}`)
    );
    assert.ok(dirtrees.length > 0);
    Deno.removeSync(dirtrees[0]);
    await assert.rejects(() => store.setRefs({ "test/a": commit, "test/b": commit }));
    assert.equal(await store.resolveRef("test/a"), undefined);
    assert.equal(await store.resolveRef("test/b"), undefined);
    // The new ref files, written beside the flush, are gone too.
    assert.deepEqual([...Deno.readDirSync(`${store.path}/tmp`)].map((e) => e.name), []);
  } finally {
    await removeTree(root);
  }
});

Deno.test("a commit that meets an entry ostree cannot store fails and leaves no temporaries", async () => {
  const root = await Deno.makeTempDir({ prefix: "2nex-native-store-" });
  try {
    const store = await Store.open(`${root}/repo`, { create: true, fsync: false });
    for (let i = 0; i < 20; i++) write(`${root}/src/a/f${i}`, `file ${i}`);
    const fifo = await new Deno.Command("mkfifo", { args: [`${root}/src/z-fifo`] }).output();
    assert.equal(fifo.code, 0);
    await assert.rejects(
      () => store.commit(`${root}/src`, { subject: "s", metadata: {}, timestamp: 0 }),
      (error: unknown) =>
        error instanceof FailureError && /only files, directories/.test(error.message),
    );
    assert.deepEqual([...Deno.readDirSync(`${store.path}/tmp`)].map((e) => e.name), []);
    const commits = [...Deno.readDirSync(`${store.path}/objects`)].flatMap((dir) =>
      [...Deno.readDirSync(`${store.path}/objects/${dir.name}`)].filter((e) =>
        e.name.endsWith(".commit")
      )
    );
    assert.deepEqual(commits, [], "no commit object");
  } finally {
    await removeTree(root);
  }
});

Deno.test("checkout of a missing ref or object is a FailureError naming it", async () => {
  const root = await Deno.makeTempDir({ prefix: "2nex-native-store-" });
  try {
    const store = await Store.open(`${root}/repo`, { create: true, fsync: false });
    await assert.rejects(() => store.checkout("no/such/ref", `${root}/x`), FailureError);
    write(`${root}/src/f`, "f");
    const { commit } = await store.commit(`${root}/src`, {
      subject: "s",
      metadata: {},
      timestamp: 0,
    });
    for (const object of fileObjects(store.path)) Deno.removeSync(object);
    await assert.rejects(
      () => store.checkout(commit, `${root}/y`),
      (error: unknown) => error instanceof FailureError && /has no file/.test(error.message),
    );
  } finally {
    await removeTree(root);
  }
});
