/**
 * The limits on what one manifest (or `2nex.yaml`) may be, as a file and as a
 * YAML document. A manifest comes from someone else; these bound the time,
 * memory and stack any one file can take, so that a hostile or broken file is
 * a diagnostic in its own file and never stops the loading of the others.
 * Each limit is an error, never a truncation. The README lists them.
 * @module
 */

/**
 * Largest manifest file, in bytes, refused before it is read. The largest
 * manifest here (a test package listing 4,000 files in its outputs) is 145
 * KiB; 16 MiB is a hundred times that, and parsing it with the YAML library
 * still ends in seconds (a 16 MB list: about 16 s on two busy cores).
 */
export const MAX_MANIFEST_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Deepest nesting of YAML collections (maps and lists, flow or block; the
 * top-level map is level 1), counted after alias expansion too. A manifest's
 * own structure is at most 4 levels deep and `vars` values rarely more than a
 * few; the expression language refuses values nested deeper than 64 anyway
 * (EXPRESSIONS.md), so nothing deeper could be used. The bound also keeps every
 * recursive walk (the parsers, validation, conversion of `vars`) thousands of
 * frames away from the stack's end: a 3,000-level document overflowed it.
 */
export const MAX_YAML_DEPTH = 64;

/**
 * Most nodes (scalars, lists, maps, aliases) one document may hold as written.
 * A manifest has hundreds; the one listing 4,000 files has about 8,000.
 * Texts outside the fast parser's subset go through the YAML library, which
 * takes about 10 µs a node on two busy cores: this bounds such a file to
 * about a second however large it is.
 */
export const MAX_YAML_NODES = 100_000;

/**
 * Most nodes the values of one document may expand to through aliases
 * ("billion laughs": each level of aliases multiplies the count). A million
 * small values take about a second to build and well under a GiB.
 */
export const MAX_YAML_EXPANDED_NODES = 1_000_000;

/**
 * Most aliases (`*name`) in one document. Manifests hardly use them; each
 * one is resolved once, but a document of many aliases is a sign of an attack
 * on the expansion rather than a package description.
 */
export const MAX_YAML_ALIASES = 10_000;

/** The message for nesting beyond {@link MAX_YAML_DEPTH}, and its hint. */
export const YAML_TOO_DEEP = `YAML nested deeper than ${MAX_YAML_DEPTH} levels`;
export const YAML_TOO_DEEP_HINT = "a manifest needs only a few levels; flatten the structure";
