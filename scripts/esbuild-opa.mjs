// An esbuild plugin shared by the command line's bundle (scripts/bundle-cli.mjs) and its startup
// snapshot (scripts/build-snapshot.mjs).

/** OPA's SDK implements a few builtins in JavaScript; the only one secure-run's policy needs is
 * sprintf (test/unit/policy-builtins.test.ts fails when the policy needs another). Its yaml.*
 * builtins would load a YAML library of their own on every command: in a bundle they are a stub
 * that says so if a policy ever calls them. */
export const noYamlBuiltins = {
  name: "no-opa-yaml-builtins",
  setup(b) {
    b.onResolve({ filter: /^yaml$/ }, (args) =>
      args.importer.includes("/@open-policy-agent/opa-wasm/")
        ? { path: "opa-yaml-stub", namespace: "secure-run-stub" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "secure-run-stub" }, () => ({
      contents:
        'const no = () => { throw new Error("the yaml.* Rego builtins are not in secure-run\'s bundles (scripts/esbuild-opa.mjs)"); };\n' +
        "module.exports = { parse: no, stringify: no };\n",
      loader: "js",
    }));
  },
};
