/* An error that travels with its context: the failing step, errno and a message naming the
 * object. Functions fill it and return -1; callers pass it up with `if (ret < 0) return ret;`. */
#ifndef SR_ERROR_H
#define SR_ERROR_H

#include <stddef.h>
#include <stdlib.h>

#include "sr_cleanup.h"

#define SR_ERROR_MSG_MAX 480

struct sr_error {
  int code;      /* errno of the failing call, 0 when the failure is not a system error */
  char msg[SR_ERROR_MSG_MAX];
};

/* Records `fmt…` and errno `code` in err (when err is not NULL); always returns -1. */
int sr_fail(struct sr_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Puts context in front of the error already in err ("fmt…: what it said"), keeping its errno,
 * as crun's crun_error_wrap does; always returns -1. For `if (step(…, err) < 0) return
 * sr_wrap(err, "while …");`. */
int sr_wrap(struct sr_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Passes a failure up: evaluates `call` and returns -1 from the caller when it is negative. */
#define SR_TRY(call)                    \
  do {                                  \
    if ((call) < 0) return -1;          \
  } while (0)

/* Formats the error as "message: strerror(code)" into buf. */
void sr_error_format(const struct sr_error *err, char *buf, size_t size);

/* Writes all of buf to fd (retrying short writes and EINTR); -1 with errno when it could not. */
int sr_write_all(int fd, const void *buf, size_t len);

#endif
