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
#include <stdlib.h>
#include <unistd.h>

#include "cgroup.h"

static int parent_of(const char *dir, char out[PATH_MAX], struct sr_error *err) {
  snprintf(out, PATH_MAX, "%s", dir);
  char *slash = strrchr(out, '/');
  if (slash == NULL) return sr_fail(err, EINVAL, "cgroup path `%s`", dir);
  *slash = '\0';
  return 0;
}

/* Whether the launcher is the only process in dir. */
static bool alone_in(const char *dir) {
  char path[PATH_MAX + 16], line[32];
  snprintf(path, sizeof path, "%s/cgroup.procs", dir);
  FILE *f = fopen(path, "re");
  if (f == NULL) return false;
  bool alone = true;
  int count = 0;
  while (fgets(line, sizeof line, f)) {
    count++;
    if (atoi(line) != (int)getpid()) alone = false;
  }
  fclose(f);
  return alone && count == 1;
}

/* The parent must delegate the controllers to the app's cgroup. The kernel refuses while the
 * parent holds processes; if the only one is the launcher, it moves into a leaf of its own. */
static int enable_controllers(struct sr_cgroup *cg, const struct sr_cgroup_limits *lim,
                              struct sr_error *err) {
  char parent[PATH_MAX];
  if (parent_of(cg->dirs[0], parent, err) < 0) return -1;
  char value[64] = "";
  if (lim->memory_max >= 0) strcat(value, "+memory ");
  if (lim->pids_max >= 0) strcat(value, "+pids ");
  if (lim->cpu_quota >= 0) strcat(value, "+cpu");
  if (value[0] == '\0') return 0;
  if (sr_cg_write(parent, "cgroup.subtree_control", value, NULL) == 0) {
    snprintf(cg->enabled, sizeof cg->enabled, "%s", value);
    return 0;
  }
  if (errno != EBUSY) return sr_cg_write(parent, "cgroup.subtree_control", value, err);
  if (!alone_in(parent))
    return sr_fail(err, EBUSY,
                   "cgroup v2: `%s` holds other processes, so it cannot delegate %s(the "
                   "no-internal-process rule); start secure-run in a cgroup of its own (e.g. "
                   "systemd-run --scope -p Delegate=yes) or give --cgroup-parent",
                   parent, value);
  char pid[32];
  int len = snprintf(cg->leaf, sizeof cg->leaf, "%s/secure-run-launcher-%d", parent, (int)getpid());
  if (len < 0 || (size_t)len >= sizeof cg->leaf) return sr_fail(err, ENAMETOOLONG, "leaf cgroup path");
  snprintf(pid, sizeof pid, "%d", (int)getpid());
  if (mkdir(cg->leaf, 0755) < 0 && errno != EEXIST) return sr_fail(err, errno, "mkdir `%s`", cg->leaf);
  if (sr_cg_write(cg->leaf, "cgroup.procs", pid, err) < 0) return -1;
  if (sr_cg_write(parent, "cgroup.subtree_control", value, err) < 0) return -1;
  snprintf(cg->enabled, sizeof cg->enabled, "%s", value);
  return 0;
}

/* Puts the launcher back where it was and the parent's delegation as it was. */
static void leave_leaf(struct sr_cgroup *cg) {
  if (cg->leaf[0] == '\0') return;
  char parent[PATH_MAX], undo[64] = "", pid[32];
  if (parent_of(cg->dirs[0], parent, NULL) < 0) return;
  for (char *tok = strtok(cg->enabled, " "); tok; tok = strtok(NULL, " ")) {
    strcat(undo, "-");
    strcat(undo, tok + 1);
    strcat(undo, " ");
  }
  sr_cg_write(parent, "cgroup.subtree_control", undo, NULL);
  snprintf(pid, sizeof pid, "%d", (int)getpid());
  sr_cg_write(parent, "cgroup.procs", pid, NULL);
  rmdir(cg->leaf);
  cg->leaf[0] = '\0';
}

static int v2_create(struct sr_cgroup *cg, const struct sr_cgroup_limits *lim,
                     struct sr_error *err) {
  char value[32];
  const char *dir = cg->dirs[0];
  if (enable_controllers(cg, lim, err) < 0) return -1;
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
  if (cg->created[0]) {
    sr_cg_write(cg->dirs[0], "cgroup.kill", "1", NULL); /* Linux 5.14+; best effort before rmdir */
    if (sr_cg_remove(cg->dirs[0], err) < 0) return -1;
    cg->created[0] = false;
  }
  leave_leaf(cg);
  return 0;
}

static int v2_oom_events(struct sr_cgroup *cg, struct sr_error *err) {
  (void)cg;
  (void)err;
  return -1; /* memory.oom.group makes the kernel end the whole cgroup */
}

const struct sr_cgroup_driver sr_cgroup_v2 = {"v2",       v2_create,  v2_add,
                                              v2_stats,   v2_destroy, v2_oom_events};
