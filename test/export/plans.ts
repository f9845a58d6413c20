/** Plans the export tests share: the examples and apps written here, planned for a fixed host so
 * that the exports do not depend on the machine. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseApp } from "../../src/appspec/load.js";
import { makePlan } from "../../src/plan/make.js";
import type { Plan } from "../../src/plan/types.js";
import { debianHost } from "../fixtures/hosts.js";
import { root } from "../helpers.js";

export const accounts = {
  passwd:
    "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n" +
    "app:x:1000:1000:app:/home/app:/bin/sh\n",
  group: "root:x:0:\nnogroup:x:65534:\napp:x:1000:\nstaff:x:50:app\n",
};

export function planOfText(text: string, file = "/srv/app.yaml"): Plan {
  return makePlan(parseApp(text, file), { host: debianHost, accounts }).plan;
}

export function examplePlan(name: string): Plan {
  const file = join(root, "examples", name);
  return planOfText(readFileSync(file, "utf8"), file);
}

/** An app with every part an export must carry: ports, a capability, writable and read-only
 * binds, a tmpfs, limits, restarts, argument rules (socket families, ioctl, clone). */
export const NET_APP = `apiVersion: secure-run/v1
kind: App
name: web
command: [/usr/bin/python3, -m, http.server, "80"]
user: app
env: { GREETING: "50% of $HOME \\"quoted\\"" }
workdir: /srv/data
network: { listen: [80, "5353/udp"], connect: [443] }
capabilities: [NET_BIND_SERVICE]
mounts:
  - { source: /var/tmp, target: /srv/data, readOnly: false }
  - { source: /usr/share/zoneinfo, target: /etc/web }
  - { tmpfs: /var/cache/web, size: 16Mi }
syscalls: { hints: [python, threads, spawns] }
resources: { memory: 256Mi, swap: 64Mi, cpu: 0.5, pids: 64 }
restart: { policy: on-failure, maxRetries: 3 }
`;

/** Every path exists, as a directory unless it looks like a file. */
export const allPresent = (p: string): "dir" | "file" =>
  /\/etc\/[^/]+\.(conf|cache)$|\/etc\/(passwd|group|hosts|services|protocols|localtime|mime\.types|os-release|debian_version)$/.test(
    p,
  )
    ? "file"
    : "dir";
