/* The outcome of one launch, as the supervisor collects it and the caller reads it: one line of
 * JSON on --report-fd. */
#ifndef SR_REPORT_H
#define SR_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/sr_error.h"
#include "cgroup.h"
#include "refusals.h"

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
  struct sr_refusals refused;    /* the calls the plan refused, as the supervisor counted them */
  const struct sr_fixes *fixes;  /* the fix table of the launch, NULL: none */
};

/* An empty report of a launch under way. */
void sr_report_start(struct sr_report *rep);

/* Records a failure at `step`; the first failure is the cause, later ones are ignored. */
void sr_report_fail(struct sr_report *rep, const char *step, const struct sr_error *e, int exit_code);
bool sr_report_failed(const struct sr_report *rep);

/* The summary of the run's refusals, when one is due (`mode`: enum sr_summary_mode; none after a
 * failure that refused nothing: the failure says it all): 1 and a malloc'd text in *text (the
 * caller frees it), 0 when none is due, -1 on an error (in err). */
int sr_report_refusals_text(const struct sr_report *rep, const struct sr_fixes *fixes, int mode,
                            const char *app, char **text, size_t *len, struct sr_error *err);

/* The app's end, from what init said of it (app_status, -1 when it said nothing) and init's
 * own wait status. Nothing changes when the launch already failed. */
void sr_report_outcome(struct sr_report *rep, int app_status, int init_status);

/* s as a JSON string (quotes, backslashes and control characters escaped). */
void sr_json_string(FILE *f, const char *s);

/* The report as one line of JSON. */
void sr_report_write(int fd, const struct sr_report *rep);

#endif
