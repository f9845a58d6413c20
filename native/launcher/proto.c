#define _GNU_SOURCE
#include "proto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void send_msg(int fd, const struct sr_msg *m) {
  ssize_t n;
  do {
    n = write(fd, m, sizeof *m);
  } while (n < 0 && errno == EINTR);
}

void sr_msg_send_error(int fd, enum sr_msg_type type, const char *step, const struct sr_error *e) {
  struct sr_msg m;
  memset(&m, 0, sizeof m);
  m.type = type;
  m.code = e->code;
  snprintf(m.step, sizeof m.step, "%s", step);
  snprintf(m.text, sizeof m.text, "%s", e->msg);
  send_msg(fd, &m);
}

void sr_msg_send_exit(int fd, int status) {
  struct sr_msg m;
  memset(&m, 0, sizeof m);
  m.type = SR_MSG_EXIT;
  m.status = status;
  send_msg(fd, &m);
}

void sr_msg_send_app_pid(int fd) {
  struct sr_msg m;
  memset(&m, 0, sizeof m);
  m.type = SR_MSG_APP_PID;
  send_msg(fd, &m);
}

void sr_msg_send_notify_ready(int fd, int listener_fd) {
  struct sr_msg m;
  memset(&m, 0, sizeof m);
  m.type = SR_MSG_NOTIFY_READY;
  m.code = listener_fd;
  send_msg(fd, &m);
}
