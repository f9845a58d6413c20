/* The supervising loop: while the app runs, the supervisor forwards signals to init, reads the
 * sandbox's messages, answers --explain/--trace notifications and ends the whole app when the
 * memory limit killed a part of it. */
#ifndef SR_LOOP_H
#define SR_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "explain.h"
#include "report.h"
#include "trace.h"

/* Sent to the supervisor when its caller dies (PR_SET_PDEATHSIG, --die-with-parent). */
#define SR_SIG_PARENT_DIED (SIGRTMIN + 1)

/* --instance: sent to the supervisor to end the instance now (SIGKILL to init, and so to the
 * whole pid namespace); SIGTERM is the orderly stop. */
#define SR_SIG_KILL (SIGRTMIN + 3)

/* Blocks, for good, the signals the supervisor reads from its signalfd (returned in set) and
 * the terminal's stop signals. */
int sr_signals_block(sigset_t *set);

/* From now on, sr_signals_block also blocks (and the set holds) SR_SIG_KILL. */
void sr_signals_instance_mode(void);

struct sr_instance;

struct sr_loop {
  pid_t init;
  int sfd, msg_fd, oom_fd;
  int explain_release; /* write end the app waits on (--explain/--trace), -1 otherwise; the
                          loop closes it once the listener is taken */
  struct sr_explain *ex;
  struct sr_trace *tr;
  struct sr_report *rep;
  int app_status; /* what init said of the app's end, -1 until it does */
  bool closed;    /* the sandbox closed its end of the messages */
  struct sr_instance *in; /* --instance: its hooks (signals, logs, the app's start); else NULL */
  int exec_fd;            /* --instance: EOF once the app called execve or gave up; else -1 */
};

/* Waits for init (and reaps it), recording in l->rep; returns init's wait status. */
int sr_loop_run(struct sr_loop *l);

/* A launch step of the supervisor's failed while init was being built: what init already said
 * (its own failure is the cause when it gave up first, and the supervisor's write to it then
 * only saw a closed pipe) goes into rep before the supervisor's own error. */
void sr_loop_said(int msg_fd, struct sr_report *rep);

#endif
