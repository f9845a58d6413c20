/* The supervisor stays in the caller's namespaces: it creates the cgroup, starts init in the
 * new namespaces, places it in the cgroup, forwards signals, collects the outcome and removes
 * what it created, whatever happened. Each step is a module of its own; this file holds their
 * order. */
#define _GNU_SOURCE
#include "supervisor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "filter.h"
#include "instance.h"
#include "mcs.h"
#include "relabel.h"
#include "rootfs.h"
#include "spawn.h"

/* Starts init, waits for it and records the app's end. */
static void launch(struct sr_config *cfg, const struct sr_bpf_prog *bpf,
                   struct sr_explain *ex, struct sr_trace *tr, struct sr_cgroup *cg,
                   struct sr_report *rep, struct sr_instance *in) {
  struct sr_error err = {0};
  sigset_t set;
  /* Blocked since main; again here for callers of sr_supervise other than main. They stay
   * blocked after the launch: the cleanup and the report come after it. */
  if (sr_signals_block(&set) < 0) {
    sr_report_fail(rep, "signals", &(struct sr_error){errno, "sigprocmask"}, 125);
    return;
  }
  sr_autoclose int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  if (sfd < 0) {
    sr_report_fail(rep, "setup", &(struct sr_error){errno, "signalfd, socketpair or pipe"}, 125);
    return;
  }
  /* From here on, a failure returns and sr_spawn_close kills and reaps init. */
  __attribute__((cleanup(sr_spawn_close))) struct sr_spawn sp = SR_SPAWN_EMPTY;
  const char *step = NULL;
  if (in && sr_instance_run_begin(in, &err) < 0) {
    sr_report_fail(rep, "log", &err, 125);
    return;
  }
  if (sr_spawn_init(cfg, bpf, cg, sfd, ex || tr, &sp, &rep->cgroup_placement, &step, &err) < 0) {
    sr_loop_said(sp.msg, rep);
    sr_report_fail(rep, step, &err, 125);
    return;
  }
  if (in) sr_instance_run_started(in, sp.init, cg);
  memset(&err, 0, sizeof err);
  sr_autoclose int oom_fd = cg->driver ? cg->driver->oom_events(cg, &err) : -1;
  if (oom_fd < 0 && err.msg[0]) {
    sr_report_fail(rep, "cgroup", &err, 125);
    return;
  }
  struct sr_loop l = {sp.init, sfd, sp.msg, oom_fd, sr_steal_fd(sp.release), ex, tr, rep, -1, false,
                      in, sp.exec};
  int init_status = sr_loop_run(&l);
  sr_steal_pid(sp.init); /* reaped */
  sr_close(l.explain_release);
  sr_report_outcome(rep, l.app_status, init_status);
}

/* Frees the trace; for __attribute__((cleanup)). */
static void free_trace(struct sr_trace **t) {
  if (*t && (*t)->listener >= 0) close((*t)->listener);
  free(*t);
}

