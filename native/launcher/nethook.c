#define _GNU_SOURCE
#include "nethook.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int sr_net_ns_open(pid_t pid, struct sr_net_ns *ns, struct sr_error *err) {
  const char *names[2] = {"net", "user"};
  int *fds[2] = {&ns->net, &ns->user};
  for (size_t i = 0; i < 2; i++) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, names[i]);
    *fds[i] = open(path, O_RDONLY | O_CLOEXEC);
    if (*fds[i] < 0) {
      int e = errno;
      sr_net_ns_close(ns);
      return sr_fail(err, e, "open `%s`", path);
    }
  }
  return 0;
}

void sr_net_ns_close(struct sr_net_ns *ns) {
  if (ns->net >= 0) close(ns->net);
  if (ns->user >= 0) close(ns->user);
  ns->net = ns->user = -1;
}

/* In the hook's child: fd on descriptor `to`, kept across execve. */
static int place(int fd, int to) {
  if (fd == to) return fcntl(fd, F_SETFD, 0);
  return dup2(fd, to) < 0 ? -1 : 0;
}

int sr_net_hook(const char *exe, const char *config, const char *action, pid_t pid,
                const struct sr_net_ns *ns, struct sr_error *err) {
  /* The forwarder the add leaves running (pasta) outlives the hook: this process adopts it, and
   * reaps it after the del that ends it, rather than the host's init (which may never). */
  bool add = strcmp(action, "add") == 0;
  if (add && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    return sr_fail(err, errno, "prctl(PR_SET_CHILD_SUBREAPER) for the network's forwarder");
  char num[16];
  snprintf(num, sizeof num, "%d", (int)pid);
  char *argv[] = {(char *)exe, "net-hook", (char *)action, (char *)config, num, NULL};
  char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
  pid_t child = fork();
  if (child < 0) return sr_fail(err, errno, "fork for the network hook");
  if (child == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    /* Its output is the supervisor's messages, never the app's stdout. */
    if (null < 0 || dup2(null, 0) < 0 || dup2(2, 1) < 0) _exit(126);
    /* The user namespace's descriptor may be 3: copied aside before 3 is replaced. */
    int user = ns->user == 3 ? dup(ns->user) : ns->user;
    if (user < 0 || place(ns->net, 3) < 0 || place(user, 4) < 0) _exit(126);
    execve(exe, argv, envp);
    _exit(errno == ENOENT ? 127 : 126);
  }
  int status;
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR) return sr_fail(err, errno, "wait for the network hook");
  /* What the del ended (it waits until the forwarder has), adopted after its hook exited. */
  if (!add)
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return sr_fail(err, 0, "`%s net-hook %s %s %s` failed (%s %d): see its message above", exe,
                   action, config, num, WIFEXITED(status) ? "exit" : "signal",
                   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
  return 0;
}

/* In the child: CAP_NET_ADMIN inheritable, then ambient, so that nft keeps it. */
static int keep_net_admin(void) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &hdr, data) < 0) return -1;
  data[CAP_NET_ADMIN / 32].inheritable |= 1U << (CAP_NET_ADMIN % 32);
  if (syscall(SYS_capset, &hdr, data) < 0) return -1;
  return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_ADMIN, 0, 0);
}

int sr_net_rules(const struct sr_net_ns *ns, const char *file, bool join_user, struct sr_error *err) {
  static const char nft[] = "/usr/sbin/nft";
  if (access(nft, X_OK) < 0)
    return sr_fail(err, errno, "%s, which loads the network's rules (Debian package nftables)", nft);
  int report[2];
  if (pipe2(report, O_CLOEXEC) < 0) return sr_fail(err, errno, "pipe for nft");
  pid_t child = fork();
  if (child < 0) {
    int e = errno;
    close(report[0]);
    close(report[1]);
    return sr_fail(err, e, "fork for nft");
  }
  if (child == 0) {
    close(report[0]);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    char *argv[] = {"nft", "-f", (char *)file, NULL};
    char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
    int step = 0;
    if ((join_user && setns(ns->user, CLONE_NEWUSER) < 0) || (step = 1, setns(ns->net, CLONE_NEWNET) < 0) ||
        (step = 2, keep_net_admin() < 0) || (step = 3, dup2(2, 1) < 0) ||
        (step = 4, execve(nft, argv, envp) < 0)) {
      int msg[2] = {step, errno};
      if (write(report[1], msg, sizeof msg) < 0) _exit(126);
    }
    _exit(126);
  }
  close(report[1]);
  int msg[2] = {-1, 0};
  ssize_t n;
  do n = read(report[0], msg, sizeof msg);
  while (n < 0 && errno == EINTR);
  close(report[0]);
  int status;
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR) return sr_fail(err, errno, "wait for nft");
  static const char *const steps[] = {"join the app's user namespace", "join the app's network namespace",
                                      "keep CAP_NET_ADMIN for nft", "stdout for nft", "run nft"};
  if (n == (ssize_t)sizeof msg && msg[0] >= 0 && msg[0] < 5)
    return sr_fail(err, msg[1], "loading the network's rules: %s", steps[msg[0]]);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return sr_fail(err, 0, "`nft -f %s` in the app's network namespace failed (%s %d): see its message above",
                   file, WIFEXITED(status) ? "exit" : "signal",
                   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
  return 0;
}
