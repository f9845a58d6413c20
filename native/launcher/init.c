/* The sandbox's first process. It builds what needs the launcher's privileges (hostname, the
 * new root, loopback), starts the app, then keeps only CAP_KILL and becomes a tiny init that
 * reaps zombies and forwards signals. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/keyctl.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "netns.h"
#include "proto.h"
#include "rootfs.h"
#include "sandbox.h"

__attribute__((noreturn)) static void fail(int msg_fd, const char *step, const struct sr_error *e) {
  sr_msg_send_error(msg_fd, SR_MSG_ERROR, step, e);
  _exit(125);
}

/* Only the app's processes share this pid namespace: init may not do more than signal them. */
static int become_minimal(struct sr_error *err) {
  const uint64_t kill_only = 1ULL << 5; /* CAP_KILL */
  if (sr_caps_drop_bounding(kill_only, err) < 0 || sr_caps_set(kill_only, err) < 0) return -1;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return sr_fail(err, errno, "no_new_privs");
  /* Again: a change of credentials since the start set it to fs.suid_dumpable. */
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) return sr_fail(err, errno, "PR_SET_DUMPABLE");
  return 0;
}

/* A session keyring of its own, empty, for init and the app: the one inherited from the caller
 * holds the caller's keys (runc does the same). Joined once the user is final (in a user
 * namespace, its mapped root), so that the keyring is owned by the ids the app runs under. A
 * kernel without keys (ENOSYS) has no keyring to share. */
static int new_session_keyring(struct sr_error *err) {
  if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL, 0, 0, 0) >= 0 || errno == ENOSYS)
    return 0;
  if (errno == EDQUOT)
    return sr_fail(err, errno,
                   "join a new session keyring: the user's key quota is used up "
                   "(kernel.keys.maxkeys, kernel.keys.root_maxkeys)");
  return sr_fail(err, errno, "join a new session keyring (keyctl KEYCTL_JOIN_SESSION_KEYRING)");
}

/* Closes the descriptors the caller left to the launcher (see main.c): init holds none of them
 * while it builds the sandbox, nor later, and the app cannot get one from it. */
static int close_inherited(const struct sr_config *cfg, struct sr_error *err) {
  for (size_t i = 0; i < cfg->ninherited_fds; i++)
    if (close(cfg->inherited_fds[i]) < 0 && errno != EBADF && errno != EINTR)
      return sr_fail(err, errno, "close inherited descriptor %d", cfg->inherited_fds[i]);
  return 0;
}

static int become_mapped_root(const struct sr_config *cfg, struct sr_error *err) {
  uid_t uid = cfg->uid_map[0].inside;
  gid_t gid = cfg->gid_map[0].inside;
  for (size_t i = 0; i < cfg->nuid_map; i++)
    if (cfg->uid_map[i].inside == 0) uid = 0;
  for (size_t i = 0; i < cfg->ngid_map; i++)
    if (cfg->gid_map[i].inside == 0) gid = 0;
  if (prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0) < 0)
    return sr_fail(err, errno, "PR_SET_SECUREBITS");
  if (setresgid(gid, gid, gid) < 0) return sr_fail(err, errno, "setresgid(%u) in the user namespace", gid);
  if (setresuid(uid, uid, uid) < 0) return sr_fail(err, errno, "setresuid(%u) in the user namespace", uid);
  return 0;
}

/* What the app sees of init in /proc/1 (cmdline, comm): a name, not the launcher's command line,
 * which names the bundle and the caller's paths. Init is a clone of the launcher and shares its
 * argument block; wiped once the app has its own copy of everything it was given. The kernel
 * reads cmdline from that block (its last byte stays NUL, so all of it, trailing NULs too). */
