/** What `ps`, `stats` and `inspect` show of instances. */
import {
  cgroupDirs,
  netIO,
  sampleCgroup,
  samplePs,
  type CgroupSample,
  type CheckedCgroup,
  UnsafeCgroupError,
} from "./cgroup.js";
import { UnsafeFileError } from "./files.js";
import { byCodeUnits } from "../order.js";
import { listIds, SHORT, type Store } from "./store.js";
import { statusText, viewInstance, type InstanceView } from "./view.js";

export interface PsEntry {
  id: string;
  shortId: string;
  name: string;
  app: string | null;
  command: string[];
  status: InstanceView["status"];
  /** "exited (1)", "running", … */
  statusText: string;
  /** When the current status began (ISO 8601): the run's start, or its end. */
  since: string | null;
  created: string;
  exitCode: number | null;
  restarts: number;
  pids: number | null;
  memory: number | null;
  ports: string[];
  supervisorPid: number | null;
  problem?: string;
}

/** The instance's cgroup directories: those its view checked already, else checked now. */
function checkedCgroup(
  v: InstanceView,
  st: NonNullable<InstanceView["state"]>,
): CheckedCgroup | null {
  return v.cgroup !== undefined ? v.cgroup : cgroupDirs(st);
}

const RUNNING = new Set(["starting", "running", "restarting", "paused"]);

export function psEntry(v: InstanceView): PsEntry {
  const st = v.state;
  let sample: CgroupSample = {};
  let problem = v.problem;
  if (v.alive && st) {
    try {
      const cg = checkedCgroup(v, st);
      if (cg) sample = samplePs(cg);
    } catch (e) {
      if (!(e instanceof UnsafeCgroupError)) throw e;
      problem = e.message;
    }
  }
  const since = RUNNING.has(v.status) ? (st?.startedAt ?? null) : (st?.finishedAt ?? null);
  return {
    id: v.id,
    shortId: v.id.slice(0, SHORT),
    name: v.doc.name,
    app: v.doc.app,
    command: v.doc.command,
    status: v.status,
    statusText: statusText(v),
    since: since ?? v.doc.created,
    created: v.doc.created,
    exitCode: st?.exitCode ?? null,
    restarts: st?.restarts ?? 0,
    pids: sample.pids ?? null,
    memory: sample.memory ?? null,
    // A private network's ports as docker ps shows them: HOST-IP:HOST-PORT->PORT/PROTO.
    ports: v.doc.network
      ? v.doc.network.publish.map((p) => `${p.hostIp}:${p.hostPort}->${p.port}/${p.protocol}`)
      : v.doc.ports.map((p) => `${p.port}/${p.protocol}`),
    supervisorPid: v.alive && st ? st.supervisorPid : null,
    ...(problem ? { problem } : {}),
  };
}

/** Every instance's view (running ones only unless `all`), newest first; instances whose
 * instance.json cannot be trusted are reported apart, with why. */
export function listViews(
  s: Store,
  o: { all?: boolean } = {},
): { views: InstanceView[]; problems: { id: string; message: string }[] } {
  const views: InstanceView[] = [];
  const problems: { id: string; message: string }[] = [];
  for (const id of listIds(s)) {
    let v: InstanceView;
    try {
      v = viewInstance(s, id);
    } catch (e) {
      if (e instanceof UnsafeFileError || (e as NodeJS.ErrnoException).code === "ENOENT") {
        problems.push({ id, message: (e as Error).message });
        continue;
      }
      throw e;
    }
    if (!o.all && !RUNNING.has(v.status)) continue;
    views.push(v);
  }
  // ISO 8601 times in one time zone sort as strings.
  views.sort((a, b) => byCodeUnits(b.doc.created, a.doc.created));
  return { views, problems };
}

/** Every instance (running ones only unless `all`), newest first; instances whose instance.json
 * cannot be trusted are reported apart, with why. */
export function listInstances(
  s: Store,
  o: { all?: boolean } = {},
): { entries: PsEntry[]; problems: { id: string; message: string }[] } {
  const { views, problems } = listViews(s, o);
  return { entries: views.map(psEntry), problems };
}

export interface Stats {
  id: string;
  name: string;
  status: string;
  /** Percent of one CPU over the sampling interval; null without a sample. */
  cpuPercent: number | null;
  memory: number | null;
  memoryLimit: number | null;
  pids: number | null;
  pidsLimit: number | null;
  blockRead: number | null;
  blockWrite: number | null;
  netRx: number | null;
  netTx: number | null;
}

/** A first sample of each instance, to compute CPU use against the next. */
export interface StatsSample {
  at: bigint;
  cpuNs?: number;
}

/** Live figures of a running instance from its cgroups (checked, throws UnsafeCgroupError) and
 * its network namespace; `prev` gives the CPU percentage. */
export function statsOf(
  v: InstanceView,
  prev?: StatsSample,
): { stats: Stats; sample: StatsSample } {
  const st = v.state;
  const cg = v.alive && st ? checkedCgroup(v, st) : null;
  const s = cg ? sampleCgroup(cg) : {};
  const at = process.hrtime.bigint();
  const net = v.alive && st ? netIO(st.initPid) : undefined;
  let cpu: number | null = null;
  if (prev && prev.cpuNs !== undefined && s.cpuNs !== undefined && at > prev.at)
    cpu = ((s.cpuNs - prev.cpuNs) / Number(at - prev.at)) * 100;
  else if (!prev && s.cpuNs !== undefined && st?.startedAt) {
    // One sample: the average since the run started.
    const wall = Date.now() - Date.parse(st.startedAt);
    if (wall > 0) cpu = (s.cpuNs / 1e6 / wall) * 100;
  }
  return {
    stats: {
      id: v.id,
      name: v.doc.name,
      status: statusText(v),
      cpuPercent: cpu,
      memory: s.memory ?? null,
      memoryLimit: s.memoryLimit ?? null,
      pids: s.pids ?? null,
      pidsLimit: s.pidsLimit ?? null,
      blockRead: s.blockRead ?? null,
      blockWrite: s.blockWrite ?? null,
      netRx: net?.rx ?? null,
      netTx: net?.tx ?? null,
    },
    sample: { at, ...(s.cpuNs !== undefined ? { cpuNs: s.cpuNs } : {}) },
  };
}
