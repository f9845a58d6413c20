/* Instance mode (--instance DIR): the launcher is the detached supervisor of one instance. It
 * owns DIR while it lives (flock on DIR/lock), runs the app again as its restart policy says,
 * logs its output to DIR/log and records every change in DIR/state.json (written atomically;
 * the CLI reads it, as hostile, never writes it). The layout of DIR is the contract of issue 17
 * (schemas/instance-state.schema.json). */
#ifndef SR_INSTANCE_H
#define SR_INSTANCE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "config.h"
#include "logger.h"
#include "report.h"

struct sr_instance {
  struct sr_config *cfg;
  int dirfd;   /* DIR, O_DIRECTORY|O_NOFOLLOW, checked */
  int lockfd;  /* DIR/lock, flock(LOCK_EX) for the supervisor's whole life */
  int devnull; /* the app's stdin */
  char id[80]; /* DIR's own name: the instance id */
  struct sr_logger log;
  int out_fd, err_fd; /* this run's pipes from the app's stdout and stderr (read ends), -1 */
  int app_pidfd;      /* the app, pinned, once it said who it is; -1 */
  bool ready_sent;

  /* state.json */
  const char *status;
  pid_t supervisor_pid;
  long long supervisor_start;
  char boot_id[64];
  pid_t init_pid, app_pid;
  const char *cg_driver; /* NULL: no cgroup now */
  char cg_keys[SR_CG_MAX_DIRS][16];
  char cg_dirs[SR_CG_MAX_DIRS][PATH_MAX];
  size_t ncg;
  long long restarts;
  char started_at[40], finished_at[40]; /* "" for null */
  bool has_exit;
  int exit_code, signal;
  bool oom_killed, stopping;
  bool has_refused;                 /* the last run's refusals were counted */
  struct sr_refusals refused;       /* …and these are they */
  bool has_error;
  char error_step[32];
  char error_msg[SR_ERROR_MSG_MAX + 64];
};

/* The whole life of an instance's supervisor; returns the exit status of the launcher. */
int sr_instance_main(struct sr_config *cfg);

/* Hooks of one run, called by the supervisor (supervisor.c) and its loop (loop.c). */
/* Before init starts: the pipes of the app's stdout and stderr, its stdin, and the supervisor's
 * descriptors init closes. */
int sr_instance_run_begin(struct sr_instance *in, struct sr_error *err);
/* After init started (the pipes' write ends are init's now). */
void sr_instance_run_started(struct sr_instance *in, pid_t init, const struct sr_cgroup *cg);
/* The app told its host pid (SCM_CREDENTIALS of its message); pinned if it is init's child. */
void sr_instance_on_app_pid(struct sr_instance *in, pid_t pid, pid_t init);
/* The app called execve (or failed to: rep says): the ready line, status running. */
void sr_instance_on_exec(struct sr_instance *in, const struct sr_report *rep);
/* A signal to the supervisor while init runs: stop, kill now or forward. */
void sr_instance_signal(struct sr_instance *in, int sig, pid_t init);
/* Logs what the pipe holds now; at its end, closes it. */
void sr_instance_read_log(struct sr_instance *in, enum sr_log_stream s);
/* After init was reaped: the rest of the output (until both pipes end), then closes them. */
void sr_instance_run_end(struct sr_instance *in);

#endif
