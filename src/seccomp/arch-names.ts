/** Architecture names as people type them (`--arch`): checked against the names the filters
 * know, with a did-you-mean hint. Light on purpose: the command line's option parsers use it. */
import { closest } from "../documents/suggest.js";
import { InputError } from "../errors.js";
import { architectureAlias, KNOWN_ARCHITECTURES } from "./arches.js";

/** The hint for an architecture name that is not one of `allowed`. */
export function architectureHint(
  name: string,
  allowed: readonly string[] = KNOWN_ARCHITECTURES,
): string {
  const alias = architectureAlias(name);
  if (alias && allowed.includes(alias))
    return `did you mean "${alias}"? (one of ${allowed.join(", ")})`;
  if (name === "x32")
    return `x32 is an ABI the filters refuse on x86_64, not an architecture; one of ${allowed.join(", ")}`;
  const guess = closest(name, allowed);
  return guess
    ? `did you mean "${guess}"? (one of ${allowed.join(", ")})`
    : `one of ${allowed.join(", ")}`;
}

/** Architecture names given on the command line (`--arch`): each must be one of `allowed`, or
 * it is bad input with a hint; returned without repeats, in order. */
export function checkArchitectureNames(
  names: readonly string[],
  allowed: readonly string[] = KNOWN_ARCHITECTURES,
): string[] {
  const unknown = names.filter((a) => !allowed.includes(a));
  if (unknown.length > 0)
    throw new InputError(
      unknown.map((a) => ({
        file: "--arch",
        path: "",
        message: `unknown architecture "${a}"`,
        hint: architectureHint(a, allowed),
      })),
    );
  return [...new Set(names)];
}
