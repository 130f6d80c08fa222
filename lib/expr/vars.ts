/**
 * The manifest's `vars`: evaluated in dependency order, so a var may use any
 * other var written before or after it, and a cycle is reported with every var
 * in it.
 * @module
 */
import { errorAt, type ExprError, ExprFailure, type TextLocator, toExprError } from "./error.ts";
import { type Budget, MAX_DEPTH, MAX_VARS } from "./limits.ts";
import { listNames } from "./evaluator.ts";
import { closestNames } from "./suggest.ts";
import { compileTemplate, expandTemplate, hasTemplate, templateVarReferences } from "./template.ts";
import { type MapValue, type Scope, setEntry, type Value } from "./value.ts";

/** One entry of `vars` as the manifest loader hands it over. */
export interface VarInput {
  /** The var's name (the X of `vars.X`). */
  name: string;
  /** Plain YAML data: strings (maybe with templates), numbers, booleans, null, lists, maps. */
  value: unknown;
  /** Locator of the string at `path` inside the value (`[]` = the value itself). */
  where: (path: (string | number)[]) => TextLocator;
}

/** A use of another var inside a var's value. */
interface Dependency {
  name: string;
  path: (string | number)[];
  offset: number;
}

/**
 * Evaluates the manifest's `vars` in dependency order, with `vars` in the scope
 * holding the vars evaluated so far. Returns them in manifest order.
 * Throws ExprError for an unknown var, a cycle (`vars cycle: a -> b -> a`), more
 * than {@link MAX_VARS} vars, or any error of their templates.
 */
export function evaluateVars(
  vars: VarInput[],
  baseScope: Scope,
  budget?: Budget,
): Record<string, Value> {
  if (vars.length > MAX_VARS) {
    throw errorAt(
      vars[MAX_VARS].where([]),
      0,
      `too many vars: ${vars.length}; the limit is ${MAX_VARS}`,
    );
  }
  const byName = new Map<string, VarInput>();
  for (const item of vars) if (!byName.has(item.name)) byName.set(item.name, item);
  const dependencies = new Map<string, Dependency[]>();
  for (const item of byName.values()) {
    dependencies.set(item.name, findDependencies(item, byName));
  }
  const order = dependencyOrder([...byName.keys()], dependencies, byName);

  const done: MapValue = {};
  const scope: Scope = { ...baseScope, vars: done };
  for (const name of order) {
    const item = byName.get(name)!;
    setEntry(done, name, expandValue(item.value, [], item, scope, budget));
  }
  const result: Record<string, Value> = {};
  for (const name of byName.keys()) setEntry(result, name, done[name]);
  return result;
}

/** Walks a var's value: every string with templates, with its path. */
function forEachTemplate(
  value: unknown,
  path: (string | number)[],
  item: VarInput,
  visit: (text: string, path: (string | number)[]) => void,
): void {
  if (path.length > MAX_DEPTH) {
    throw errorAt(
      item.where(path),
      0,
      `var "${item.name}" is nested more than ${MAX_DEPTH} levels deep`,
    );
  }
  if (typeof value === "string") {
    if (hasTemplate(value)) visit(value, path);
  } else if (Array.isArray(value)) {
    value.forEach((entry, i) => forEachTemplate(entry, [...path, i], item, visit));
  } else if (value !== null && typeof value === "object") {
    for (const [key, entry] of Object.entries(value)) {
      forEachTemplate(entry, [...path, key], item, visit);
    }
  }
}

/** The vars that `item` uses; an unknown one is an error with suggestions. */
function findDependencies(item: VarInput, byName: Map<string, VarInput>): Dependency[] {
  const found: Dependency[] = [];
  forEachTemplate(item.value, [], item, (text, path) => {
    let references;
    try {
      references = templateVarReferences(compileTemplate(text));
    } catch (error) {
      if (error instanceof ExprFailure) throw toExprError(error, item.where(path));
      throw error;
    }
    for (const reference of references) {
      if (!byName.has(reference.name)) {
        const close = closestNames(reference.name, byName.keys(), 1);
        throw errorAt(
          item.where(path),
          reference.offset,
          `unknown name "vars.${reference.name}"${
            close.length > 0 ? `; did you mean "vars.${close[0]}"?` : ""
          }`,
          byName.size > 0 ? `vars has: ${listNames([...byName.keys()])}` : "there are no vars",
        );
      }
      found.push({ name: reference.name, path, offset: reference.offset });
    }
  });
  return found;
}

/**
 * Names in an order where each var comes after the vars it uses (depth-first,
 * in manifest order, with an explicit stack rather than recursion). A cycle is
 * an ExprError listing its vars from the first one the walk entered, located at
 * that var's use of the next one.
 */
function dependencyOrder(
  names: string[],
  dependencies: Map<string, Dependency[]>,
  byName: Map<string, VarInput>,
): string[] {
  const order: string[] = [];
  const state = new Map<string, "active" | "done">();
  for (const root of names) {
    if (state.has(root)) continue;
    // Each frame: a var and how many of its dependencies have been followed.
    const stack: Array<{ name: string; next: number }> = [{ name: root, next: 0 }];
    state.set(root, "active");
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      const uses = dependencies.get(frame.name)!;
      if (frame.next >= uses.length) {
        stack.pop();
        state.set(frame.name, "done");
        order.push(frame.name);
        continue;
      }
      const use = uses[frame.next++];
      const seen = state.get(use.name);
      if (seen === "done") continue;
      if (seen === "active") throw cycleError(stack, use.name, dependencies, byName);
      state.set(use.name, "active");
      stack.push({ name: use.name, next: 0 });
    }
  }
  return order;
}

function cycleError(
  stack: Array<{ name: string; next: number }>,
  closing: string,
  dependencies: Map<string, Dependency[]>,
  byName: Map<string, VarInput>,
): ExprError {
  const start = stack.findIndex((frame) => frame.name === closing);
  const members = stack.slice(start).map((frame) => frame.name);
  const first = stack[start];
  // The use inside the first var that leads to the next one in the cycle.
  const use = dependencies.get(first.name)![first.next - 1];
  return errorAt(
    byName.get(first.name)!.where(use.path),
    use.offset,
    `vars cycle: ${[...members, closing].join(" -> ")}`,
    "a var cannot depend on itself, directly or through other vars",
  );
}

/** A var's value with its templates expanded (lists and maps rebuilt). */
function expandValue(
  value: unknown,
  path: (string | number)[],
  item: VarInput,
  scope: Scope,
  budget: Budget | undefined,
): Value {
  if (typeof value === "string") {
    return hasTemplate(value) ? expandTemplate(value, scope, item.where(path), budget) : value;
  }
  if (value === null || value === undefined) return null;
  if (typeof value === "number" || typeof value === "boolean") return value;
  if (Array.isArray(value)) {
    return value.map((entry, i) => expandValue(entry, [...path, i], item, scope, budget));
  }
  if (typeof value === "object") {
    const map: MapValue = {};
    for (const [key, entry] of Object.entries(value)) {
      setEntry(map, key, expandValue(entry, [...path, key], item, scope, budget));
    }
    return map;
  }
  throw errorAt(
    item.where(path),
    0,
    `var "${item.name}" holds an unsupported value (${typeof value})`,
    "vars hold text, numbers, booleans, null, lists and maps",
  );
}
