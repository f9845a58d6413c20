/** Loads a native addon (a .node file) by its path with process.dlopen, which every way of
 * starting the CLI has: the startup snapshot (scripts/build-snapshot.mjs) keeps the `require`
 * of the script it was built from, which knows Node's own modules only. CommonJS: the warm
 * path loads it. */
export function loadAddon(file: string): unknown {
  const module = { exports: {} };
  process.dlopen(module, file);
  return module.exports;
}
