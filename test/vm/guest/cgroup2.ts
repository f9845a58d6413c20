/** The VM's cgroup2 lane: a host with the unified hierarchy only, SELinux off. */
import { cgroupSuite } from "../../shared/cgroup-suite.js";
import { selinuxSuite } from "../../shared/selinux-suite.js";
import { kernelChecks, vmBackend } from "./backend.js";

cgroupSuite({ ...vmBackend, driver: "v2" });
selinuxSuite({ ...vmBackend, enforcing: false });
kernelChecks();
// Issue 16: the same limits for an unprivileged user in a delegated subtree.
import "./rootless.js";
// Issue 18: a private network with pasta, rootless.
import "./network.js";
