/* Cost of one syscall under a seccomp filter: loads the BPF program given (or none), then times
 * N calls of getpid (always allowed: the kernel's cache of always-allowed calls applies) and of
 * ioctl(-1, TCGETS) (a call whose rule checks its arguments, so the filter runs every time).
 *   syscall-cost PROG|- N      prints "getpid NS ioctl NS" (nanoseconds per call, best of 5) */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static struct sock_filter insns[4096];

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double best_of(long n, long nr, long a0, long a1) {
  double best = 1e30;
  for (int round = 0; round < 5; round++) {
    double t0 = now_ns();
    for (long i = 0; i < n; i++) syscall(nr, a0, a1, 0);
    double per = (now_ns() - t0) / (double)n;
    if (per < best) best = per;
  }
  return best;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: syscall-cost PROG|- N\n");
    return 64;
  }
  long n = atol(argv[2]);
  if (strcmp(argv[1], "-") != 0) {
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
      perror(argv[1]);
      return 66;
    }
    size_t len = fread(insns, sizeof insns[0], 4096, f);
    fclose(f);
    struct sock_fprog prog = {(unsigned short)len, insns};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
      perror("loading the filter");
      return 1;
    }
  }
  double getpid_ns = best_of(n, SYS_getpid, 0, 0);
  double ioctl_ns = best_of(n, SYS_ioctl, -1, TCGETS);
  printf("getpid %.1f ioctl %.1f\n", getpid_ns, ioctl_ns);
  return 0;
}
