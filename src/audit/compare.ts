/** Several apps side by side: a row per app, and the syscalls some allow and others do not. */
import type { AppAudit, AppComparison } from "./types.js";

export function compareApps(apps: readonly AppAudit[], arches: readonly string[]): AppComparison {
  const rows = apps.map((a) => ({
    name: a.name,
    file: a.file,
    syscalls: a.counts.syscalls,
    capabilities: a.counts.capabilities,
    listen: a.network.listen.map((p) => p.port),
    connect: a.network.connect.map((p) => p.port),
    writablePaths: a.counts.writablePaths,
    score: a.score.value,
  }));
  const label = (a: AppAudit): string =>
    apps.filter((b) => b.name === a.name).length > 1 ? `${a.name} (${a.file})` : a.name;
  const differences = arches.map((arch) => {
    const sets = apps.map((a) => ({
      app: label(a),
      names: new Set(a.syscalls.filter((s) => s.arches.includes(arch)).map((s) => s.name)),
    }));
    const union = [...new Set(sets.flatMap((s) => [...s.names]))].sort();
    return {
      arch,
      syscalls: union
        .map((name) => ({
          name,
          allowedBy: sets.filter((s) => s.names.has(name)).map((s) => s.app),
        }))
        .filter((d) => d.allowedBy.length < sets.length),
    };
  });
  return { rows, differences };
}