static void hide_command_line(const struct sr_config *cfg) {
  static const char title[] = "secure-run-init";
  if (cfg->arg_area && cfg->arg_area_len > 0) {
    memset(cfg->arg_area, 0, cfg->arg_area_len);
    size_t n = cfg->arg_area_len - 1 < sizeof title - 1 ? cfg->arg_area_len - 1 : sizeof title - 1;
    memcpy(cfg->arg_area, title, n);
  }
  (void)prctl(PR_SET_NAME, "sr-init", 0, 0, 0); /* cannot fail for a string */
}

static void protect_from_oom(void) {
  int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (write(fd, "-1000", 5) < 0) { /* best effort: the app is the one to go first anyway */
    }
    close(fd);
  }
}

__attribute__((noreturn)) static void reap_and_forward(pid_t app, int msg_fd) {
  sigset_t set;
  sigemptyset(&set);
  int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaddset(&set, forwarded[i]);
  sigaddset(&set, SIGCHLD);
  /* Already blocked since the supervisor: nothing arrives before the loop can see it. */
  int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  if (sfd < 0) {
    /* Cannot supervise: take the app down rather than leave it unreaped. */
    kill(app, SIGKILL);
    fail(msg_fd, "init", &(struct sr_error){errno, "signalfd"});
  }
  for (;;) {
    struct signalfd_siginfo si;
    ssize_t n = read(sfd, &si, sizeof si);
    if (n < 0 && errno == EINTR) continue;
    if (n != sizeof si) {
      kill(app, SIGKILL);
      fail(msg_fd, "init", &(struct sr_error){errno, "reading signals"});
    }
    if (si.ssi_signo != SIGCHLD) {
      kill(app, (int)si.ssi_signo);
      continue;
    }
    for (;;) {
      int status;
      pid_t p = waitpid(-1, &status, WNOHANG);
      if (p <= 0) break;
      if (p == app) {
        sr_msg_send_exit(msg_fd, status);
        /* Leaving ends the pid namespace: the kernel kills whatever the app left running. */
        _exit(0);
      }
    }
  }
}

/* One byte from the supervisor, which must be `want`; -1 when it closed the pipe instead. */
static int wait_for(int fd, char want) {
  char got = 0;
  ssize_t n;
  do {
    n = read(fd, &got, 1);
  } while (n < 0 && errno == EINTR);
  return n == 1 && got == want ? 0 : -1;
}

