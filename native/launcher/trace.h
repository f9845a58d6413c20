/* --trace: every syscall of the app reaches the supervisor by user notification and is allowed
 * to continue; the supervisor counts them and keeps the argument values that argument rules are
 * made of (socket families, clone flags, ioctl requests…). */
#ifndef SR_TRACE_H
#define SR_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define SR_TRACE_MAX_NR 1024
#define SR_TRACE_MAX_VALUES 32

struct sr_trace_values {
  uint64_t v[SR_TRACE_MAX_VALUES];
  unsigned n;
  bool overflow;
};

struct sr_trace {
  int listener;
  uint32_t arch;
  uint64_t counts[SR_TRACE_MAX_NR];
  struct sr_trace_values values[SR_TRACE_MAX_NR]; /* of the one argument that matters */
  int8_t arg_of[SR_TRACE_MAX_NR]; /* which argument that is, -1: none */
  uint64_t total, other_abi;
  bool progress; /* a line on standard error every second */
  struct timespec started;
  time_t last_tick;
  unsigned distinct, distinct_at_tick;
};

void sr_trace_init(struct sr_trace *t, bool progress);
/* Records one notification and lets the call continue. -1 when the listener is done. */
int sr_trace_handle(struct sr_trace *t);
/* Called about once a second: the progress line. */
void sr_trace_tick(struct sr_trace *t);
/* The result, as one JSON object, to fd. */
void sr_trace_write(const struct sr_trace *t, int fd);

#endif
