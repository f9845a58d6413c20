/* The private network's plumbing runs outside the sandbox, in a program of secure-run's (CNI
 * plugins for root, pasta for a rootless caller): the supervisor only says when. */
#ifndef SR_NETHOOK_H
#define SR_NETHOOK_H

#include <sys/types.h>

#include "../common/sr_error.h"

/* Runs `exe net-hook ACTION config PID` ("add" or "del") with stdin from /dev/null and its
 * output on stderr, and waits for it: -1 with err unless it exits 0. */
int sr_net_hook(const char *exe, const char *config, const char *action, pid_t pid,
                struct sr_error *err);

#endif
