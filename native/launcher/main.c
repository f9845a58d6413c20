/* secure-run-launch: runs one program under exactly the limits its options state, or those a
 * compiled bundle holds (--bundle FILE). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "bundle.h"
#include "instance.h"
#include "rmtree.h"
#include "refusals.h"
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

/* The descriptors above 2 the caller left open, whatever their flags: init closes them (it
 * never calls execve, so close-on-exec alone would leave them to it for its whole life). */
static int inherited_fds(struct sr_config *cfg, struct sr_error *err) {
  sr_autoclosedir DIR *d = opendir("/proc/self/fd");
  if (d == NULL) return sr_fail(err, errno, "list the inherited descriptors (/proc/self/fd)");
  size_t cap = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    char *end = NULL;
    long fd = strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd <= 2 || fd == dirfd(d)) continue;
    /* The descriptors named by the launcher's own options are its to read and close. */
    if (fd == cfg->seccomp_fd || fd == cfg->report_fd || fd == cfg->explain_fd ||
        fd == cfg->trace_fd || fd == cfg->ready_fd || fd == cfg->refusals_fd || fd == cfg->fixes_fd)
      continue;
    if (cfg->ninherited_fds == cap) {
      cap = cap ? 2 * cap : 16;
      int *more = realloc(cfg->inherited_fds, cap * sizeof *more);
      if (more == NULL) return sr_fail(err, ENOMEM, "list the inherited descriptors");
      cfg->inherited_fds = more;
    }
    cfg->inherited_fds[cfg->ninherited_fds++] = (int)fd;
  }
  return 0;
}

/* The summary of refusals, when due, on standard error: the app has ended (its pid namespace
 * with it), so nothing of its output can interleave. */
static void print_refusals(const struct sr_config *cfg, const struct sr_report *rep) {
  struct sr_error err = {0};
  sr_autofree char *text = NULL;
  size_t len = 0;
  int due = sr_report_refusals_text(rep, cfg->fixes, cfg->refusals_summary,
                                    cfg->name ? cfg->name : "the app", &text, &len, &err);
  if (due < 0) {
    fprintf(stderr, "secure-run: %s\n", err.msg);
    return;
  }
  if (due == 0) return;
  fflush(stderr);
  (void)sr_write_all(2, text, len); /* one write: no line of it is torn by another writer */
}

int main(int argc, char **argv) {
  /* First thing: the signals the supervisor handles stay blocked for the launcher's whole life
   * (they are read from a signalfd while the app runs, and must not end the launcher between the
   * app's end and the cleanup and report); writing the report to a reader that is gone is an
   * error (EPIPE), not death. The window between execve and here is the caller's to close, by
   * starting the launcher with these signals blocked. */
  sigset_t blocked;
  sr_signals_block(&blocked);
  signal(SIGPIPE, SIG_IGN);
  /* Nothing the caller left open without O_CLOEXEC may reach a program this launcher starts;
   * init, which starts none, closes them (see inherited_fds). */
  (void)syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC); /* Linux 5.11; else the app's
                                                                     close_range still holds */
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
  /* --remove-tree DIR: a mode of its own (rm of an instance whose layer holds files of the
   * caller's subordinate ids). */
  if (argc >= 2 && strcmp(argv[1], "--remove-tree") == 0) return sr_rmtree_main(argc, argv);
  __attribute__((cleanup(sr_args_free))) struct sr_config cfg = {0};
  /* The block of argument strings the kernel copied (contiguous, in order), for init to wipe. */
  char *arg_area = argc > 0 ? argv[0] : NULL;
  size_t arg_area_len =
      argc > 0 ? (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]) : 0;
  __attribute__((cleanup(sr_bundle_free))) struct sr_bundle bundle = {0};
  sr_autofree char **bargv = NULL;
  struct sr_error err = {0};
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
    return 125;
  }
  cfg.unprivileged = geteuid() != 0;
  cfg.arg_area = arg_area;
  cfg.arg_area_len = arg_area_len;
  __attribute__((cleanup(sr_fixes_free))) struct sr_fixes fixes = {0};
  if (rc > 0) {
    if (cfg.seccomp_fd >= 0 || cfg.explain_fd >= 0 || cfg.refusals_fd >= 0 || cfg.fixes_fd >= 0 ||
        cfg.trace_fd >= 0) {
      fprintf(stderr,
              "%s: --bundle carries its filters and fix table: --seccomp-fd, --explain-fd, "
              "--refusals-fd, --refusal-fixes-fd and --trace-fd are not allowed with it\n",
              me);
      return 125;
    }
    /* The notifying filter is loaded; the plan's own answers each refusal. */
    cfg.bundle_insns = bundle.notify.insns;
    cfg.bundle_len = bundle.notify.len;
    cfg.bundle_answers = bundle.filter.insns;
    cfg.bundle_answers_len = bundle.filter.len;
    cfg.fixes = &bundle.fixes;
  } else if (cfg.fixes_fd >= 0) {
    if (sr_fixes_read(cfg.fixes_fd, &fixes, &err) < 0) {
      fprintf(stderr, "%s: %s\n", me, err.msg);
      return 125;
    }
    cfg.fixes_fd = -1; /* read and closed */
    cfg.fixes = &fixes;
  }
  if (inherited_fds(&cfg, &err) < 0) {
    fprintf(stderr, "%s: %s\n", me, err.msg);
    return 125;
  }
  if ((cfg.report_fd >= 0 && fcntl(cfg.report_fd, F_SETFD, FD_CLOEXEC) < 0) ||
      (cfg.trace_fd >= 0 && fcntl(cfg.trace_fd, F_SETFD, FD_CLOEXEC) < 0)) {
    perror("secure-run-launch: --report-fd");
    return 125;
  }
  if (cfg.die_with_parent) {
    /* The caller waits for this launch; if it goes, so does the app (see loop.c). */
    if (prctl(PR_SET_PDEATHSIG, SR_SIG_PARENT_DIED, 0, 0, 0) < 0 || getppid() == 1) {
      fprintf(stderr, "%s: --die-with-parent: the caller is already gone\n", me);
      return 125;
    }
  }
  /* --instance: a detached supervisor, which reports through the instance's directory. */
  if (cfg.instance_dir) return sr_instance_main(&cfg);
  struct sr_report rep;
  sr_supervise(&cfg, &rep, NULL);
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
  print_refusals(&cfg, &rep);
  return rep.exit_code;
}
