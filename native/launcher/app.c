/* The app's own process, from fork to execve. Each step comments why it is where it is. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "landlock.h"
#include "proto.h"
#include "sandbox.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

__attribute__((noreturn)) static void fail(int msg_fd, enum sr_msg_type type, const char *step,
                                           const struct sr_error *err, int status) {
  sr_msg_send_error(msg_fd, type, step, err);
  _exit(status);
}

static const char *env_path(const struct sr_config *cfg) {
  for (size_t i = 0; i < cfg->nenv; i++)
    if (strncmp(cfg->env[i], "PATH=", 5) == 0) return cfg->env[i] + 5;
  return DEFAULT_PATH;
}

/* Finds the program as execvp would, so that "not found" (127) and "cannot execute" (126) are
 * told apart before the filter is loaded. */
static int resolve_program(const struct sr_config *cfg, char *out, size_t size,
                           struct sr_error *err) {
  const char *name = cfg->argv[0];
  if (strchr(name, '/') != NULL) {
    snprintf(out, size, "%s", name);
    return 0;
  }
  const char *path = env_path(cfg);
  int seen_eacces = 0;
  for (const char *p = path; *p;) {
    const char *end = strchrnul(p, ':');
    int n = snprintf(out, size, "%.*s/%s", (int)(end - p), p, name);
    if (n > 0 && (size_t)n < size && end != p) {
      struct stat st;
      if (stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
        if (access(out, X_OK) == 0) return 0;
        seen_eacces = 1;
      }
    }
    p = *end ? end + 1 : end;
  }
  return sr_fail(err, seen_eacces ? EACCES : ENOENT, "`%s` in PATH %s", name, path);
}

/* -1: not looked at yet; else whether setgroups(2) is denied in this user namespace. */
static int setgroups_denied = -1;

void sr_app_probe_setgroups(void) {
  char buf[8] = {0};
  int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (fd >= 0) close(fd);
  setgroups_denied = n > 0 && strncmp(buf, "deny", 4) == 0;
}

/* Closes every descriptor from 3 up but those in keep (which must be sorted). */
static int close_all_except(const int *keep, size_t n) {
  unsigned int from = 3;
  for (size_t i = 0; i <= n; i++) {
    unsigned int to = i < n ? (unsigned int)keep[i] : ~0U;
    if (to > from && syscall(SYS_close_range, from, i < n ? to - 1 : ~0U, 0) < 0) return -1;
    if (i < n) from = (unsigned int)keep[i] + 1;
  }
  return 0;
}

/* Enters the working directory, resolved inside the root as if it were the root of the
 * filesystem (RESOLVE_IN_ROOT: "..", absolute symbolic links stay inside) and without magic
 * links (/proc/self/fd/N, /proc/PID/cwd: the way out of a new root, CVE-2024-21626). Then checks
 * that the kernel sees it below the root: getcwd says "(unreachable)" otherwise. */
static int enter_cwd(const char *cwd, struct sr_error *err) {
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return sr_fail(err, errno, "open the root to resolve the working directory in");
  struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                         .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  int fd = (int)syscall(SYS_openat2, root, cwd, &how, sizeof how);
  int e = errno;
  close(root);
  if (fd < 0) {
    if (e == ELOOP) return sr_fail(err, e, "working directory `%s` goes through a magic link", cwd);
    return sr_fail(err, e, "working directory `%s`", cwd);
  }
  int rc = fchdir(fd);
  e = errno;
  close(fd);
  if (rc < 0) return sr_fail(err, e, "chdir `%s`", cwd);
  char buf[4096];
  if (getcwd(buf, sizeof buf) == NULL) {
    if (errno == ENOENT) return sr_fail(err, ENOENT, "working directory `%s` is outside the root", cwd);
    return sr_fail(err, errno, "getcwd in `%s`", cwd);
  }
  if (buf[0] != '/') return sr_fail(err, EXDEV, "working directory `%s` is outside the root", cwd);
  return 0;
}

