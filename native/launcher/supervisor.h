#ifndef SR_SUPERVISOR_H
#define SR_SUPERVISOR_H

#include <signal.h>

#include "../common/sr_error.h"
#include "cgroup.h"
#include "config.h"

struct sr_report {
  int exit_code;      /* what the launcher exits with */
  const char *status; /* "exited", "signaled", "failed" */
  int app_exit;       /* exited: the app's status */
  int app_signal;     /* signaled: the signal */
  char step[32];      /* failed: the step */
  struct sr_error error;
  const char *cgroup_driver; /* NULL: no cgroup */
  /* How init got into the cgroup: "clone" (born there, clone3 CLONE_INTO_CGROUP, v2), "joined"
   * (moved itself, v1) or "moved" (by the supervisor: a kernel without clone3 into cgroups). */
  const char *cgroup_placement;
  struct sr_cgroup_stats stats;
  bool oom_group_kill; /* the supervisor ended the app after an OOM kill in it */
  int64_t user_us, system_us; /* CPU time of init and everything it reaped */
  int64_t wall_us;
  bool parent_died; /* the caller went away, and the app was ended */
  char cleanup_error[SR_ERROR_MSG_MAX + 64]; /* empty when all was removed */
};

/* Blocks, for good, the signals the supervisor reads from its signalfd (returned in set) and
 * the terminal's stop signals. */
int sr_signals_block(sigset_t *set);

/* Runs one launch from start to end: cgroup, namespaces, the app, waiting, cleanup. */
void sr_supervise(struct sr_config *cfg, struct sr_report *rep);

/* The report as one line of JSON. */
void sr_report_write(int fd, const struct sr_report *rep);

#endif
