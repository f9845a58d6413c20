#ifndef SR_SANDBOX_H
#define SR_SANDBOX_H

#include <stddef.h>
#include <linux/filter.h>

#include "cgroup.h"
#include "config.h"

struct sr_bpf_prog {
  struct sock_filter *insns;
  size_t len; /* instructions */
};

/* The first process in the new namespaces (pid 1 when a pid namespace is asked for): waits to
 * be placed in the cgroup, builds the sandbox, starts the app and then reaps, forwards signals
 * and reports the app's end. Never returns. */
/* The descriptors the sandbox's processes talk to the supervisor with. */
struct sr_channels {
  int msg;     /* messages to the supervisor (SOCK_SEQPACKET) */
  int sync;    /* init: released once it is in the cgroup */
  int explain; /* the app, with --explain: released once the supervisor holds its listener */
  int exec;    /* --instance: held by the app alone until its execve (close-on-exec), so that the
                  supervisor sees the end of the start (EOF) whether execve worked or not; -1 */
  /* cgroup v1: the `tasks` files of the app's cgroups, opened by the supervisor; init joins
   * them itself, first thing (see sr_init_main). */
  int cg_tasks[SR_CG_MAX_DIRS];
  size_t ncg_tasks;
};

__attribute__((noreturn)) void sr_init_main(const struct sr_config *cfg,
                                            const struct sr_bpf_prog *bpf,
                                            const struct sr_channels *ch);

/* In the app's process: the last steps, in the order that leaves no gap, then execve. Never
 * returns. */
__attribute__((noreturn)) void sr_app_exec(const struct sr_config *cfg,
                                           const struct sr_bpf_prog *bpf,
                                           const struct sr_channels *ch);

/* In init, once its user namespace's maps are written and before the new root hides the
 * caller's /proc: notes whether setgroups(2) is denied there, for sr_app_exec. */
void sr_app_probe_setgroups(void);

#endif
