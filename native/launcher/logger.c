#define _GNU_SOURCE
#include "logger.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static const char *const stream_names[2] = {"stdout", "stderr"};

static int open_log(struct sr_logger *lg, struct sr_error *err) {
  int fd = openat(lg->dirfd, "log", O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return sr_fail(err, errno, "open the instance's log `log`%s",
                   errno == ELOOP ? " (a symbolic link: refused)" : "");
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int e = errno;
    close(fd);
    return sr_fail(err, e, "fstat the instance's log");
  }
  if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
    close(fd);
    return sr_fail(err, EPERM, "the instance's `log` is not a regular file of uid %u",
                   (unsigned)geteuid());
  }
  lg->fd = fd;
  lg->size = st.st_size;
  return 0;
}

int sr_logger_open(struct sr_logger *lg, int dirfd, int64_t max, struct sr_error *err) {
  lg->dirfd = dirfd;
  lg->max = max;
  lg->npending[0] = lg->npending[1] = 0;
  return open_log(lg, err);
}

void sr_logger_close(struct sr_logger *lg) { sr_close(lg->fd); }

/* log -> log.1, and a new log. */
static int rotate(struct sr_logger *lg, struct sr_error *err) {
  if (renameat(lg->dirfd, "log", lg->dirfd, "log.1") < 0)
    return sr_fail(err, errno, "rotate the instance's log (rename `log` to `log.1`)");
  sr_close(lg->fd);
  return open_log(lg, err);
}

static int record(struct sr_logger *lg, enum sr_log_stream s, char tag, const char *text,
                  size_t len, struct sr_error *err) {
  struct timespec now;
  struct tm tm;
  char head[80];
  clock_gettime(CLOCK_REALTIME, &now);
  gmtime_r(&now.tv_sec, &tm);
  size_t hl = strftime(head, sizeof head, "%Y-%m-%dT%H:%M:%S", &tm);
  hl += (size_t)snprintf(head + hl, sizeof head - hl, ".%09ldZ %s %c ", now.tv_nsec,
                         stream_names[s], tag);
  int64_t total = (int64_t)(hl + len + 1);
  if (lg->size > 0 && lg->size + total > lg->max && rotate(lg, err) < 0) return -1;
  /* One writev: a record is never torn by a reader of the file (O_APPEND). */
  struct iovec iov[3] = {{head, hl}, {(void *)text, len}, {"\n", 1}};
  ssize_t n;
  do {
    n = writev(lg->fd, iov, 3);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return sr_fail(err, errno, "write the instance's log");
  lg->size += n;
  if (n != total) return sr_fail(err, EIO, "short write to the instance's log");
  return 0;
}

int sr_logger_feed(struct sr_logger *lg, enum sr_log_stream s, const char *data, size_t len,
                   struct sr_error *err) {
  char *buf = lg->pending[s];
  size_t *have = &lg->npending[s];
  while (len > 0) {
    const char *nl = memchr(data, '\n', len);
    size_t take = nl ? (size_t)(nl - data) : len;
    size_t room = SR_LOG_LINE_MAX - *have;
    if (take > room || (take == room && nl == NULL)) { /* as long as a record may be: a piece */
      memcpy(buf + *have, data, room);
      if (record(lg, s, 'P', buf, SR_LOG_LINE_MAX, err) < 0) return -1;
      *have = 0;
      data += room;
      len -= room;
      continue;
    }
    memcpy(buf + *have, data, take);
    *have += take;
    if (nl == NULL) return 0;
    if (record(lg, s, 'F', buf, *have, err) < 0) return -1;
    *have = 0;
    data += take + 1;
    len -= take + 1;
  }
  return 0;
}

int sr_logger_flush(struct sr_logger *lg, enum sr_log_stream s, struct sr_error *err) {
  if (lg->npending[s] == 0) return 0;
  size_t n = lg->npending[s];
  lg->npending[s] = 0;
  return record(lg, s, 'P', lg->pending[s], n, err);
}

int sr_logger_read(struct sr_logger *lg, enum sr_log_stream s, int fd, struct sr_error *err) {
  char buf[65536];
  for (int rounds = 0; rounds < 16; rounds++) { /* then back to the loop: the other fds too */
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return 1;
    if (n < 0) return sr_fail(err, errno, "read the app's %s", stream_names[s]);
    if (n == 0) return 0;
    if (sr_logger_feed(lg, s, buf, (size_t)n, err) < 0) return -1;
  }
  return 1;
}
