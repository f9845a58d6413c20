/* The supervisor stays in the caller's namespaces: it creates the cgroup, starts init in the
 * new namespaces, places it in the cgroup, forwards signals, collects the outcome and removes
 * what it created, whatever happened. */
#define _GNU_SOURCE
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/uio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "explain.h"
#include "trace.h"
#include "proto.h"
#include "mcs.h"
#include "relabel.h"
#include "rootfs.h"
#include "sandbox.h"

#define MAX_BPF_INSNS 4096

static void set_failed(struct sr_report *rep, const char *step, const struct sr_error *e,
                       int exit_code) {
  if (strcmp(rep->status, "failed") == 0) return; /* the first failure is the cause */
  rep->status = "failed";
  rep->exit_code = exit_code;
  snprintf(rep->step, sizeof rep->step, "%s", step);
  rep->error = *e;
}

static int read_bpf(int fd, struct sr_bpf_prog *out, struct sr_error *err) {
  size_t cap = 8 * MAX_BPF_INSNS + 1, len = 0;
  unsigned char *buf = malloc(cap);
  if (buf == NULL) return sr_fail(err, ENOMEM, "reading the seccomp filter");
  for (;;) {
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      free(buf);
      return sr_fail(err, e, "reading the seccomp filter from fd %d", fd);
    }
    if (n == 0) break;
    len += (size_t)n;
    if (len == cap) {
      free(buf);
      return sr_fail(err, E2BIG, "seccomp filter longer than %d instructions", MAX_BPF_INSNS);
    }
  }
  close(fd);
  if (len == 0 || len % sizeof(struct sock_filter) != 0) {
    free(buf);
    return sr_fail(err, EINVAL, "seccomp filter of %zu bytes is not a whole BPF program", len);
  }
  out->insns = (struct sock_filter *)buf;
  out->len = len / sizeof(struct sock_filter);
  return 0;
}

/* What the supervising loop works with. */
struct loop {
  pid_t init;
  int sfd, msg_fd, oom_fd;
  int explain_release; /* write end the app waits on (--explain), -1 otherwise */
  struct sr_explain *ex;
  struct sr_trace *tr;
  struct sr_report *rep;
  int app_status;
  bool closed;
};

static void on_notify_ready(struct loop *l, pid_t pid, int fdnum) {
  struct sr_error e = {0};
  int *listener = l->ex ? &l->ex->listener : l->tr ? &l->tr->listener : NULL;
  if (listener == NULL || l->explain_release < 0) return;
  if (pid <= 0 || sr_listener_attach(pid, fdnum, listener, &e) < 0) {
    if (pid <= 0) sr_fail(&e, EPROTO, "no credentials on the listener message");
    set_failed(l->rep, "explain", &e, 125);
    kill(l->init, SIGKILL);
  }
  if (write(l->explain_release, "g", 1) < 0) { /* the app is gone: nothing to release */
  }
  close(l->explain_release);
  l->explain_release = -1;
}

static void drain_messages(struct loop *l) {
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
    else if (m.type == SR_MSG_NOTIFY_READY)
      on_notify_ready(l, sender, m.code);
    else if (m.type == SR_MSG_EXEC_ERROR)
      set_failed(l->rep, m.step, &e, m.code == ENOENT ? 127 : 126);
    else
      set_failed(l->rep, m.step, &e, 125);
  }
}

/* Sent to the supervisor when its caller dies (PR_SET_PDEATHSIG). */
#define SIG_PARENT_DIED (SIGRTMIN + 1)

/* Waits for init, forwarding signals, answering --explain notifications and ending the whole
 * app when the memory limit killed a part of it; returns init's wait status. */
