#define _GNU_SOURCE
#include "explain.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpf_eval.h"

#define MAX_LINES_PER_SECOND 20

/* Linux 6.6 (include/uapi/linux/seccomp.h); Debian 12's headers are older. */
#ifdef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SR_SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOCTL_NOTIF_SET_FLAGS
#else
#define SR_SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#define SR_SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1UL

int sr_listener_attach(pid_t pid, int fdnum, int *out, struct sr_error *err) {
  sr_autoclose int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) return sr_fail(err, errno, "pidfd_open(%d)", (int)pid);
  /* The app creates the listener right after telling us its number: wait up to 2 s, first in
   * steps of 20 µs (every launch waits here: a fixed 1 ms step cost most launches 1 ms), growing
   * to 1 ms. */
  long step_ns = 20000, waited_ns = 0;
  while (waited_ns < 2000000000L) {
    sr_autoclose int fd = (int)syscall(SYS_pidfd_getfd, pidfd, fdnum, 0);
    if (fd >= 0) {
      char link[64], target[64] = {0};
      snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
      if (readlink(link, target, sizeof target - 1) > 0 && strstr(target, "seccomp notify")) {
        /* The app waits for every answer: wake this supervisor on the app's CPU and the app on
         * ours (Linux 6.6). Without it each syscall costs two cross-CPU wake-ups, tens of
         * microseconds each where idle CPUs sleep deeply (virtual machines). An older kernel
         * does not know the flag: only slower. */
        if (ioctl(fd, SR_SECCOMP_IOCTL_NOTIF_SET_FLAGS, SR_SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0 &&
            errno != EINVAL && errno != ENOTTY)
          return sr_fail(err, errno, "SECCOMP_IOCTL_NOTIF_SET_FLAGS on the app's listener");
        *out = sr_steal_fd(fd);
        return 0;
      }
    } else if (errno != EBADF) {
      return sr_fail(err, errno, "pidfd_getfd(%d, %d)", (int)pid, fdnum);
    }
    struct timespec ts = {0, step_ns};
    nanosleep(&ts, NULL);
    waited_ns += step_ns;
    if (step_ns < 1000000) step_ns *= 2;
  }
  return sr_fail(err, ETIMEDOUT, "the app's seccomp listener did not appear");
}

static void ns_pid_and_comm(pid_t pid, long *nspid, char *comm, size_t size) {
  char path[64], buf[4096];
  *nspid = pid;
  snprintf(comm, size, "?");
  snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
  FILE *f = fopen(path, "re");
  if (f) {
    if (fgets(comm, (int)size, f)) comm[strcspn(comm, "\n")] = '\0';
    fclose(f);
  }
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  f = fopen(path, "re");
  if (f == NULL) return;
  while (fgets(buf, sizeof buf, f)) {
    if (strncmp(buf, "NSpid:", 6) != 0) continue;
    char *last = strrchr(buf, '\t');
    if (last) *nspid = strtol(last + 1, NULL, 10);
    break;
  }
  fclose(f);
}

static const char *arch_name(uint32_t arch) {
  switch (arch) {
  case SCMP_ARCH_X86_64: return "x86_64";
  case SCMP_ARCH_AARCH64: return "aarch64";
  case SCMP_ARCH_X86: return "x86";
  case SCMP_ARCH_ARM: return "arm";
  default: return "?";
  }
}

/* The program of a pid (/proc/PID/comm), "?" when it is gone. */
static void comm_of(pid_t pid, char *comm, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
  snprintf(comm, size, "?");
  sr_autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, comm, size - 1);
  if (n <= 0) {
    snprintf(comm, size, "?");
    return;
  }
  comm[n] = '\0';
  comm[strcspn(comm, "\n")] = '\0';
}

static void count(struct sr_explain *ex, const struct seccomp_notif *req, int err_no) {
  char comm[16];
  comm_of((pid_t)req->pid, comm, sizeof comm);
  char *name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
  sr_refusals_add(ex->counts, req->data.nr, name, comm, err_no);
  free(name);
}