/* --explain: load the filter with a listener, let the supervisor take it, then let go of it. */
static int load_notifying_filter(const struct sr_config *cfg, const struct sock_fprog *prog,
                                 const struct sr_channels *ch, struct sr_error *err) {
  /* The supervisor takes the listener with pidfd_getfd, which needs ptrace access to this
   * process. Root's supervisor has CAP_SYS_PTRACE; an unprivileged one only has access to a
   * dumpable process of its own uid: this one is (the caller's uid outside), and execve would
   * make it dumpable again in a moment anyway. Init stays non-dumpable. */
  if (cfg->unprivileged && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
    return sr_fail(err, errno, "prctl(PR_SET_DUMPABLE) for the supervisor to take the listener");
  /* The listener takes the lowest free descriptor: tell the supervisor which, before loading
   * (after loading, only the plan's allowlist holds). */
  int probe = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (probe < 0) return sr_fail(err, errno, "open /dev/null");
  close(probe);
  sr_msg_send_notify_ready(ch->msg, probe);
  int listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                              prog);
  if (listener < 0) return sr_fail(err, errno, "loading the seccomp filter with a listener");
  /* Wait until the supervisor holds its copy. If read itself is refused, the supervisor answers
   * the notification: either way this returns once it listens. */
  char c;
  (void)!read(ch->explain, &c, 1);
  close(ch->explain);
  close(listener); /* the app must not keep it: it could answer for itself */
  return 0;
}

