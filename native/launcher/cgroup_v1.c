/* cgroup v1: one directory per controller hierarchy (memory, pids). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/eventfd.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"

static int v1_create(struct sr_cgroup *cg, const struct sr_cgroup_limits *lim,
                     struct sr_error *err) {
  char value[32];
  for (size_t i = 0; i < cg->ndirs; i++) {
    if (mkdir(cg->dirs[i], 0755) < 0) return sr_fail(err, errno, "mkdir `%s`", cg->dirs[i]);
    cg->created[i] = true;
    const char *ctrl = cg->controllers[i];
    if (strcmp(ctrl, "memory") == 0) {
      snprintf(value, sizeof value, "%" PRId64, lim->memory_max);
      if (sr_cg_write(cg->dirs[i], "memory.limit_in_bytes", value, err) < 0) return -1;
      /* memsw = memory + swap; absent when the kernel has no swap accounting. */
      if (lim->swap_max >= 0) {
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/memory.memsw.limit_in_bytes", cg->dirs[i]);
        if (access(path, F_OK) == 0) {
          snprintf(value, sizeof value, "%" PRId64, lim->memory_max + lim->swap_max);
          if (sr_cg_write(cg->dirs[i], "memory.memsw.limit_in_bytes", value, err) < 0) return -1;
        }
      }
    } else if (strcmp(ctrl, "pids") == 0) {
      snprintf(value, sizeof value, "%" PRId64, lim->pids_max);
      if (sr_cg_write(cg->dirs[i], "pids.max", value, err) < 0) return -1;
    } else if (strcmp(ctrl, "cpu") == 0) {
      snprintf(value, sizeof value, "%" PRId64, lim->cpu_period);
      if (sr_cg_write(cg->dirs[i], "cpu.cfs_period_us", value, err) < 0) return -1;
      snprintf(value, sizeof value, "%" PRId64, lim->cpu_quota);
      if (sr_cg_write(cg->dirs[i], "cpu.cfs_quota_us", value, err) < 0) return -1;
    }
  }
  return 0;
}

static int v1_add(struct sr_cgroup *cg, pid_t pid, struct sr_error *err) {
  char value[32];
  snprintf(value, sizeof value, "%d", (int)pid);
  for (size_t i = 0; i < cg->ndirs; i++)
    if (sr_cg_write(cg->dirs[i], "cgroup.procs", value, err) < 0) return -1;
  return 0;
}

static void v1_stats(struct sr_cgroup *cg, struct sr_cgroup_stats *out) {
  out->memory_peak = -1;
  out->oom_kills = 0;
  out->pids_limit_hits = 0;
  for (size_t i = 0; i < cg->ndirs; i++) {
    if (strcmp(cg->controllers[i], "memory") == 0) {
      sr_cg_read_i64(cg->dirs[i], "memory.max_usage_in_bytes", &out->memory_peak);
      int64_t k = sr_cg_read_key(cg->dirs[i], "memory.oom_control", "oom_kill");
      if (k > 0) out->oom_kills = k;
    } else if (strcmp(cg->controllers[i], "pids") == 0) {
      int64_t k = sr_cg_read_key(cg->dirs[i], "pids.events", "max");
      if (k > 0) out->pids_limit_hits = k;
    }
  }
}

static int v1_destroy(struct sr_cgroup *cg, struct sr_error *err) {
  int rc = 0;
  for (size_t i = 0; i < cg->ndirs; i++) {
    if (!cg->created[i]) continue;
    if (sr_cg_remove(cg->dirs[i], rc == 0 ? err : NULL) < 0) rc = -1;
    else cg->created[i] = false;
  }
  return rc;
}

/* v1 kills one process on OOM; an eventfd registered on memory.oom_control tells the
 * supervisor, which then ends the whole app. */
static int v1_oom_events(struct sr_cgroup *cg, struct sr_error *err) {
  for (size_t i = 0; i < cg->ndirs; i++) {
    if (strcmp(cg->controllers[i], "memory") != 0) continue;
    char path[PATH_MAX + 32], value[64];
    snprintf(path, sizeof path, "%s/memory.oom_control", cg->dirs[i]);
    int ofd = open(path, O_RDONLY | O_CLOEXEC);
    if (ofd < 0) return sr_fail(err, errno, "open `%s`", path);
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (efd < 0) {
      int e = errno;
      close(ofd);
      return sr_fail(err, e, "eventfd");
    }
    snprintf(value, sizeof value, "%d %d", efd, ofd);
    int rc = sr_cg_write(cg->dirs[i], "cgroup.event_control", value, err);
    close(ofd); /* the kernel holds its own reference */
    if (rc < 0) {
      close(efd);
      return -1;
    }
    return efd;
  }
  return -1;
}

const struct sr_cgroup_driver sr_cgroup_v1 = {"v1",       v1_create,  v1_add,
                                              v1_stats,   v1_destroy, v1_oom_events};
