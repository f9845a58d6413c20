#define _GNU_SOURCE
#include "nethook.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int sr_net_hook(const char *exe, const char *config, const char *action, pid_t pid,
                struct sr_error *err) {
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
    execve(exe, argv, envp);
    _exit(errno == ENOENT ? 127 : 126);
  }
  int status;
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR) return sr_fail(err, errno, "wait for the network hook");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return sr_fail(err, 0, "`%s net-hook %s %s %s` failed (%s %d): see its message above", exe,
                   action, config, num, WIFEXITED(status) ? "exit" : "signal",
                   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
  return 0;
}