void sr_app_exec(const struct sr_config *cfg, const struct sr_bpf_prog *bpf,
                 const struct sr_channels *ch) {
  int msg_fd = ch->msg;
  struct sr_error err = {0};
  sigset_t none;

  /* --instance: the supervisor learns the app's host pid from this message's credentials. */
  if (ch->exec >= 0) sr_msg_send_app_pid(msg_fd);

  /* Signals were blocked for the supervisor and init; the app starts with defaults. */
  for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);

  /* SELinux: the label the app gets at execve, set while the launcher may still set it. */
  if (cfg->selinux_label) {
    int fd = open("/proc/thread-self/attr/exec", O_WRONLY | O_CLOEXEC);
    size_t len = strlen(cfg->selinux_label);
    if (fd < 0 || write(fd, cfg->selinux_label, len) != (ssize_t)len) {
      sr_fail(&err, errno, "set the SELinux exec label `%s`", cfg->selinux_label);
      fail(msg_fd, SR_MSG_ERROR, "selinux", &err, 125);
    }
    close(fd);
  }

  /* A new session: no controlling terminal, so TIOCSTI has nothing to inject into. */
  if (cfg->new_session && setsid() < 0)
    fail(msg_fd, SR_MSG_ERROR, "setsid", &(struct sr_error){errno, "setsid"}, 125);

  /* Resource limits while CAP_SYS_RESOURCE still allows raising hard limits. */
  for (size_t i = 0; i < cfg->nrlimits; i++) {
    struct rlimit rl = {cfg->rlimits[i].soft, cfg->rlimits[i].hard};
    if (setrlimit(cfg->rlimits[i].resource, &rl) < 0) {
      sr_fail(&err, errno, "setrlimit(%d)", cfg->rlimits[i].resource);
      fail(msg_fd, SR_MSG_ERROR, "rlimits", &err, 125);
    }
  }

  /* Capabilities, part 1, while CAP_SETPCAP is held: the root special case is locked off and
   * the bounding set is cut to what is kept, so nothing can be regained later. */
  if (sr_caps_lock_securebits(&err) < 0 || sr_caps_drop_bounding(cfg->keep_caps, &err) < 0)
    fail(msg_fd, SR_MSG_ERROR, "capabilities", &err, 125);

  /* Switch user and groups. SECBIT_NO_SETUID_FIXUP keeps the sets unchanged for part 2. */
  /* An unprivileged caller's user namespace has setgroups denied: no supplementary groups. */
  if (setgroups_denied < 0) sr_app_probe_setgroups();
  bool may_setgroups = !setgroups_denied;
  if (!may_setgroups && cfg->ngroups > 0) {
    sr_fail(&err, EPERM, "supplementary groups need a user namespace set up by root");
    fail(msg_fd, SR_MSG_ERROR, "user", &err, 125);
  }
  if ((may_setgroups && setgroups(cfg->ngroups, cfg->groups) < 0) ||
      setresgid(cfg->gid, cfg->gid, cfg->gid) < 0 || setresuid(cfg->uid, cfg->uid, cfg->uid) < 0) {
    sr_fail(&err, errno, "switch to uid %u gid %u", (unsigned)cfg->uid, (unsigned)cfg->gid);
    fail(msg_fd, SR_MSG_ERROR, "user", &err, 125);
  }

  /* Landlock after the user switch and before the capability drop. */
  if (sr_landlock_apply(cfg, &err) < 0) fail(msg_fd, SR_MSG_ERROR, "landlock", &err, 125);

  /* Capabilities, part 2: effective, permitted, inheritable and ambient become the kept set. */
  if (sr_caps_set(cfg->keep_caps, &err) < 0) fail(msg_fd, SR_MSG_ERROR, "capabilities", &err, 125);

  /* No execve may grant privileges again (setuid bits, file capabilities beyond the bounding
   * set); also what lets an unprivileged process load a seccomp filter. */
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    fail(msg_fd, SR_MSG_ERROR, "no_new_privs", &(struct sr_error){errno, "PR_SET_NO_NEW_PRIVS"},
         125);

  /* Every descriptor but stdio and the channels to the supervisor (close-on-exec) is closed,
   * so nothing of the caller's (a directory fd, a socket) reaches the app; before the working
   * directory is entered, so that no descriptor can be the way there. */
  int keep[3] = {msg_fd, -1, -1};
  size_t nkeep = 1;
  if (ch->explain >= 0) keep[nkeep++] = ch->explain;
  if (ch->exec >= 0) keep[nkeep++] = ch->exec;
  for (size_t a = 1; a < nkeep; a++) /* sorted, for close_all_except */
    for (size_t b = a; b > 0 && keep[b] < keep[b - 1]; b--) {
      int t = keep[b];
      keep[b] = keep[b - 1];
      keep[b - 1] = t;
    }
  if (close_all_except(keep, nkeep) < 0)
    fail(msg_fd, SR_MSG_ERROR, "close fds", &(struct sr_error){errno, "close_range"}, 125);

  if (enter_cwd(cfg->cwd, &err) < 0) fail(msg_fd, SR_MSG_ERROR, "cwd", &err, 125);

  char program[4096];
  if (resolve_program(cfg, program, sizeof program, &err) < 0)
    fail(msg_fd, SR_MSG_EXEC_ERROR, "execve", &err, err.code == ENOENT ? 127 : 126);

  /* The filter last: from here on only the allowlist holds, and the only call left is execve. */
  if (bpf->len > 0) {
    if (bpf->len > BPF_MAXINSNS) /* the kernel's bound; a longer count would wrap in .len */
      fail(msg_fd, SR_MSG_ERROR, "seccomp", &(struct sr_error){E2BIG, "a filter over 4096 insns"}, 125);
    struct sock_fprog prog = {(unsigned short)bpf->len, bpf->insns};
    if (ch->explain >= 0) {
      if (load_notifying_filter(cfg, &prog, ch, &err) < 0) fail(msg_fd, SR_MSG_ERROR, "seccomp", &err, 125);
    } else if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
      fail(msg_fd, SR_MSG_ERROR, "seccomp", &(struct sr_error){errno, "loading the seccomp filter"},
           125);
    }
  }
  execve(program, cfg->argv, cfg->env);
  sr_fail(&err, errno, "execve `%s`", program);
  fail(msg_fd, SR_MSG_EXEC_ERROR, "execve", &err, err.code == ENOENT ? 127 : 126);
}
