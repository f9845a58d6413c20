/* Refusals: syscalls the plan refuses reach the supervisor by seccomp user notification; it
 * answers each with what the plan's filter returns, counts it (refusals.h) and, with --explain,
 * says at once who made which call (rate-limited). */
#ifndef SR_EXPLAIN_H
#define SR_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "../common/sr_error.h"
#include "refusals.h"
#include "sandbox.h"

struct sr_explain {
  struct sr_bpf_prog original; /* the plan's filter: its verdict is the answer */
  bool live; /* --explain: a line per refusal on standard error (rate-limited) */
  bool json;
  struct sr_refusals *counts; /* where each refusal is counted (the report's) */
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