void sr_init_main(const struct sr_config *cfg, const struct sr_bpf_prog *bpf,
                  const struct sr_channels *ch) {
  int msg_fd = ch->msg, sync_fd = ch->sync;
  struct sr_error err = {0};

  if (close_inherited(cfg, &err) < 0) fail(msg_fd, "init", &err);
  /* --instance: the supervisor's own descriptors are not the sandbox's; the app's stdin,
   * stdout and stderr are the ones the supervisor made for this run (/dev/null, log pipes). */
  for (size_t i = 0; i < cfg->nsupervisor_fds; i++)
    if (cfg->supervisor_fds[i] >= 0) close(cfg->supervisor_fds[i]);
  if (cfg->app_stdio_set) {
    for (int i = 0; i < 3; i++)
      if (dup2(cfg->app_stdio[i], i) < 0) {
        sr_fail(&err, errno, "dup2 the app's standard stream %d", i);
        fail(msg_fd, "init", &err);
      }
    for (int i = 0; i < 3; i++)
      if (cfg->app_stdio[i] > 2) close(cfg->app_stdio[i]);
  }
  /* If the supervisor dies, so does the sandbox (and with init, the whole pid namespace). */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    fail(msg_fd, "init", &(struct sr_error){errno, "PR_SET_PDEATHSIG"});
  /* cgroup v1: into the app's cgroups before anything else, by writing "0" (this thread) to
   * their `tasks` files, which the supervisor opened (the kernel checks the opener's rights).
   * A single thread moving itself skips the global lock that the supervisor's write of a pid to
   * cgroup.procs takes, and that lock waits for an RCU grace period: 10-20 ms on an idle host,
   * against 0.05 ms. This process has one thread, so the thread is the process. */
  for (size_t i = 0; i < ch->ncg_tasks; i++) {
    if (write(ch->cg_tasks[i], "0", 1) != 1) {
      sr_fail(&err, errno, "join the app's cgroup (write 0 to its tasks file)");
      fail(msg_fd, "cgroup", &err);
    }
    close(ch->cg_tasks[i]);
  }
  /* The supervisor says 'm' once the id maps are written, and 'g' once this process is in
   * the cgroup (cgroup v2: born there; v1: joined above, or moved by the supervisor): the
   * sandbox is built in between, nothing of the app's runs before 'g'. */
  if (wait_for(sync_fd, 'm') < 0) _exit(125); /* the supervisor gave up; it reports why */
  /* Not dumpable from here on, before anything of the sandbox is built: nothing that later runs
   * as the same user (the app) can read init's memory or ptrace it. Not before the id maps are
   * written: /proc/PID of a process that is not dumpable belongs to root, and an unprivileged
   * supervisor (or newuidmap, on its behalf) could no longer open its uid_map. Until then init
   * has done nothing but wait, with nothing the caller's own processes could not have. */
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    fail(msg_fd, "init", &(struct sr_error){errno, "PR_SET_DUMPABLE"});

  /* In a user namespace, become its root (or the one mapped id, for an unprivileged caller), so
   * that files and mounts made below are owned by a mapped id. The capabilities stay. */
  if ((cfg->clone_flags & CLONE_NEWUSER) && become_mapped_root(cfg, &err) < 0)
    fail(msg_fd, "user namespace", &err);
  /* Whether the app may set supplementary groups, read while the caller's /proc is in view (the
   * app's view may have none). */
  sr_app_probe_setgroups();
  if (new_session_keyring(&err) < 0) fail(msg_fd, "keyring", &err);
  /* A change of credentials clears the parent-death signal: set it again, and make sure the
   * supervisor did not die in between (its end of the message socket would be closed). */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    fail(msg_fd, "init", &(struct sr_error){errno, "PR_SET_PDEATHSIG"});
  struct pollfd peer = {msg_fd, POLLIN, 0};
  if (poll(&peer, 1, 0) == 1 && (peer.revents & (POLLHUP | POLLERR))) _exit(125);
  if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0) {
    sr_fail(&err, errno, "sethostname `%s`", cfg->hostname);
    fail(msg_fd, "hostname", &err);
  }
  /* Network sysctls belong to the namespace of whoever writes them: set them while the host's
   * /proc is still there and writable. */
  for (size_t i = 0; i < cfg->nsysctls; i++)
    if (sr_sysctl_set(cfg->sysctls[i], &err) < 0) fail(msg_fd, "sysctl", &err);
  if (cfg->new_root && sr_rootfs_setup(cfg, &err) < 0) fail(msg_fd, "rootfs", &err);
  if ((cfg->clone_flags & CLONE_NEWNET) && sr_loopback_up(&err) < 0) fail(msg_fd, "network", &err);

  /* In the cgroup now; it becomes the root of what the app sees of cgroups. */
  if (wait_for(sync_fd, 'g') < 0) _exit(125);
  close(sync_fd);
  if (cfg->cgroup_ns && unshare(CLONE_NEWCGROUP) < 0)
    fail(msg_fd, "cgroup namespace", &(struct sr_error){errno, "unshare(CLONE_NEWCGROUP)"});

  pid_t app = fork();
  if (app < 0) fail(msg_fd, "fork", &(struct sr_error){errno, "fork the app"});
  if (app == 0) sr_app_exec(cfg, bpf, ch);
  if (ch->explain >= 0) close(ch->explain);
  if (ch->exec >= 0) close(ch->exec);

  hide_command_line(cfg);
  protect_from_oom();
  if (become_minimal(&err) < 0) {
    kill(app, SIGKILL);
    fail(msg_fd, "init", &err);
  }
  reap_and_forward(app, msg_fd);
}
