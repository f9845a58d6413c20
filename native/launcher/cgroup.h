/* One interface for cgroup v1 and v2. The launcher creates the app's cgroup as a child of its
 * own cgroup (or of --cgroup-parent below it), never elsewhere, and removes it at the end. */
#ifndef SR_CGROUP_H
#define SR_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/sr_error.h"

#define SR_CG_MAX_DIRS 4

struct sr_cgroup_limits {
  int64_t memory_max; /* -1: none */
  int64_t swap_max;   /* -1: not set */
  int64_t pids_max;   /* -1: none */
  int64_t cpu_quota;  /* microseconds per period, -1: none */
  int64_t cpu_period;
  /* v1: also a cgroup in the freezer hierarchy when it is mounted and writable (an instance's,
   * for pause); v2 freezes any cgroup (cgroup.freeze). */
  bool freezer;
};

struct sr_cgroup_stats {
  int64_t memory_peak; /* bytes, -1 when unknown */
  int64_t oom_kills;   /* processes killed by the memory limit */
  int64_t pids_limit_hits; /* forks refused by the pids limit */
};

struct sr_cgroup;

struct sr_cgroup_driver {
  const char *name; /* "v1" or "v2" */
  int (*create)(struct sr_cgroup *cg, const struct sr_cgroup_limits *lim, struct sr_error *err);
  int (*add)(struct sr_cgroup *cg, pid_t pid, struct sr_error *err);
  void (*stats)(struct sr_cgroup *cg, struct sr_cgroup_stats *out);
  int (*destroy)(struct sr_cgroup *cg, struct sr_error *err);
  /* A descriptor that becomes readable when the memory limit makes the kernel kill (v1), so
   * the supervisor can end the whole app; -1 when the kernel does that itself (v2,
   * memory.oom.group) or there is no memory limit. */
  int (*oom_events)(struct sr_cgroup *cg, struct sr_error *err);
};

struct sr_cgroup {
  const struct sr_cgroup_driver *driver;
  /* v1: one directory per hierarchy used (memory, pids); v2: one. */
  char dirs[SR_CG_MAX_DIRS][PATH_MAX];
  char controllers[SR_CG_MAX_DIRS][16]; /* v1: the controller of each dir */
  size_t ndirs;
  bool created[SR_CG_MAX_DIRS];
  /* v2: the leaf the launcher moved itself into so that its parent could delegate controllers
   * (the no-internal-process rule); empty when it did not need to. */
  char leaf[PATH_MAX];
  char enabled[64]; /* what it enabled in the parent's cgroup.subtree_control, to undo */
};

/* Where the controllers that limits need are (v1 hierarchies or the unified one), from
 * /proc/self/mountinfo and /proc/self/cgroup. Picks the driver and fills cg's directories
 * for a child named `name` below the own cgroup (and `parent`, when not NULL). */
int sr_cgroup_prepare(struct sr_cgroup *cg, const char *name, const char *parent,
                      const struct sr_cgroup_limits *lim, struct sr_error *err);

extern const struct sr_cgroup_driver sr_cgroup_v1;
extern const struct sr_cgroup_driver sr_cgroup_v2;

/* Helpers shared by the drivers. */
int sr_cg_write(const char *dir, const char *file, const char *value, struct sr_error *err);
int sr_cg_read_i64(const char *dir, const char *file, int64_t *out);
/* Value of "key N" lines in a flat-keyed file such as memory.events; -1 when absent. */
int64_t sr_cg_read_key(const char *dir, const char *file, const char *key);
/* Removes dir once its processes are gone: SIGKILLs what is left and retries for a while. */
int sr_cg_remove(const char *dir, struct sr_error *err);

#endif
