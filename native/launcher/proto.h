/* Messages from the sandbox (init and the app before execve) to the supervisor, over a
 * SOCK_SEQPACKET pair: one message per write, so none is ever torn. */
#ifndef SR_PROTO_H
#define SR_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/sr_error.h"

enum sr_msg_type {
  SR_MSG_ERROR = 1,      /* a launch step failed: 125 */
  SR_MSG_EXEC_ERROR = 2, /* execve (or finding the program) failed: 126 or 127 */
  SR_MSG_EXIT = 3,       /* the app ended; status as waitpid gives it */
  SR_MSG_NOTIFY_READY = 4, /* --explain: the listener will be descriptor `code` of the sender */
  SR_MSG_APP_PID = 5,      /* --instance: sent by the app itself; its host pid is the sender's
                              credentials, which the kernel translates (SCM_CREDENTIALS) */
};

struct sr_msg {
  int32_t type;
  int32_t code;   /* errno */
  int32_t status; /* SR_MSG_EXIT */
  char step[32];
  char text[SR_ERROR_MSG_MAX];
};

/* Sends the error and returns; never fails loudly (the exit status still tells). */
void sr_msg_send_error(int fd, enum sr_msg_type type, const char *step, const struct sr_error *e);
void sr_msg_send_exit(int fd, int status);
void sr_msg_send_notify_ready(int fd, int listener_fd);
void sr_msg_send_app_pid(int fd);

#endif