static void report(struct sr_explain *ex, const struct seccomp_notif *req, int err_no) {
  time_t now = time(NULL);
  if (now != ex->window) {
    if (ex->suppressed > 0) {
      if (ex->json)
        fprintf(stderr, "{\"event\":\"denied-suppressed\",\"count\":%u}\n", ex->suppressed);
      else
        fprintf(stderr, "secure-run: … and %u more denials in that second\n", ex->suppressed);
    }
    ex->window = now;
    ex->shown = ex->suppressed = 0;
  }
  if (ex->shown >= MAX_LINES_PER_SECOND) {
    ex->suppressed++;
    return;
  }
  ex->shown++;
  char *name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
  long nspid;
  char comm[64];
  ns_pid_and_comm(req->pid, &nspid, comm, sizeof comm);
  int nargs = 6;
  while (nargs > 0 && req->data.args[nargs - 1] == 0) nargs--;
  const char *errname = err_no ? strerrorname_np(err_no) : NULL;
  if (ex->json) {
    fprintf(stderr, "{\"event\":\"denied\",\"syscall\":\"%s\",\"nr\":%d,\"arch\":\"%s\",\"args\":[",
            name ? name : "?", req->data.nr, arch_name(req->data.arch));
    for (int i = 0; i < nargs; i++) fprintf(stderr, "%s\"0x%llx\"", i ? "," : "", (unsigned long long)req->data.args[i]);
    fprintf(stderr, "],\"pid\":%ld,\"hostPid\":%d,\"comm\":\"", nspid, (int)req->pid);
    for (const char *c = comm; *c; c++)
      if (*c != '"' && *c != '\\' && (unsigned char)*c >= 0x20) fputc(*c, stderr);
    fprintf(stderr, "\",\"errno\":\"%s\"}\n", errname ? errname : "");
  } else {
    fprintf(stderr, "secure-run: denied: %s(", name ? name : "?");
    for (int i = 0; i < nargs; i++) fprintf(stderr, "%s0x%llx", i ? ", " : "", (unsigned long long)req->data.args[i]);
    fprintf(stderr, ") by pid %ld (%s): %s\n", nspid, comm, errname ? errname : "refused");
  }
  free(name);
}

int sr_explain_handle(struct sr_explain *ex) {
  struct seccomp_notif req;
  struct seccomp_notif_resp resp;
  memset(&req, 0, sizeof req);
  if (ioctl(ex->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
    if (errno == EINTR || errno == ENOENT) return 0; /* the caller went away meanwhile */
    return -1;
  }
  /* The answer is what the plan's own filter returns for this call. */
  uint32_t verdict = sr_bpf_run(ex->original.insns, ex->original.len, &req.data);
  memset(&resp, 0, sizeof resp);
  resp.id = req.id;
  int err_no = 0;
  switch (verdict & SECCOMP_RET_ACTION_FULL) {
  case SECCOMP_RET_ALLOW:
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE; /* not expected: only refusals notify */
    break;
  case SECCOMP_RET_ERRNO:
    err_no = (int)(verdict & SECCOMP_RET_DATA);
    resp.error = -err_no;
    break;
  default:
    err_no = EPERM; /* a kill or trap action cannot be answered: refuse */
    resp.error = -EPERM;
  }
  /* Counted before the answer: the caller is still there to be named (after it, a program that
   * gives up at once would be gone). */
  if (err_no != 0 && ex->counts) count(ex, &req, err_no);
  if (ioctl(ex->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT) return -1;
  if (ex->live) report(ex, &req, err_no);
  return 0;
}

void sr_explain_close(struct sr_explain *ex) {
  if (ex->listener >= 0) close(ex->listener);
  ex->listener = -1;
  free(ex->original.insns);
  ex->original.insns = NULL;
}
