import assert from "node:assert/strict";
import { test } from "node:test";
import { parseApp } from "../../src/appspec/load.js";
import { InputError, formatIssue } from "../../src/errors.js";

function problems(text: string): string[] {
  try {
    parseApp(text, "app.yaml");
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    return e.issues.map(formatIssue);
  }
  assert.fail("expected an InputError");
}

const valid = `apiVersion: secure-run/v1
kind: App
name: web
command: [/usr/bin/env]
`;

test("a valid definition loads and normalizes", () => {
  const { app } = parseApp(
    `${valid}env: { DEBUG: 1, NAME: x }\nnetwork: { mode: host, listen: [8080, "8443/tcp"] }\nresources: { memory: 64Mi, pids: 10 }\n`,
    "app.yaml",
  );
  assert.deepEqual(app.env, { DEBUG: "1", NAME: "x" });
  assert.deepEqual(app.network?.listen, [
    { port: 8080, protocol: "tcp" },
    { port: 8443, protocol: "tcp" },
  ]);
  assert.equal(app.resources?.memory, 64 * 1024 * 1024);
});

test("unknown field: position of the key and a did-you-mean hint", () => {
  assert.deepEqual(problems(`${valid}comand: [x]\n`), [
    'app.yaml:5:1: comand: unknown field "comand"\n  hint: did you mean "command"?',
  ]);
});

test("every problem is reported at once, each at its own line", () => {
  const text = `apiVersion: secure-run/v2
kind: App
name: Web_Server
command: /bin/true
network:
  mode: bridge
resources:
  memory: lots
capabilities: [CAP_SYS_ADMIN]
`;
  assert.deepEqual(problems(text), [
    'app.yaml:1:13: apiVersion: must be "secure-run/v1"; got "secure-run/v2"',
    'app.yaml:3:7: name: expected a DNS label: lower-case letters, digits and dashes, e.g. "web-1"; got "Web_Server"',
    'app.yaml:4:10: command: expected a list; got a string ("/bin/true")',
    'app.yaml:6:9: network.mode: must be one of "none", "host", "private"; got "bridge"',
    'app.yaml:8:11: resources.memory: expected a size such as 268435456, 256Mi or 1Gi; got "lots"',
    'app.yaml:9:16: capabilities[0]: unknown value "CAP_SYS_ADMIN"\n  hint: write it as "SYS_ADMIN"',
  ]);
});

test("missing required fields point at the document", () => {
  assert.deepEqual(problems("apiVersion: secure-run/v1\nkind: App\n"), [
    // "command" through the schema's if/then: required unless the root is an image
    'app.yaml:1:1: missing required field "command"',
    'app.yaml:1:1: missing required field "name"',
  ]);
});

test("malformed YAML gives the parser's position", () => {
  assert.deepEqual(problems(`${valid}env: {A: 1\n`), [
    "app.yaml:6:1: invalid YAML: unexpected end of the stream within a flow collection",
  ]);
});

test("an empty file is explained", () => {
  assert.match(problems("# nothing\n")[0] ?? "", /^app\.yaml:1:1: the file is empty/);
});

test("port out of range and bad env names are located", () => {
  assert.deepEqual(problems(`${valid}network: { listen: ["70000/tcp"] }\nenv: { "1BAD": x }\n`), [
    'app.yaml:6:8: env.1BAD: invalid name "1BAD": expected a variable name: letters, digits and _, not starting with a digit',
  ]);
  assert.deepEqual(problems(`${valid}network: { listen: ["70000/tcp"] }\n`), [
    'app.yaml:5:21: network.listen[0]: port must be between 1 and 65535; got "70000/tcp"',
  ]);
});

test("mount sources must exist, relative to the app file", () => {
  assert.deepEqual(
    problems(`${valid}mounts:\n  - { source: ./no-such-dir, target: /data }\n`).length,
    1,
  );
  const { app } = parseApp(
    `${valid}mounts:\n  - { source: /usr, target: /opt/usr }\n  - { tmpfs: /cache, size: 1Mi }\n`,
    "/x/app.yaml",
  );
  assert.deepEqual(app.mounts, [
    { type: "bind", source: "/usr", target: "/opt/usr", readOnly: true },
    { type: "tmpfs", target: "/cache", size: 1048576 },
  ]);
});

test("a profile where an app definition belongs: one clear error, not one per syscall", () => {
  const text = "name: x-learned\nkind: learned\ndescription: d\nsyscalls:\n  read: r\n  write: w\n";
  assert.throws(
    () => parseApp(text, "x.profile.yaml"),
    (e: unknown) =>
      e instanceof InputError &&
      e.issues.length === 1 &&
      /syscall profile, not an app definition/.test(e.issues[0]?.message ?? "") &&
      /profiles show x\.profile\.yaml/.test(e.issues[0]?.hint ?? ""),
  );
});