static int supervise(struct loop *l) {
  int terminations = 0;
  for (;;) {
    int listener = l->ex ? l->ex->listener : l->tr ? l->tr->listener : -1;
    struct pollfd fds[4] = {{l->sfd, POLLIN, 0},
                            {l->oom_fd, POLLIN, 0},
                            {l->closed ? -1 : l->msg_fd, POLLIN, 0},
                            {listener, POLLIN, 0}};
    int n = poll(fds, 4, l->tr ? 1000 : -1);
    if (l->tr) sr_trace_tick(l->tr);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      kill(l->init, SIGKILL);
      struct sr_error e = {errno, "poll"};
      set_failed(l->rep, "supervise", &e, 125);
    }
    if (!l->closed && (fds[2].revents & (POLLIN | POLLHUP))) drain_messages(l);
    if (listener >= 0 && fds[3].revents) {
      int rc = (fds[3].revents & POLLIN) == 0 ? -1 : l->ex ? sr_explain_handle(l->ex) : sr_trace_handle(l->tr);
      if (rc < 0) {
        close(listener); /* the app is gone */
        if (l->ex) l->ex->listener = -1;
        else l->tr->listener = -1;
      }
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
      if ((int)si.ssi_signo == SIG_PARENT_DIED) {
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

static int write_id_maps(pid_t pid, const struct sr_config *cfg, struct sr_error *err) {
  char path[64], buf[SR_MAX_ID_MAPS * 40];
  struct {
    const char *file;
    const struct sr_id_map *map;
    size_t n;
  } maps[] = {{"uid_map", cfg->uid_map, cfg->nuid_map}, {"gid_map", cfg->gid_map, cfg->ngid_map}};
  if (geteuid() != 0) {
    snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "deny", 4) != 4) {
      int e = errno;
      if (fd >= 0) close(fd);
      return sr_fail(err, e, "write `%s`", path);
    }
    close(fd);
  }
  for (size_t m = 0; m < 2; m++) {
    size_t len = 0;
    for (size_t i = 0; i < maps[m].n; i++)
      len += (size_t)snprintf(buf + len, sizeof buf - len, "%u %u %u\n", maps[m].map[i].inside,
                              maps[m].map[i].outside, maps[m].map[i].count);
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, maps[m].file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return sr_fail(err, errno, "open `%s`", path);
    ssize_t w = write(fd, buf, len);
    int e = errno;
    close(fd);
    if (w < 0 || (size_t)w != len) return sr_fail(err, w < 0 ? e : EIO, "write `%s`", path);
  }
  return 0;
}

int sr_signals_block(sigset_t *set) {
  int sigs[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};
  sigemptyset(set);
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaddset(set, sigs[i]);
  sigaddset(set, SIG_PARENT_DIED);
  /* Stopping the supervisor from a terminal would stop the cleanup with it: blocked, never read
   * (they stay pending), and the app starts with none blocked. */
  sigset_t all = *set;
  sigaddset(&all, SIGTSTP);
  sigaddset(&all, SIGTTIN);
  sigaddset(&all, SIGTTOU);
  return sigprocmask(SIG_BLOCK, &all, NULL);
}

static void launch(const struct sr_config *cfg, const struct sr_bpf_prog *bpf,
                   struct sr_explain *ex, struct sr_trace *tr, struct sr_cgroup *cg,
                   struct sr_report *rep) {
  struct sr_error err = {0};
  sigset_t set;
  /* Blocked since main; again here for callers of sr_supervise other than main. They stay
   * blocked after the launch: the cleanup and the report come after it. */
  if (sr_signals_block(&set) < 0) {
    set_failed(rep, "signals", &(struct sr_error){errno, "sigprocmask"}, 125);
    return;
  }
  sr_autoclose int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  int msg[2] = {-1, -1}, sync[2] = {-1, -1}, release[2] = {-1, -1};
  int one = 1;
  if (sfd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, msg) < 0 ||
      pipe2(sync, O_CLOEXEC) < 0 || ((ex || tr) && pipe2(release, O_CLOEXEC) < 0) ||
      setsockopt(msg[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0) {
    set_failed(rep, "setup", &(struct sr_error){errno, "signalfd, socketpair or pipe"}, 125);
    goto out;
  }

  /* cgroup v2: born in its cgroup (clone3 with CLONE_INTO_CGROUP, Linux 5.7), no migration;
   * v1: init joins by itself through the `tasks` files opened here (see sr_init_main); else
   * (an older kernel) moved there right after the clone. */
  bool placed = false;
  pid_t init = -1;
  struct sr_channels ch = {.msg = -1, .sync = -1, .explain = -1};
  if (cg->driver && strcmp(cg->driver->name, "v1") == 0) {
    for (size_t i = 0; i < cg->ndirs; i++) {
      char path[PATH_MAX + 8];
      snprintf(path, sizeof path, "%s/tasks", cg->dirs[i]);
      int fd = open(path, O_WRONLY | O_CLOEXEC);
      if (fd < 0) {
        sr_fail(&err, errno, "open `%s`", path);
        set_failed(rep, "cgroup", &err, 125);
        for (size_t j = 0; j < ch.ncg_tasks; j++) close(ch.cg_tasks[j]);
        goto out;
      }
      ch.cg_tasks[ch.ncg_tasks++] = fd;
    }
  }
  int cgfd = cg->driver && strcmp(cg->driver->name, "v2") == 0
                 ? open(cg->dirs[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                 : -1;
  if (cgfd >= 0) {
    struct clone_args ca;
    memset(&ca, 0, sizeof ca);
    ca.flags = (uint64_t)cfg->clone_flags | CLONE_INTO_CGROUP;
    ca.exit_signal = SIGCHLD;
    ca.cgroup = (uint64_t)cgfd;
    init = (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
    placed = init >= 0;
    if (placed) rep->cgroup_placement = "clone";
    if (init != 0) {
      close(cgfd);
      cgfd = -1;
    }
  }
  if (!placed) {
    init = (pid_t)syscall(SYS_clone, (unsigned long)(cfg->clone_flags | SIGCHLD), NULL, NULL, NULL,
                          NULL);
    placed = ch.ncg_tasks > 0;
    if (placed) rep->cgroup_placement = "joined";
  }
  int clone_errno = errno;
  /* The child has its own copies of the tasks files. */
  if (init != 0)
    for (size_t j = 0; j < ch.ncg_tasks; j++) close(ch.cg_tasks[j]);
  if (init < 0) {
    sr_fail(&err, clone_errno, "clone into new namespaces");
    set_failed(rep, "clone", &err, 125);
    goto out;
  }
  if (init == 0) {
    if (cgfd >= 0) close(cgfd);
    close(msg[0]);
    close(sync[1]);
    if (release[1] >= 0) close(release[1]);
    close(sfd);
    if (cfg->report_fd >= 0) close(cfg->report_fd);
    if (cfg->trace_fd >= 0) close(cfg->trace_fd);
    ch.msg = msg[1];
    ch.sync = sync[0];
    ch.explain = release[0];
    sr_init_main(cfg, bpf, &ch);
  }
  close(msg[1]);
  msg[1] = -1;
  close(sync[0]);
  sync[0] = -1;
  if (release[0] >= 0) close(release[0]);
  release[0] = -1;

  /* Its ids, then into the cgroup, before it runs anything of the app's. */
  if ((cfg->clone_flags & CLONE_NEWUSER) && write_id_maps(init, cfg, &err) < 0) {
    set_failed(rep, "user namespace", &err, 125);
    kill(init, SIGKILL);
    waitpid(init, NULL, 0);
    goto out;
  }
  if (write(sync[1], "m", 1) != 1) {
    set_failed(rep, "sync", &(struct sr_error){errno, "releasing init"}, 125);
    kill(init, SIGKILL);
    waitpid(init, NULL, 0);
    goto out;
  }
  if (!placed && cg->driver) rep->cgroup_placement = "moved";
  if (!placed && cg->driver && cg->driver->add(cg, init, &err) < 0) {
    set_failed(rep, "cgroup", &err, 125);
    kill(init, SIGKILL);
    waitpid(init, NULL, 0);
    goto out;
  }
  if (write(sync[1], "g", 1) != 1) {
    set_failed(rep, "sync", &(struct sr_error){errno, "releasing init"}, 125);
    kill(init, SIGKILL);
    waitpid(init, NULL, 0);
    goto out;
  }
  close(sync[1]);
  sync[1] = -1;

  memset(&err, 0, sizeof err);
  int oom_fd = cg->driver ? cg->driver->oom_events(cg, &err) : -1;
  if (oom_fd < 0 && err.msg[0]) {
    set_failed(rep, "cgroup", &err, 125);
    kill(init, SIGKILL);
    waitpid(init, NULL, 0);
    goto out;
  }
  struct loop l = {init, sfd, msg[0], oom_fd, release[1], ex, tr, rep, -1, false};
  release[1] = -1; /* the loop closes it */
  int init_status = supervise(&l);
  int app_status = l.app_status;
  if (l.explain_release >= 0) close(l.explain_release);
  if (oom_fd >= 0) close(oom_fd);
  if (strcmp(rep->status, "failed") == 0) goto out;
  if (app_status < 0) {
    /* init ended without a word: killed (the OOM killer, or SIGKILL from outside). */
    app_status = init_status;
  }
  if (WIFEXITED(app_status)) {
    rep->status = "exited";
    rep->app_exit = WEXITSTATUS(app_status);
    rep->exit_code = rep->app_exit;
  } else if (WIFSIGNALED(app_status)) {
    rep->status = "signaled";
    rep->app_signal = WTERMSIG(app_status);
    rep->exit_code = 128 + rep->app_signal;
  }
out:
  for (int i = 0; i < 2; i++) {
    if (msg[i] >= 0) close(msg[i]);
    if (sync[i] >= 0) close(sync[i]);
    if (release[i] >= 0) close(release[i]);
  }
}

void sr_supervise(struct sr_config *cfg, struct sr_report *rep) {
  struct sr_error err = {0};
  struct sr_bpf_prog bpf = {NULL, 0};
  struct sr_cgroup cg;
  memset(rep, 0, sizeof *rep);
  memset(&cg, 0, sizeof cg);
  rep->status = "running";
  rep->stats.memory_peak = -1;
  struct timespec started, ended;
  clock_gettime(CLOCK_MONOTONIC, &started);

  if (cfg->seccomp_fd >= 0 && read_bpf(cfg->seccomp_fd, &bpf, &err) < 0) {
    set_failed(rep, "seccomp", &err, 125);
    return;
  }
  if (cfg->seccomp_fd < 0 && cfg->bundle_len > 0) {
    bpf.insns = malloc(cfg->bundle_len * sizeof *bpf.insns);
    if (bpf.insns == NULL) {
      set_failed(rep, "seccomp", &(struct sr_error){ENOMEM, "copying the bundle's filter"}, 125);
      return;
    }
    memcpy(bpf.insns, cfg->bundle_insns, cfg->bundle_len * sizeof *bpf.insns);
    bpf.len = cfg->bundle_len;
  }
  struct sr_explain explain = {.json = cfg->explain_json, .listener = -1};
  /* Large (a counter per syscall number): on the heap, and only when tracing. */
  struct sr_trace *trace = NULL;
  if (cfg->trace_fd >= 0) {
    trace = malloc(sizeof *trace);
    if (trace == NULL) {
      set_failed(rep, "trace", &(struct sr_error){ENOMEM, "allocating the trace"}, 125);
      free(bpf.insns);
      return;
    }
    sr_trace_init(trace, cfg->trace_progress);
  }
  if (cfg->explain_fd >= 0 && read_bpf(cfg->explain_fd, &explain.original, &err) < 0) {
    set_failed(rep, "explain", &err, 125);
    free(bpf.insns);
    return;
  }
  char name[96];
  snprintf(name, sizeof name, "secure-run-%s-%d", cfg->name ? cfg->name : "app", (int)getpid());
  struct sr_cgroup_limits lim = {cfg->memory_max, cfg->swap_max, cfg->pids_max, cfg->cpu_quota,
                                 cfg->cpu_period};
  /* A compiled bundle's categories: allocated now, for this launch, in the registry that
   * secure-run run allocates from. */
  struct sr_mcs mcs = {0};
  static char process_label[320], mount_label[320];
  if (cfg->mcs_registry) {
    if (sr_mcs_allocate(cfg->mcs_registry, (int)getpid(), &mcs, &err) < 0) {
      set_failed(rep, "selinux", &err, 125);
    } else {
      snprintf(process_label, sizeof process_label, "%s:%s", cfg->selinux_label, mcs.pair);
      snprintf(mount_label, sizeof mount_label, "%s:%s", cfg->selinux_mount_label, mcs.pair);
      cfg->selinux_label = process_label;
      cfg->selinux_mount_label = mount_label;
    }
  }
  for (size_t i = 0; i < cfg->nrelabel && err.msg[0] == '\0'; i++)
    if (sr_relabel(cfg->relabel[i], cfg->selinux_mount_label, &err) < 0) set_failed(rep, "selinux", &err, 125);
  if (strcmp(rep->status, "failed") == 0) {
    /* relabelling failed: nothing more */
  } else if (sr_rootfs_open_sources(cfg, &err) < 0) {
    set_failed(rep, "rootfs", &err, 125);
  } else if (sr_cgroup_prepare(&cg, name, cfg->cgroup_parent, &lim, &err) < 0 ||
             (cg.driver && cg.driver->create(&cg, &lim, &err) < 0)) {
    set_failed(rep, "cgroup", &err, 125);
  } else {
    launch(cfg, &bpf, cfg->explain_fd >= 0 ? &explain : NULL, trace, &cg, rep);
  }
  sr_rootfs_close_sources(cfg);
  if (cg.driver) {
    rep->cgroup_driver = cg.driver->name;
    cg.driver->stats(&cg, &rep->stats);
    struct sr_error cerr = {0};
    if (cg.driver->destroy(&cg, &cerr) < 0)
      sr_error_format(&cerr, rep->cleanup_error, sizeof rep->cleanup_error);
  }
  sr_mcs_release(&mcs);
  free(bpf.insns);
  sr_explain_close(&explain);
  if (trace) {
    if (trace->listener >= 0) close(trace->listener);
    sr_trace_write(trace, cfg->trace_fd);
    free(trace);
  }
  clock_gettime(CLOCK_MONOTONIC, &ended);
  rep->wall_us = (int64_t)(ended.tv_sec - started.tv_sec) * 1000000 +
                 (ended.tv_nsec - started.tv_nsec) / 1000;
}

static void json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p < 0x20)
      fprintf(f, "\\u%04x", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}

void sr_report_write(int fd, const struct sr_report *rep) {
  char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&buf, &size);
  if (f == NULL) return;
  fprintf(f, "{\"status\":\"%s\",\"exitCode\":%d", rep->status, rep->exit_code);
  if (strcmp(rep->status, "exited") == 0) fprintf(f, ",\"appExitCode\":%d", rep->app_exit);
  if (strcmp(rep->status, "signaled") == 0) fprintf(f, ",\"signal\":%d", rep->app_signal);
  if (strcmp(rep->status, "failed") == 0) {
    fprintf(f, ",\"error\":{\"step\":");
    json_string(f, rep->step);
    fprintf(f, ",\"errno\":%d,\"message\":", rep->error.code);
    json_string(f, rep->error.msg);
    fprintf(f, ",\"detail\":");
    json_string(f, rep->error.code ? strerror(rep->error.code) : "");
    fputc('}', f);
  }
  fprintf(f, ",\"oomKilled\":%s", rep->stats.oom_kills > 0 || rep->oom_group_kill ? "true" : "false");
  fprintf(f, ",\"cpu\":{\"userUs\":%lld,\"systemUs\":%lld},\"wallUs\":%lld",
          (long long)rep->user_us, (long long)rep->system_us, (long long)rep->wall_us);
  if (rep->parent_died) fprintf(f, ",\"parentDied\":true");
  if (rep->cgroup_driver) {
    fprintf(f, ",\"cgroup\":{\"driver\":\"%s\",\"memoryPeak\":%lld,\"oomKills\":%lld,"
               "\"pidsLimitHits\":%lld",
            rep->cgroup_driver, (long long)rep->stats.memory_peak,
            (long long)rep->stats.oom_kills, (long long)rep->stats.pids_limit_hits);
    if (rep->cgroup_placement) fprintf(f, ",\"placement\":\"%s\"", rep->cgroup_placement);
    fputc('}', f);
  }
  if (rep->cleanup_error[0]) {
    fprintf(f, ",\"cleanupError\":");
    json_string(f, rep->cleanup_error);
  }
  fputs("}\n", f);
  fclose(f);
  (void)sr_write_all(fd, buf, size); /* nobody to tell if the reader is gone */
  free(buf);
}
