// Builds policies/build/policy.wasm from the Rego sources with the pinned opa and writes the
// manifest of source hashes that the tests compare against.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { policySourceHashes, sha256 } = await import(join(root, "dist/src/policy/manifest.js"));
const opa = execFileSync(join(root, "scripts/install-opa.sh"), { encoding: "utf8" }).trim();
const entrypoints = ["secure_run/plan/result", "secure_run/review/decisions"];
const run = (args) => execFileSync(opa, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });

run(["fmt", "--fail", "--list", "policies"]);
run(["check", "--strict", "policies"]);
const tmp = mkdtempSync(join(tmpdir(), "secure-run-policy-"));
try {
  const bundle = join(tmp, "bundle.tar.gz");
  const sources = Object.keys(policySourceHashes(root));
  run(["build", "-t", "wasm", ...entrypoints.flatMap((e) => ["-e", e]), "-o", bundle, ...sources]);
  execFileSync("tar", ["-xzf", bundle, "-C", tmp, "/policy.wasm"], { stdio: "inherit" });
  const wasm = readFileSync(join(tmp, "policy.wasm"));
  writeFileSync(join(root, "policies/build/policy.wasm"), wasm);
  // The catalogue of review rules (id, level, title, description) from their METADATA, for
  // SARIF's rule list and the documentation.
  const inspected = JSON.parse(
    execFileSync(opa, ["inspect", "-a", "--format", "json", "policies/review"], {
      cwd: root,
      encoding: "utf8",
    }),
  );
  const rules = inspected.annotations
    .filter((a) => a.annotations.scope === "rule" && a.annotations.custom?.id)
    .map((a) => ({
      id: a.annotations.custom.id,
      level: a.annotations.custom.level,
      title: a.annotations.title,
      description: a.annotations.description.trim().replace(/\s+/g, " "),
      // Why Gatekeeper cannot judge it from a Pod (a rule with no policies/gatekeeper counterpart).
      ...(a.annotations.custom.kubernetes
        ? { kubernetes: a.annotations.custom.kubernetes.trim().replace(/\s+/g, " ") }
        : {}),
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
  writeFileSync(join(root, "policies/build/rules.json"), `${JSON.stringify(rules, null, 2)}\n`);
  // The Gatekeeper templates (export --format gatekeeper): each counterpart of a review rule (its
  // id, level, title and description are the review rule's) or a Kubernetes-only rule with its
  // own METADATA; their Rego, the shared lib, and the lists the review rules use, as parameters.
  const gk = JSON.parse(
    execFileSync(opa, ["inspect", "-a", "--format", "json", "policies/gatekeeper"], {
      cwd: root,
      encoding: "utf8",
    }),
  ).annotations.filter((a) => a.annotations.scope === "package");
  const byId = new Map(rules.map((r) => [r.id, r]));
  const templates = gk
    .filter((a) => a.annotations.custom?.id)
    .map((a) => {
      const id = a.annotations.custom.id;
      const review = byId.get(id);
      if (!review && !a.annotations.custom.level)
        throw new Error(`${a.location.file}: ${id} is no review rule and has no level of its own`);
      const rego = readFileSync(join(root, a.location.file), "utf8");
      if (!rego.includes(`lib.violation("${id}"`))
        throw new Error(`${a.location.file}: its violations must name ${id}`);
      return {
        id,
        level: review?.level ?? a.annotations.custom.level,
        title: review?.title ?? a.annotations.title,
        description: review?.description ?? a.annotations.description.trim().replace(/\s+/g, " "),
        review: Boolean(review),
        source: a.location.file,
        rego,
      };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
  const libFile = gk.find((a) => !a.annotations.custom?.id)?.location.file;
  const lists = JSON.parse(
    execFileSync(
      opa,
      [
        "eval",
        "--format",
        "json",
        "-d",
        "policies/lib",
        "-d",
        "policies/review",
        '{"lib": data.secure_run.lib, "secrets": data.secure_run.review.filesystem.secrets}',
      ],
      { cwd: root, encoding: "utf8" },
    ),
  ).result[0].expressions[0].value;
  const gatekeeper = {
    lib: { source: libFile, rego: readFileSync(join(root, libFile), "utf8") },
    data: {
      dangerousCapabilities: [...lists.lib.dangerous_capabilities].sort(),
      defaultCapabilities: lists.lib.allowed_capabilities,
      systemPaths: lists.lib.system_paths,
      runtimeSockets: lists.lib.runtime_sockets,
      secrets: lists.secrets,
    },
    templates,
  };
  writeFileSync(
    join(root, "policies/build/gatekeeper.json"),
    `${JSON.stringify(gatekeeper, null, 2)}\n`,
  );
  // The catalogue of the plan's rules (the ids its reasons name), from each plan package's
  // METADATA (custom.rules): what the rule decides and which input it reads.
  const planRules = JSON.parse(
    execFileSync(opa, ["inspect", "-a", "--format", "json", "policies"], {
      cwd: root,
      encoding: "utf8",
    }),
  )
    .annotations.filter(
      (a) =>
        a.annotations.scope === "package" &&
        a.location.file.startsWith("policies/plan/") &&
        a.annotations.custom?.rules,
    )
    .flatMap((a) =>
      a.annotations.custom.rules.map((r) => ({
        id: r.id,
        decides: r.decides,
        reads: r.reads,
        source: a.location.file,
      })),
    )
    .sort((a, b) => a.id.localeCompare(b.id));
  writeFileSync(
    join(root, "policies/build/plan-rules.json"),
    `${JSON.stringify(planRules, null, 2)}\n`,
  );
  const version = /Version: (\S+)/.exec(execFileSync(opa, ["version"], { encoding: "utf8" }))?.[1];
  const manifest = {
    opaVersion: version,
    entrypoints,
    sources: policySourceHashes(root),
    wasmSha256: sha256(wasm),
  };
  writeFileSync(
    join(root, "policies/build/manifest.json"),
    `${JSON.stringify(manifest, null, 2)}\n`,
  );
  console.log(
    `policies/build/policy.wasm: ${wasm.length} bytes from ${sources.length} sources (opa ${version})`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
