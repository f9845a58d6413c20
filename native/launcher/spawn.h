/* Starting init: the channels it talks to the supervisor by, the clone into its new namespaces
 * (with cgroup v2, straight into the app's cgroup), the ids of its user namespace, and its
 * release once it is in the cgroup, before it runs anything of the app's. */
#ifndef SR_SPAWN_H
#define SR_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "../common/sr_error.h"
#include "cgroup.h"
#include "config.h"
#include "sandbox.h"

/* The supervisor's side of a started init. */
struct sr_spawn {
  pid_t init;  /* killed and reaped by sr_spawn_close unless taken (sr_steal_pid) once reaped */
  int msg;     /* the messages from the sandbox */
  int release; /* --explain/--trace: the write end the app waits on, else -1 */
  int exec;    /* --instance: EOF once the app called execve or gave up (see sr_channels), else -1 */
};
#define SR_SPAWN_EMPTY {.init = -1, .msg = -1, .release = -1, .exec = -1}

/* Starts init for cfg, with the app's filter bpf; sfd is the supervisor's signalfd (init closes
 * its copy). On failure, *step names what failed (setup, cgroup, clone, user namespace, sync),
 * and sp holds what was made so far, for sr_spawn_close. *placement: how init got into the
 * cgroup (see struct sr_report). */
int sr_spawn_init(const struct sr_config *cfg, const struct sr_bpf_prog *bpf, struct sr_cgroup *cg,
                  int sfd, bool want_release, struct sr_spawn *sp, const char **placement,
                  const char **step, struct sr_error *err);

/* Ends init if it is still held, and closes the descriptors; for __attribute__((cleanup)). */
void sr_spawn_close(struct sr_spawn *sp);

#endif
