/* --explain: syscalls outside the allowlist reach the supervisor by seccomp user notification;
 * it says who made which call and answers with what the plan's filter would have returned. */
#ifndef SR_EXPLAIN_H
#define SR_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "../common/sr_error.h"
#include "sandbox.h"

struct sr_explain {
  struct sr_bpf_prog original; /* the plan's filter: its verdict is the answer */
  bool json;
  int listener; /* -1 until taken from the app */
  time_t window;
  unsigned shown, suppressed;
};

/* Takes the app's seccomp listener descriptor (number fdnum in process pid) with pidfd_getfd,
 * waiting a little for the app to create it. */
int sr_listener_attach(pid_t pid, int fdnum, int *out, struct sr_error *err);

/* Answers one notification and reports it (rate-limited). Returns -1 when the listener is done
 * (the app is gone). */
int sr_explain_handle(struct sr_explain *ex);

void sr_explain_close(struct sr_explain *ex);

#endif
