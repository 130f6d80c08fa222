/**
 * The subset of GVariant serialisation (normal form) that ostree's objects use:
 * `y u t b s ay`, arrays, tuples, dict entries and variants. Enough to compute
 * ostree checksums natively and to read and write commit and dirtree objects.
 *
 * Values: `y u` numbers, `t` bigint, `b` boolean, `s` string, `ay` Uint8Array,
 * arrays and tuples/dict entries as JS arrays, `v` as {@link Variant}.
 *
 * @example
 * ```ts
 * const bytes = encodeVariant("(uuua(ayay))", [0, 0, 0o40755, []]);
 * decodeVariant("(uuua(ayay))", bytes); // [0, 0, 16877, []]
 * ```
 * @module
 */

/** A boxed value of type `v`: its own type string and value. */
export interface Variant {
  type: string;
  value: GValue;
}

/** A JS value that {@link encodeVariant} can serialise. */
export type GValue = number | bigint | boolean | string | Uint8Array | Variant | GValue[];

/** A parsed type: what the serialiser needs to know about it. */
interface GType {
  code: string;
  /** Alignment in bytes (1, 4 or 8 here). */
  align: number;
  /** Size when fixed, else undefined. */
  fixedSize?: number;
  /** Array element or tuple/dict-entry members. */
  children: GType[];
}

const typeCache = new Map<string, GType>();

function parseType(signature: string): GType {
  let type = typeCache.get(signature);
  if (type === undefined) {
    const [parsed, end] = parseTypeAt(signature, 0);
    if (end !== signature.length) throw new Error(`bad GVariant type "${signature}"`);
    type = parsed;
    typeCache.set(signature, type);
  }
  return type;
}

function parseTypeAt(signature: string, start: number): [GType, number] {
  const c = signature[start];
  switch (c) {
    case "y":
    case "b":
      return [{ code: c, align: 1, fixedSize: 1, children: [] }, start + 1];
    case "u":
      return [{ code: c, align: 4, fixedSize: 4, children: [] }, start + 1];
    case "t":
      return [{ code: c, align: 8, fixedSize: 8, children: [] }, start + 1];
    case "s":
      return [{ code: c, align: 1, children: [] }, start + 1];
    case "v":
      return [{ code: c, align: 8, children: [] }, start + 1];
    case "a": {
      const [element, end] = parseTypeAt(signature, start + 1);
      return [{ code: "a", align: element.align, children: [element] }, end];
    }
    case "(":
    case "{": {
      const close = c === "(" ? ")" : "}";
      const children: GType[] = [];
      let at = start + 1;
      while (signature[at] !== close) {
        if (at >= signature.length) throw new Error(`bad GVariant type "${signature}"`);
        const [child, end] = parseTypeAt(signature, at);
        children.push(child);
        at = end;
      }
      return [tupleType(c, children), at + 1];
    }
    default:
      throw new Error(`unsupported GVariant type "${signature}" at ${start}`);
  }
}

function tupleType(code: string, children: GType[]): GType {
  const align = Math.max(1, ...children.map((child) => child.align));
  let size: number | undefined = 0;
  for (const child of children) {
    if (child.fixedSize === undefined) {
      size = undefined;
      break;
    }
    size = alignUp(size, child.align) + child.fixedSize;
  }
  // A fixed-size tuple is padded to its alignment; the unit tuple takes one byte.
  const fixedSize = size === undefined ? undefined : size === 0 ? 1 : alignUp(size, align);
  return { code, align, fixedSize, children };
}

function alignUp(n: number, align: number): number {
  return (n + align - 1) & ~(align - 1);
}

/** Bytes per framing offset for a container whose body and offsets total this much. */
function offsetWidth(bodySize: number, offsetCount: number): number {
  if (offsetCount === 0) return 0;
  if (bodySize + offsetCount <= 0xff) return 1;
  if (bodySize + 2 * offsetCount <= 0xffff) return 2;
  return 4;
}

/** Width of framing offsets when reading a container of this total size. */
function readWidth(size: number): number {
  if (size <= 0xff) return 1;
  if (size <= 0xffff) return 2;
  return 4;
}

/** A growable byte buffer. */
class Writer {
  bytes = new Uint8Array(256);
  length = 0;

  reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < this.length + extra) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  pad(align: number, base: number): void {
    const target = base + alignUp(this.length - base, align);
    this.reserve(target - this.length);
    this.bytes.fill(0, this.length, target);
    this.length = target;
  }

  write(data: Uint8Array): void {
    this.reserve(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  writeUint(value: number, width: number): void {
    this.reserve(width);
    // GVariant integers are little-endian on the wire (ostree stores its own
    // big-endian values inside them, converted by the caller).
    for (let i = 0; i < width; i++) this.bytes[this.length + i] = (value >>> (8 * i)) & 0xff;
    this.length += width;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Serialises `value` as GVariant type `signature` in normal form. */
export function encodeVariant(signature: string, value: GValue): Uint8Array {
  const writer = new Writer();
  encodeInto(writer, parseType(signature), value);
  return writer.bytes.slice(0, writer.length);
}

function encodeInto(w: Writer, type: GType, value: GValue): void {
  const base = w.length;
  switch (type.code) {
    case "y":
      w.writeUint(value as number, 1);
      return;
    case "b":
      w.writeUint(value ? 1 : 0, 1);
      return;
    case "u":
      w.writeUint(value as number, 4);
      return;
    case "t": {
      const big = BigInt.asUintN(64, value as bigint);
      w.writeUint(Number(big & 0xffffffffn), 4);
      w.writeUint(Number(big >> 32n), 4);
      return;
    }
    case "s":
      w.write(encoder.encode(value as string));
      w.writeUint(0, 1);
      return;
    case "v": {
      const boxed = value as Variant;
      encodeInto(w, parseType(boxed.type), boxed.value);
      w.writeUint(0, 1);
      w.write(encoder.encode(boxed.type));
      return;
    }
    case "a":
      encodeArray(w, type.children[0], value, base);
      return;
    default:
      encodeTuple(w, type, value as GValue[], base);
  }
}

function encodeArray(w: Writer, element: GType, value: GValue, base: number): void {
  if (element.code === "y") {
    w.write(value as Uint8Array);
    return;
  }
  const items = value as GValue[];
  const ends: number[] = [];
  for (const item of items) {
    w.pad(element.align, base);
    encodeInto(w, element, item);
    if (element.fixedSize === undefined) ends.push(w.length - base);
  }
  writeOffsets(w, base, ends);
}

function encodeTuple(w: Writer, type: GType, items: GValue[], base: number): void {
  if (items.length !== type.children.length) {
    throw new Error(`tuple needs ${type.children.length} members, got ${items.length}`);
  }
  const ends: number[] = [];
  type.children.forEach((child, i) => {
    w.pad(child.align, base);
    encodeInto(w, child, items[i]);
    if (child.fixedSize === undefined && i < type.children.length - 1) ends.push(w.length - base);
  });
  if (type.fixedSize !== undefined) {
    if (w.length === base) w.writeUint(0, 1);
    w.pad(type.align, base);
    return;
  }
  // Tuples store their framing offsets in reverse order.
  writeOffsets(w, base, ends.reverse());
}

function writeOffsets(w: Writer, base: number, offsets: number[]): void {
  const width = offsetWidth(w.length - base, offsets.length);
  for (const offset of offsets) w.writeUint(offset, width);
}

/** Reads GVariant bytes of type `signature` (trusted, normal-form data). */
export function decodeVariant(signature: string, bytes: Uint8Array): GValue {
  return decodeType(parseType(signature), bytes);
}

function readUint(bytes: Uint8Array, at: number, width: number): number {
  let value = 0;
  for (let i = width - 1; i >= 0; i--) value = value * 256 + bytes[at + i];
  return value;
}

function decodeType(type: GType, bytes: Uint8Array): GValue {
  switch (type.code) {
    case "y":
      return bytes[0] ?? 0;
    case "b":
      return bytes[0] === 1;
    case "u":
      return bytes.length === 4 ? readUint(bytes, 0, 4) : 0;
    case "t":
      return bytes.length === 8
        ? BigInt(readUint(bytes, 0, 4)) + (BigInt(readUint(bytes, 4, 4)) << 32n)
        : 0n;
    case "s":
      return decoder.decode(bytes.subarray(0, Math.max(0, bytes.length - 1)));
    case "v": {
      const zero = bytes.lastIndexOf(0);
      const signature = decoder.decode(bytes.subarray(zero + 1));
      return { type: signature, value: decodeVariant(signature, bytes.subarray(0, zero)) };
    }
    case "a":
      return decodeArray(type.children[0], bytes);
    default:
      return decodeTuple(type, bytes);
  }
}

function decodeArray(element: GType, bytes: Uint8Array): GValue {
  if (element.code === "y") return bytes.slice();
  const items: GValue[] = [];
  if (bytes.length === 0) return items;
  if (element.fixedSize !== undefined) {
    for (let at = 0; at + element.fixedSize <= bytes.length; at += element.fixedSize) {
      items.push(decodeType(element, bytes.subarray(at, at + element.fixedSize)));
    }
    return items;
  }
  const width = readWidth(bytes.length);
  const tableStart = readUint(bytes, bytes.length - width, width);
  const count = (bytes.length - tableStart) / width;
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = readUint(bytes, tableStart + i * width, width);
    start = alignUp(start, element.align);
    items.push(decodeType(element, bytes.subarray(start, end)));
    start = end;
  }
  return items;
}

function decodeTuple(type: GType, bytes: Uint8Array): GValue {
  const width = readWidth(bytes.length);
  const last = type.children.length - 1;
  let offsetsRead = 0;
  let start = 0;
  return type.children.map((child, i) => {
    start = alignUp(start, child.align);
    let end: number;
    if (child.fixedSize !== undefined) {
      end = start + child.fixedSize;
    } else if (i === last) {
      const framing = type.children.filter((c, j) => j < last && c.fixedSize === undefined);
      end = bytes.length - framing.length * width;
    } else {
      offsetsRead++;
      end = readUint(bytes, bytes.length - offsetsRead * width, width);
    }
    const value = decodeType(child, bytes.subarray(start, end));
    start = end;
    return value;
  });
}
