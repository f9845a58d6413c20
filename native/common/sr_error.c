#include "sr_error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int sr_fail(struct sr_error *err, int code, const char *fmt, ...) {
  if (err != NULL) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->code = code;
  }
  return -1;
}

void sr_error_format(const struct sr_error *err, char *buf, size_t size) {
  if (err->code != 0)
    snprintf(buf, size, "%s: %s", err->msg, strerror(err->code));
  else
    snprintf(buf, size, "%s", err->msg);
}

int sr_wrap(struct sr_error *err, const char *fmt, ...) {
  if (err != NULL) {
    char joined[2 * SR_ERROR_MSG_MAX + 2];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(joined, SR_ERROR_MSG_MAX, fmt, ap);
    va_end(ap);
    size_t at = n < 0 ? 0 : strlen(joined);
    snprintf(joined + at, sizeof joined - at, ": %s", err->msg);
    snprintf(err->msg, sizeof err->msg, "%.*s", SR_ERROR_MSG_MAX - 1, joined);
  }
  return -1;
}

int sr_write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  for (size_t done = 0; done < len;) {
    ssize_t n = write(fd, p + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return -1;
    }
    done += (size_t)n;
  }
  return 0;
}
