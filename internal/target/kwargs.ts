/**
 * Python's keyword arguments: `kwargs` placed at the positions of the
 * target's parameters, named from its source text.
 *
 * @module
 */

import type { Callable } from "./resolve.ts";

/**
 * The parameter names of a function, from its source text; `null` where a
 * parameter is destructured and has no name. Used to place `kwargs`.
 */
export function parameterNames(source: string): Array<string | null> {
  let text = source.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, "").trim();
  text = text.replace(/^async\s+/, "");
  let params: string;
  if (/^class\b/.test(text)) {
    const ctor = /\bconstructor\s*\(/.exec(text);
    if (!ctor) return [];
    params = balanced(text, ctor.index + ctor[0].length - 1);
  } else if (/^[\p{L}_$][\p{L}\p{N}_$]*\s*=>/u.test(text)) {
    return [text.slice(0, text.indexOf("=")).trim()];
  } else {
    const open = text.indexOf("(");
    if (open < 0) return [];
    params = balanced(text, open);
  }
  return splitTopLevel(params).map((param) => {
    const bare = param.replace(/^\.\.\./, "").split("=")[0].trim();
    return /^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(bare) ? bare : null;
  });
}

function balanced(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) return text.slice(open + 1, i);
    } else if (c === '"' || c === "'" || c === "`") {
      i = skipString(text, i);
    }
  }
  return text.slice(open + 1);
}

function skipString(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === quote) return i;
  }
  return text.length;
}

function splitTopLevel(params: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < params.length; i++) {
    const c = params[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === '"' || c === "'" || c === "`") i = skipString(params, i);
    else if (c === "," && depth === 0) {
      parts.push(params.slice(start, i));
      start = i + 1;
    }
  }
  if (params.slice(start).trim()) parts.push(params.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** `args` with `kwargs` placed at their parameters' positions. */
export function placeArgs(
  target: Callable,
  source: string,
  args: unknown[],
  kwargs: Record<string, unknown> | undefined,
): unknown[] {
  if (!kwargs || Object.keys(kwargs).length === 0) return args;
  const names = parameterNames(source);
  const placed = [...args];
  for (const [key, value] of Object.entries(kwargs)) {
    const index = names.indexOf(key);
    const fn = target.name || "the target";
    if (index < 0) {
      const known = names.filter((n) => n !== null).join(", ") || "none";
      throw new TypeError(
        `'kwargs' names '${key}', which is not a parameter of ${fn} (its parameters: ${known})`,
      );
    }
    if (index < args.length) {
      throw new TypeError(
        `${fn} got multiple values for argument '${key}' (from 'args' and 'kwargs')`,
      );
    }
    placed[index] = value;
  }
  for (let i = 0; i < placed.length; i++) if (!(i in placed)) placed[i] = undefined;
  return placed;
}
