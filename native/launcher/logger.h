/* An instance's log: the app's stdout and stderr, read from pipes by the supervisor and written
 * to DIR/log in the CRI format, one record a line:
 *
 *   2026-12-04T16:00:00.123456789Z stdout F text
 *
 * F: a full line (its newline is not part of the text); P: a piece of a line, for a line longer
 * than SR_LOG_LINE_MAX (split) and for what is left unterminated at the end of a run. Before a
 * record would take `log` past its maximum, `log` is renamed to `log.1` (replacing it) and a new
 * `log` starts. */
#ifndef SR_LOGGER_H
#define SR_LOGGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/sr_error.h"

#define SR_LOG_LINE_MAX 16384

enum sr_log_stream { SR_LOG_STDOUT, SR_LOG_STDERR };

struct sr_logger {
  int dirfd;   /* the instance directory (not owned) */
  int fd;      /* DIR/log, O_APPEND */
  int64_t size; /* of DIR/log */
  int64_t max;
  char pending[2][SR_LOG_LINE_MAX]; /* per stream: the line not yet ended */
  size_t npending[2];
};
#define SR_LOGGER_EMPTY {.dirfd = -1, .fd = -1}

/* Opens (or creates, 0600) DIR/log for appending: a regular file of the caller's, not a link. */
int sr_logger_open(struct sr_logger *lg, int dirfd, int64_t max, struct sr_error *err);

/* Reads what `fd` (non-blocking) holds now and logs its complete lines. Returns 1 while the pipe
 * is open, 0 at its end (EOF), -1 with err when the log cannot be written. */
int sr_logger_read(struct sr_logger *lg, enum sr_log_stream s, int fd, struct sr_error *err);

/* Logs `len` bytes of the stream: complete lines as F records, a line reaching SR_LOG_LINE_MAX
 * as a P record; the rest waits for more. */
int sr_logger_feed(struct sr_logger *lg, enum sr_log_stream s, const char *data, size_t len,
                   struct sr_error *err);

/* The end of a run: what is left of the stream's line goes out as a P record. */
int sr_logger_flush(struct sr_logger *lg, enum sr_log_stream s, struct sr_error *err);

void sr_logger_close(struct sr_logger *lg);

#endif
