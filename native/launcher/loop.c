#define _GNU_SOURCE
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "instance.h"
#include "proto.h"

static bool instance_mode;

void sr_signals_instance_mode(void) { instance_mode = true; }

int sr_signals_block(sigset_t *set) {
  int sigs[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};
  sigemptyset(set);
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaddset(set, sigs[i]);
  sigaddset(set, SR_SIG_PARENT_DIED);
  if (instance_mode) sigaddset(set, SR_SIG_KILL);
  /* Stopping the supervisor from a terminal would stop the cleanup with it: blocked, never read
   * (they stay pending), and the app starts with none blocked. */
  sigset_t all = *set;
  sigaddset(&all, SIGTSTP);
  sigaddset(&all, SIGTTIN);
  sigaddset(&all, SIGTTOU);
  return sigprocmask(SIG_BLOCK, &all, NULL);
}

static void on_notify_ready(struct sr_loop *l, pid_t pid, int fdnum) {
  struct sr_error e = {0};
  int *listener = l->ex ? &l->ex->listener : l->tr ? &l->tr->listener : NULL;
  if (listener == NULL || l->explain_release < 0) return;
  if (pid <= 0 || sr_listener_attach(pid, fdnum, listener, &e) < 0) {
    if (pid <= 0) sr_fail(&e, EPROTO, "no credentials on the listener message");
    sr_report_fail(l->rep, "explain", &e, 125);
    kill(l->init, SIGKILL);
  }
  if (write(l->explain_release, "g", 1) < 0) { /* the app is gone: nothing to release */
  }
  sr_close(l->explain_release);
}

static void drain_messages(struct sr_loop *l) {
  for (;;) {
    struct sr_msg m;
    union {
      struct cmsghdr h;
      char buf[CMSG_SPACE(sizeof(struct ucred))];
    } control;
    struct iovec iov = {&m, sizeof m};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control};
    ssize_t n = recvmsg(l->msg_fd, &mh, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return; /* EAGAIN: nothing more now */
    if (n == 0) {
      l->closed = true;
      return;
    }
    if ((size_t)n != sizeof m) continue;
    pid_t sender = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
        struct ucred cred;
        memcpy(&cred, CMSG_DATA(c), sizeof cred);
        sender = cred.pid; /* translated into this pid namespace by the kernel */
      }
    }
    m.step[sizeof m.step - 1] = '\0';
    m.text[sizeof m.text - 1] = '\0';
    struct sr_error e = {.code = m.code};
    snprintf(e.msg, sizeof e.msg, "%s", m.text);
    if (m.type == SR_MSG_EXIT)
      l->app_status = m.status;
    else if (m.type == SR_MSG_APP_PID) {
      if (l->in) sr_instance_on_app_pid(l->in, sender, l->init);
    }
    else if (m.type == SR_MSG_NOTIFY_READY)
      on_notify_ready(l, sender, m.code);
    else if (m.type == SR_MSG_EXEC_ERROR)
      sr_report_fail(l->rep, m.step, &e, m.code == ENOENT ? 127 : 126);
    else
      sr_report_fail(l->rep, m.step, &e, 125);
  }
}

void sr_loop_said(int msg_fd, struct sr_report *rep) {
  if (msg_fd < 0) return;
  struct sr_loop l = {.init = -1, .sfd = -1, .msg_fd = msg_fd, .oom_fd = -1,
                      .explain_release = -1, .rep = rep, .app_status = -1, .exec_fd = -1};
  drain_messages(&l);
}

int sr_loop_run(struct sr_loop *l) {
  int terminations = 0;
  for (;;) {
    int listener = l->ex ? l->ex->listener : l->tr ? l->tr->listener : -1;
    struct pollfd fds[7] = {{l->sfd, POLLIN, 0},
                            {l->oom_fd, POLLIN, 0},
                            {l->closed ? -1 : l->msg_fd, POLLIN, 0},
                            {listener, POLLIN, 0},
                            {l->exec_fd, POLLIN, 0},
                            {l->in ? l->in->out_fd : -1, POLLIN, 0},
                            {l->in ? l->in->err_fd : -1, POLLIN, 0}};
    int n = poll(fds, l->in ? 7 : 4, l->tr ? 1000 : -1);
    if (l->tr) sr_trace_tick(l->tr);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      kill(l->init, SIGKILL);
      struct sr_error e = {errno, "poll"};
      sr_report_fail(l->rep, "supervise", &e, 125);
    }
    if (!l->closed && (fds[2].revents & (POLLIN | POLLHUP))) drain_messages(l);
    if (l->in) {
      if (fds[5].revents) sr_instance_read_log(l->in, SR_LOG_STDOUT);
      if (fds[6].revents) sr_instance_read_log(l->in, SR_LOG_STDERR);
      if (fds[4].revents) {
        /* The app called execve, or failed before (its message is queued by then). */
        drain_messages(l);
        l->exec_fd = -1;
        sr_instance_on_exec(l->in, l->rep);
      }
    }
    if (listener >= 0 && fds[3].revents) {
      int rc = (fds[3].revents & POLLIN) == 0 ? -1 : l->ex ? sr_explain_handle(l->ex) : sr_trace_handle(l->tr);
      int *held = l->ex ? &l->ex->listener : &l->tr->listener;
      if (rc < 0) sr_close(*held); /* the app is gone */
    }
    if (fds[1].revents & POLLIN) {
      uint64_t count;
      if (read(l->oom_fd, &count, sizeof count) == sizeof count) {
        l->rep->oom_group_kill = true;
        kill(l->init, SIGKILL); /* the pid namespace, and with it the app, ends */
      }
    }
    if (fds[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (read(l->sfd, &si, sizeof si) != sizeof si) continue;
      if (l->in && si.ssi_signo != SIGCHLD) {
        sr_instance_signal(l->in, (int)si.ssi_signo, l->init);
        continue;
      }
      if ((int)si.ssi_signo == SR_SIG_PARENT_DIED) {
        /* Nobody is left to wait for the app: end it, and clean up. */
        l->rep->parent_died = true;
        kill(l->init, SIGKILL);
        continue;
      }
      if (si.ssi_signo != SIGCHLD) {
        /* Forwarded to init, which passes it to the app. A third INT/TERM ends it all. */
        if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) terminations++;
        kill(l->init, terminations >= 3 ? SIGKILL : (int)si.ssi_signo);
        continue;
      }
    }
    int status;
    struct rusage ru;
    pid_t p = wait4(l->init, &status, WNOHANG, &ru);
    if (p == l->init) {
      l->rep->user_us = (int64_t)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec;
      l->rep->system_us = (int64_t)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
      drain_messages(l);
      return status;
    }
  }
}
