/* cgroup v2: one directory in the unified hierarchy. The parent must delegate the controllers
 * (cgroup.subtree_control); the kernel refuses that while the parent itself holds processes
 * (the no-internal-process rule), which this driver reports as it is. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"

static int enable_controllers(const char *dir, const struct sr_cgroup_limits *lim,
                              struct sr_error *err) {
  char parent[PATH_MAX];
  snprintf(parent, sizeof parent, "%s", dir);
  char *slash = strrchr(parent, '/');
  if (slash == NULL) return sr_fail(err, EINVAL, "cgroup path `%s`", dir);
  *slash = '\0';
  char value[64] = "";
  if (lim->memory_max >= 0) strcat(value, "+memory ");
  if (lim->pids_max >= 0) strcat(value, "+pids ");
  if (lim->cpu_quota >= 0) strcat(value, "+cpu");
  if (value[0] == '\0') return 0;
  return sr_cg_write(parent, "cgroup.subtree_control", value, err);
}

static int v2_create(struct sr_cgroup *cg, const struct sr_cgroup_limits *lim,
                     struct sr_error *err) {
  char value[32];
  const char *dir = cg->dirs[0];
  if (enable_controllers(dir, lim, err) < 0) return -1;
  if (mkdir(dir, 0755) < 0) return sr_fail(err, errno, "mkdir `%s`", dir);
  cg->created[0] = true;
  if (lim->memory_max >= 0) {
    snprintf(value, sizeof value, "%" PRId64, lim->memory_max);
    if (sr_cg_write(dir, "memory.max", value, err) < 0) return -1;
    if (lim->swap_max >= 0) {
      snprintf(value, sizeof value, "%" PRId64, lim->swap_max);
      char path[PATH_MAX + 32];
      snprintf(path, sizeof path, "%s/memory.swap.max", dir);
      if (access(path, F_OK) == 0 && sr_cg_write(dir, "memory.swap.max", value, err) < 0)
        return -1;
    }
    /* An OOM kill ends the whole app, not one process of it. */
    if (sr_cg_write(dir, "memory.oom.group", "1", err) < 0) return -1;
  }
  if (lim->pids_max >= 0) {
    snprintf(value, sizeof value, "%" PRId64, lim->pids_max);
    if (sr_cg_write(dir, "pids.max", value, err) < 0) return -1;
  }
  if (lim->cpu_quota >= 0) {
    snprintf(value, sizeof value, "%" PRId64 " %" PRId64, lim->cpu_quota, lim->cpu_period);
    if (sr_cg_write(dir, "cpu.max", value, err) < 0) return -1;
  }
  return 0;
}

static int v2_add(struct sr_cgroup *cg, pid_t pid, struct sr_error *err) {
  char value[32];
  snprintf(value, sizeof value, "%d", (int)pid);
  return sr_cg_write(cg->dirs[0], "cgroup.procs", value, err);
}

static void v2_stats(struct sr_cgroup *cg, struct sr_cgroup_stats *out) {
  out->memory_peak = -1;
  sr_cg_read_i64(cg->dirs[0], "memory.peak", &out->memory_peak);
  int64_t k = sr_cg_read_key(cg->dirs[0], "memory.events", "oom_kill");
  out->oom_kills = k > 0 ? k : 0;
  k = sr_cg_read_key(cg->dirs[0], "pids.events", "max");
  out->pids_limit_hits = k > 0 ? k : 0;
}

static int v2_destroy(struct sr_cgroup *cg, struct sr_error *err) {
  if (!cg->created[0]) return 0;
  sr_cg_write(cg->dirs[0], "cgroup.kill", "1", NULL); /* Linux 5.14+; best effort before rmdir */
  if (sr_cg_remove(cg->dirs[0], err) < 0) return -1;
  cg->created[0] = false;
  return 0;
}

static int v2_oom_events(struct sr_cgroup *cg, struct sr_error *err) {
  (void)cg;
  (void)err;
  return -1; /* memory.oom.group makes the kernel end the whole cgroup */
}

const struct sr_cgroup_driver sr_cgroup_v2 = {"v2",       v2_create,  v2_add,
                                              v2_stats,   v2_destroy, v2_oom_events};
