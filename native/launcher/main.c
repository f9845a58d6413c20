/* secure-run-launch: runs one program under exactly the limits its options state, or those a
 * compiled bundle holds (--bundle FILE). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "bundle.h"
#include "supervisor.h"

#ifndef SR_VERSION
#define SR_VERSION "dev"
#endif

/* "64Mi" as secure-run writes sizes (whole units only), else bytes. */
static void format_size(int64_t bytes, char *out, size_t size) {
  static const char *units[] = {"Ti", "Gi", "Mi", "Ki"};
  for (int i = 0; i < 4; i++) {
    int64_t factor = (int64_t)1 << (10 * (4 - i));
    if (bytes >= factor && bytes % factor == 0) {
      snprintf(out, size, "%" PRId64 "%s", bytes / factor, units[i]);
      return;
    }
  }
  snprintf(out, size, "%" PRId64 " B", bytes);
}

/* With --bundle FILE: argv becomes [argv0, the caller's other options…, the bundle's
 * arguments (which end with -- and the command)]. */
static int bundle_argv(int argc, char **argv, struct sr_bundle *b, int *nargc, char ***nargv,
                       struct sr_error *err) {
  const char *file = NULL, *sha256 = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      if (file == NULL) return 0; /* the rest is the command, not options */
      return sr_fail(err, 0, "--bundle: the bundle holds the command; nothing goes after --");
    }
    if (strcmp(argv[i], "--bundle") == 0) {
      if (i + 1 >= argc) return sr_fail(err, 0, "--bundle: missing value");
      if (file) return sr_fail(err, 0, "--bundle: given twice");
      file = argv[++i];
    } else if (strcmp(argv[i], "--bundle-sha256") == 0) {
      if (i + 1 >= argc) return sr_fail(err, 0, "--bundle-sha256: missing value");
      if (sha256) return sr_fail(err, 0, "--bundle-sha256: given twice");
      sha256 = argv[++i];
    }
  }
  if (file == NULL) return sha256 ? sr_fail(err, 0, "--bundle-sha256 goes with --bundle") : 0;
  if (sr_bundle_load(file, sha256, b, err) < 0) return -1;
  char **v = calloc((size_t)argc + b->nargs + 1, sizeof *v);
  if (v == NULL) return sr_fail(err, ENOMEM, "--bundle");
  int n = 0;
  v[n++] = argv[0];
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--bundle") == 0 || strcmp(argv[i], "--bundle-sha256") == 0) {
      i++;
      continue;
    }
    v[n++] = argv[i];
  }
  for (size_t i = 0; i < b->nargs; i++) v[n++] = b->args[i];
  *nargc = n;
  *nargv = v;
  return 1;
}

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
  struct sr_bundle bundle = {0};
  char **bargv = NULL;
  int rc = bundle_argv(argc, argv, &bundle, &argc, &bargv, &err);
  /* Messages name secure-run when the launch is a compiled app's, as `secure-run run` would. */
  const char *me = rc > 0 ? "secure-run" : "secure-run-launch";
  if (rc < 0) {
    fprintf(stderr, "secure-run-launch: %s\n", err.msg);
    return 125;
  }
  if (rc > 0) argv = bargv;
  if (sr_args_parse(argc, argv, &cfg, &err) < 0) {
    fprintf(stderr, "%s: %s\n", me, err.msg);
    sr_args_free(&cfg);
    free(bargv);
    sr_bundle_free(&bundle);
    return 125;
  }
  if (rc > 0) {
    if (cfg.seccomp_fd >= 0) {
      fprintf(stderr, "%s: --bundle carries its filter: --seccomp-fd is not allowed with it\n", me);
      sr_args_free(&cfg);
      free(bargv);
      sr_bundle_free(&bundle);
      return 125;
    }
    cfg.bundle_insns = bundle.filter.insns;
    cfg.bundle_len = bundle.filter.len;
  }
  if ((cfg.report_fd >= 0 && fcntl(cfg.report_fd, F_SETFD, FD_CLOEXEC) < 0) ||
      (cfg.trace_fd >= 0 && fcntl(cfg.trace_fd, F_SETFD, FD_CLOEXEC) < 0)) {
    perror("secure-run-launch: --report-fd");
    sr_args_free(&cfg);
    free(bargv);
    sr_bundle_free(&bundle);
    return 125;
  }
  if (cfg.die_with_parent) {
    /* The caller waits for this launch; if it goes, so does the app (see supervisor.c). */
    if (prctl(PR_SET_PDEATHSIG, SIGRTMIN + 1, 0, 0, 0) < 0 || getppid() == 1) {
      fprintf(stderr, "%s: --die-with-parent: the caller is already gone\n", me);
      sr_args_free(&cfg);
      free(bargv);
      sr_bundle_free(&bundle);
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
      if (rep.exit_code == 127)
        fprintf(stderr, "%s: command not found: %s\n", me, msg);
      else if (rep.exit_code == 126)
        fprintf(stderr, "%s: command cannot be invoked: %s\n", me, msg);
      else
        fprintf(stderr, "%s: launch failed at step \"%s\": %s\n", me, rep.step, msg);
    }
    if (rep.stats.oom_kills > 0 || rep.oom_group_kill) {
      char size[32] = "";
      if (cfg.memory_max >= 0) format_size(cfg.memory_max, size, sizeof size);
      fprintf(stderr, "%s: %s was killed by its memory limit%s%s%s\n", me,
              cfg.name ? cfg.name : "the app", size[0] ? " (" : "", size, size[0] ? ")" : "");
    }
    if (rep.cleanup_error[0]) fprintf(stderr, "%s: cleanup: %s\n", me, rep.cleanup_error);
  }
  sr_args_free(&cfg);
  free(bargv);
  sr_bundle_free(&bundle);
  return rep.exit_code;
}
