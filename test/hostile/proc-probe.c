/* What test/hostile/process.test.ts asks of a process in the sandbox (and of its caller):
 *   proc-probe cwd                     the working directory ("cwd PATH", or the errno)
 *   proc-probe fds                     "fd N TARGET" for each descriptor above 2
 *   proc-probe sleep MS                sleep MS milliseconds
 *   proc-probe keyread DESC            search the session keyring for the user key DESC and
 *                                      read it: "key VALUE" or "key errno NAME"
 *   proc-probe with-key DESC VALUE PROGRAM [ARG…]
 *                                      join a new session keyring (the caller's stays as it was),
 *                                      add the user key DESC=VALUE to it, and execute PROGRAM
 *   proc-probe abstract NAME           connect to the abstract unix socket NAME (as Node binds
 *                                      it: the whole sun_path, zero-padded):
 *                                      "abstract ok" or "abstract errno NAME"
 *   proc-probe signal PID              kill(PID, 0): "signal ok" or "signal errno NAME"
 *   proc-probe pester SIG PID MS       after MS milliseconds, send signal SIG to PID every 200 us
 *                                      until it ends; through a pidfd taken first, so never to
 *                                      another process that got the pid later: "pester N"
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define KEYCTL_JOIN_SESSION_KEYRING 1
#define KEYCTL_READ 11
#define KEY_SPEC_SESSION_KEYRING (-3)

static int say_errno(const char *what) {
  printf("%s errno %s\n", what, strerrorname_np(errno));
  return 1;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc < 2) return 64;
  if (strcmp(argv[1], "cwd") == 0) {
    char buf[PATH_MAX];
    if (getcwd(buf, sizeof buf) == NULL) return say_errno("cwd");
    printf("cwd %s\n", buf);
    return 0;
  }
  if (strcmp(argv[1], "fds") == 0) {
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL) return say_errno("fds");
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
      int fd = atoi(e->d_name);
      if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd(d)) continue;
      char link[64], target[PATH_MAX];
      snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
      ssize_t n = readlink(link, target, sizeof target - 1);
      target[n < 0 ? 0 : n] = '\0';
      printf("fd %d %s\n", fd, target);
    }
    closedir(d);
    return 0;
  }
  if (strcmp(argv[1], "sleep") == 0 && argc > 2) {
    long ms = atol(argv[2]);
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
    return 0;
  }
  if (strcmp(argv[1], "keyread") == 0 && argc > 2) {
    long id = syscall(SYS_request_key, "user", argv[2], NULL, 0);
    if (id < 0) return say_errno("key");
    char buf[256];
    long n = syscall(SYS_keyctl, KEYCTL_READ, id, buf, sizeof buf - 1);
    if (n < 0) return say_errno("key");
    buf[n < (long)sizeof buf ? n : (long)sizeof buf - 1] = '\0';
    printf("key %s\n", buf);
    return 0;
  }
  if (strcmp(argv[1], "with-key") == 0 && argc > 4) {
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0) return say_errno("join");
    if (syscall(SYS_add_key, "user", argv[2], argv[3], strlen(argv[3]), KEY_SPEC_SESSION_KEYRING) < 0)
      return say_errno("add_key");
    execv(argv[4], &argv[4]);
    return say_errno("execv");
  }
  if (strcmp(argv[1], "abstract") == 0 && argc > 2) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return say_errno("abstract");
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    size_t len = strlen(argv[2]);
    if (len + 1 > sizeof addr.sun_path) return 64;
    memcpy(addr.sun_path + 1, argv[2], len);
    /* The whole sun_path, zero-padded: the address Node binds for "\0NAME". */
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
      return say_errno("abstract");
    printf("abstract ok\n");
    close(fd);
    return 0;
  }
  if (strcmp(argv[1], "signal") == 0 && argc > 2) {
    if (kill((pid_t)atoi(argv[2]), 0) < 0) return say_errno("signal");
    printf("signal ok\n");
    return 0;
  }
  if (strcmp(argv[1], "pester") == 0 && argc > 4) {
    int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)atoi(argv[3]), 0);
    if (pidfd < 0) return say_errno("pester");
    long ms = atol(argv[4]);
    struct timespec start = {ms / 1000, (ms % 1000) * 1000000}, gap = {0, 200000};
    nanosleep(&start, NULL);
    int sent = 0;
    for (;;) {
      struct pollfd p = {pidfd, POLLIN, 0};
      if (poll(&p, 1, 0) != 0) break; /* it ended */
      if (syscall(SYS_pidfd_send_signal, pidfd, atoi(argv[2]), NULL, 0) < 0) break;
      sent++;
      nanosleep(&gap, NULL);
    }
    printf("pester %d\n", sent);
    return 0;
  }
  return 64;
}
