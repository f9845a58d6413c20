/** The shared cgroup and SELinux suites (test/shared) on this host, with the cgroup driver the
 * launcher picks here; the VM lanes (test/vm) run the same suites on cgroup v2 and with SELinux
 * enforcing. */
import { describe } from "node:test";
import { cgroupFacts, selinuxState } from "../../src/host/facts.js";
import { cgroupSuite } from "../shared/cgroup-suite.js";
import { selinuxSuite } from "../shared/selinux-suite.js";

const version = cgroupFacts().version;
const skip =
  process.getuid?.() !== 0
    ? "real launches need root (namespaces, cgroups)"
    : version === 0
      ? "no cgroup hierarchy with memory, pids and cpu here"
      : false;

if (skip) describe("cgroups and SELinux on this host", { skip }, () => undefined);
else {
  cgroupSuite({ driver: version === 1 ? "v1" : "v2" });
  selinuxSuite({ enforcing: selinuxState() === "enforcing" });
}
