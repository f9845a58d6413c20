/* An error that travels with its context: the failing step, errno and a message naming the
 * object. Functions fill it and return -1; callers pass it up with `if (ret < 0) return ret;`. */
#ifndef SR_ERROR_H
#define SR_ERROR_H

#include <stddef.h>
#include <stdlib.h>

#define SR_ERROR_MSG_MAX 480

struct sr_error {
  int code;      /* errno of the failing call, 0 when the failure is not a system error */
  char msg[SR_ERROR_MSG_MAX];
};

/* Records `fmt…` and errno `code` in err (when err is not NULL); always returns -1. */
int sr_fail(struct sr_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Formats the error as "message: strerror(code)" into buf. */
void sr_error_format(const struct sr_error *err, char *buf, size_t size);

/* Writes all of buf to fd (retrying short writes and EINTR); -1 with errno when it could not. */
int sr_write_all(int fd, const void *buf, size_t len);

static inline void sr_cleanup_free(void *p) { free(*(void **)p); }
void sr_cleanup_close(int *fd);

#define sr_autofree __attribute__((cleanup(sr_cleanup_free)))
#define sr_autoclose __attribute__((cleanup(sr_cleanup_close)))

/* Hands ownership on: returns the value and leaves the variable empty. */
#define sr_steal_fd(fd) __extension__({ int _f = (fd); (fd) = -1; _f; })
#define sr_steal_ptr(p) __extension__({ __typeof__(p) _p = (p); (p) = NULL; _p; })

#endif
