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
#include "nethook.h"
#include "sandbox.h"

/* The supervisor's side of a started init. */
struct sr_spawn {
  pid_t init;  /* killed and reaped by sr_spawn_close unless taken (sr_steal_pid) once reaped */
  int msg;     /* the messages from the sandbox */
  int release; /* --explain/--trace: the write end the app waits on, else -1 */
  int exec;    /* --instance: EOF once the app called execve or gave up (see sr_channels), else -1 */
  /* --net-hook: set once `add` was run (also when it failed: `del` undoes a partial add), for
   * sr_spawn_close's `del`. */
  const char *net_hook, *net_hook_config;
  pid_t net_pid;
  struct sr_net_ns net_ns; /* the app's namespaces, for the hook */
};
#define SR_SPAWN_EMPTY                                                                           \
  {.init = -1, .msg = -1, .release = -1, .exec = -1, .net_pid = -1, .net_ns = {-1, -1}}

/* Starts init for cfg, with the app's filter bpf; sfd is the supervisor's signalfd (init closes
 * its copy). On failure, *step names what failed (setup, cgroup, clone, user namespace, network, sync),
 * and sp holds what was made so far, for sr_spawn_close. *placement: how init got into the
 * cgroup (see struct sr_report). */
int sr_spawn_init(const struct sr_config *cfg, const struct sr_bpf_prog *bpf, struct sr_cgroup *cg,
                  int sfd, bool want_release, struct sr_spawn *sp, const char **placement,
                  const char **step, struct sr_error *err);

/* Writes the id maps of pid's user namespace: root writes them as given; an unprivileged caller
 * writes them itself when each is its own id alone, else through /usr/bin/newuidmap and
 * newgidmap, which check them against its ranges in /etc/subuid and /etc/subgid (a missing
 * helper or range is named in err). */
int sr_write_id_maps(pid_t pid, const struct sr_id_map *uid_map, size_t nuid_map,
                     const struct sr_id_map *gid_map, size_t ngid_map, struct sr_error *err);

/* The maps of a user namespace in which an unprivileged caller is root over every id it has, as
 * `podman unshare` makes it: its own uid and gid at 0, then its subordinate ranges (/etc/subuid,
 * /etc/subgid, by name or number; the first SR_MAX_ID_MAPS - 1 of each) from 1 on. -1 with err
 * when newuidmap or newgidmap is missing, or the caller has no range. */
int sr_caller_range_maps(struct sr_id_map *uid_map, size_t *nuid_map, struct sr_id_map *gid_map,
                         size_t *ngid_map, struct sr_error *err);

/* Ends init if it is still held, closes the descriptors, and runs the network hook's `del`
 * when its `add` ran (a failure is printed on stderr); for __attribute__((cleanup)). */
void sr_spawn_close(struct sr_spawn *sp);

#endif
