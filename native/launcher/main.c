/* secure-run-launch: runs one program under exactly the limits its options state. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "supervisor.h"

#ifndef SR_VERSION
#define SR_VERSION "dev"
#endif

int main(int argc, char **argv) {
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
    if (strcmp(argv[i], "--help") == 0) {
      fputs(sr_usage, stdout);
      return 0;
    }
    if (strcmp(argv[i], "--version") == 0) {
      printf("secure-run-launch %s\n", SR_VERSION);
      return 0;
    }
  }
  struct sr_config cfg;
  struct sr_error err = {0};
  if (sr_args_parse(argc, argv, &cfg, &err) < 0) {
    fprintf(stderr, "secure-run-launch: %s\n", err.msg);
    sr_args_free(&cfg);
    return 125;
  }
  if ((cfg.report_fd >= 0 && fcntl(cfg.report_fd, F_SETFD, FD_CLOEXEC) < 0) ||
      (cfg.trace_fd >= 0 && fcntl(cfg.trace_fd, F_SETFD, FD_CLOEXEC) < 0)) {
    perror("secure-run-launch: --report-fd");
    sr_args_free(&cfg);
    return 125;
  }
  if (cfg.die_with_parent) {
    /* The caller waits for this launch; if it goes, so does the app (see supervisor.c). */
    if (prctl(PR_SET_PDEATHSIG, SIGRTMIN + 1, 0, 0, 0) < 0 || getppid() == 1) {
      fprintf(stderr, "secure-run-launch: --die-with-parent: the caller is already gone\n");
      sr_args_free(&cfg);
      return 125;
    }
  }
  struct sr_report rep;
  sr_supervise(&cfg, &rep);
  if (cfg.report_fd >= 0) {
    sr_report_write(cfg.report_fd, &rep);
  } else {
    char msg[SR_ERROR_MSG_MAX + 128];
    if (strcmp(rep.status, "failed") == 0) {
      sr_error_format(&rep.error, msg, sizeof msg);
      fprintf(stderr, "secure-run-launch: %s: %s\n", rep.step, msg);
    }
    if (rep.cleanup_error[0]) fprintf(stderr, "secure-run-launch: cleanup: %s\n", rep.cleanup_error);
  }
  sr_args_free(&cfg);
  return rep.exit_code;
}
