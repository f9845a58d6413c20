/** The VM's selinux lane: SELinux enforcing with the reference policy and its container module. */
import { selinuxSuite } from "../../shared/selinux-suite.js";
import { vmBackend } from "./backend.js";

selinuxSuite({ ...vmBackend, enforcing: true });