void sr_supervise(struct sr_config *cfg, struct sr_report *rep, struct sr_instance *in) {
  struct sr_error err = {0};
  sr_report_start(rep);
  struct timespec started, ended;
  clock_gettime(CLOCK_MONOTONIC, &started);

  __attribute__((cleanup(sr_filter_free))) struct sr_bpf_prog bpf = {NULL, 0};
  if (sr_filter_load(cfg, &bpf, &err) < 0) {
    sr_report_fail(rep, "seccomp", &err, 125);
    return;
  }
  /* Large (a counter per syscall number): on the heap, and only when tracing. */
  __attribute__((cleanup(free_trace))) struct sr_trace *trace = NULL;
  if (cfg->trace_fd >= 0) {
    trace = malloc(sizeof *trace);
    if (trace == NULL) {
      sr_report_fail(rep, "trace", &(struct sr_error){ENOMEM, "allocating the trace"}, 125);
      return;
    }
    sr_trace_init(trace, cfg->trace_progress);
  }
  /* Refusals reach this supervisor whenever the plan's own filter is given to answer them:
   * --explain-fd (with a line each), --refusals-fd, or a bundle's. */
  __attribute__((cleanup(sr_explain_close))) struct sr_explain explain = {
      .live = cfg->explain_fd >= 0, .json = cfg->explain_json, .listener = -1,
      .counts = &rep->refused};
  int answers_fd = cfg->explain_fd >= 0 ? cfg->explain_fd : cfg->refusals_fd;
  if (answers_fd >= 0) {
    if (sr_filter_read(answers_fd, &explain.original, &err) < 0) {
      sr_report_fail(rep, cfg->explain_fd >= 0 ? "explain" : "refusals", &err, 125);
      return;
    }
  } else if (cfg->bundle_answers_len > 0) {
    size_t bytes = cfg->bundle_answers_len * sizeof *explain.original.insns;
    explain.original.insns = malloc(bytes);
    if (explain.original.insns == NULL) {
      sr_report_fail(rep, "refusals", &(struct sr_error){ENOMEM, "copying the bundle's filter"}, 125);
      return;
    }
    memcpy(explain.original.insns, cfg->bundle_answers, bytes);
    explain.original.len = cfg->bundle_answers_len;
  }
  bool notifying = explain.original.len > 0;
  rep->refused.counting = notifying && bpf.len > 0;
  rep->fixes = cfg->fixes;
  char name[96];
  snprintf(name, sizeof name, "secure-run-%s-%d", cfg->name ? cfg->name : "app", (int)getpid());
  struct sr_cgroup_limits lim = {cfg->memory_max, cfg->swap_max, cfg->pids_max, cfg->cpu_quota,
                                 cfg->cpu_period, in != NULL};
  struct sr_cgroup cg;
  memset(&cg, 0, sizeof cg);
  /* The launch's categories: allocated now, for this launch, released at its end. */
  __attribute__((cleanup(sr_mcs_release))) struct sr_mcs mcs = {.shared = -1};
  /* cfg points to them after this launch too. */
  static char process_label[320], mount_label[320];
  const char *step = NULL;
  if (cfg->mcs_registry &&
      (sr_mcs_allocate(cfg->mcs_registry, (int)getpid(), cfg->mcs_group, &mcs, &err) < 0 ||
       sr_mcs_labels(&mcs, cfg->selinux_label, cfg->selinux_mount_label, process_label,
                     sizeof process_label, mount_label, sizeof mount_label, &err) < 0)) {
    step = "selinux";
  } else {
    if (cfg->mcs_registry) {
      cfg->selinux_label = process_label;
      cfg->selinux_mount_label = mount_label;
    }
    if (sr_relabel_volumes(cfg, &err) < 0)
      step = "selinux";
    else if (sr_rootfs_open_sources(cfg, &err) < 0)
      step = "rootfs";
    else if (!cfg->no_cgroup &&
             (sr_cgroup_prepare(&cg, name, cfg->cgroup_parent, &lim, &err) < 0 ||
              (cg.driver && cg.driver->create(&cg, &lim, &err) < 0))) {
      step = "cgroup";
      if (geteuid() != 0 && (err.code == EACCES || err.code == EPERM || err.code == EROFS))
        sr_wrap(&err, "an unprivileged caller can create a cgroup only in a cgroup v2 subtree "
                      "delegated to it (systemd-run --user --scope -p Delegate=yes); without one, "
                      "launch with --no-cgroup and without --memory, --pids, --cpu");
    }
    else
      launch(cfg, &bpf, notifying ? &explain : NULL, trace, &cg, rep, in);
  }
  if (step) sr_report_fail(rep, step, &err, 125);
  /* The run's output to its end (init, and the sandbox with it, are gone by now). */
  if (in) sr_instance_run_end(in);
  sr_rootfs_close_sources(cfg);
  if (cg.driver) {
    rep->cgroup_driver = cg.driver->name;
    cg.driver->stats(&cg, &rep->stats);
    struct sr_error cerr = {0};
    if (cg.driver->destroy(&cg, &cerr) < 0)
      sr_error_format(&cerr, rep->cleanup_error, sizeof rep->cleanup_error);
  }
  if (trace) {
    sr_close(trace->listener);
    sr_trace_write(trace, cfg->trace_fd);
  }
  clock_gettime(CLOCK_MONOTONIC, &ended);
  rep->wall_us = (int64_t)(ended.tv_sec - started.tv_sec) * 1000000 +
                 (ended.tv_nsec - started.tv_nsec) / 1000;
}
