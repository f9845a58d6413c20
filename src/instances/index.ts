/** Detached instances: the store, their documents read as hostile, liveness, lifecycle, logs,
 * cgroup figures and the freezer. */
export * from "./cgroup.js";
export * from "./exits.js";
export * from "./files.js";
export * from "./lifecycle.js";
export * from "./list.js";
export * from "./liveness.js";
export * from "./lock.js";
export * from "./logs.js";
export * from "../host/remove-tree.js";
export * from "./store.js";
export * from "./types.js";
export * from "./view.js";
export * from "./gc.js";
export * from "./spec.js";
