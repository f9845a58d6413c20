#define _GNU_SOURCE
#include "trace.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../common/sr_error.h"

void sr_trace_init(struct sr_trace *t, bool progress) {
  memset(t, 0, sizeof *t);
  t->listener = -1;
  t->arch = seccomp_arch_native();
  t->progress = progress && isatty(2);
  clock_gettime(CLOCK_MONOTONIC, &t->started);
}

/* Which argument of a syscall argument rules are made of, or -1. */
static int interesting_arg(const char *name) {
  static const struct {
    const char *name;
    int arg;
  } table[] = {{"socket", 0}, {"socketpair", 0}, {"clone", 0},  {"ioctl", 1},
               {"personality", 0}, {"prctl", 0}, {"fcntl", 1}, {"setsockopt", 1}};
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(table[i].name, name) == 0) return table[i].arg;
  return -1;
}

static void remember(struct sr_trace_values *vals, uint64_t v) {
  for (unsigned i = 0; i < vals->n; i++)
    if (vals->v[i] == v) return;
  if (vals->n == SR_TRACE_MAX_VALUES) {
    vals->overflow = true;
    return;
  }
  vals->v[vals->n++] = v;
}

int sr_trace_handle(struct sr_trace *t) {
  struct seccomp_notif req;
  struct seccomp_notif_resp resp;
  memset(&req, 0, sizeof req);
  if (ioctl(t->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
    if (errno == EINTR || errno == ENOENT) return 0;
    return -1;
  }
  memset(&resp, 0, sizeof resp);
  resp.id = req.id;
  resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  if (ioctl(t->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT) return -1;
  t->total++;
  if (req.data.arch != t->arch || req.data.nr < 0 || req.data.nr >= SR_TRACE_MAX_NR) {
    t->other_abi++;
    return 0;
  }
  if (t->counts[req.data.nr]++ == 0) {
    t->distinct++;
    char *name = seccomp_syscall_resolve_num_arch(t->arch, req.data.nr);
    t->arg_of[req.data.nr] = (int8_t)(name ? interesting_arg(name) : -1);
    free(name);
  }
  int arg = t->arg_of[req.data.nr];
  if (arg >= 0) {
    uint64_t v = req.data.args[arg];
    /* ioctl's request is 32 bits to the kernel */
    if (arg == 1 && t->arch == SCMP_ARCH_X86_64 && req.data.nr == 16) v &= 0xffffffffULL;
    remember(&t->values[req.data.nr], v);
  }
  return 0;
}

static double elapsed(const struct sr_trace *t) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - t->started.tv_sec) + (double)(now.tv_nsec - t->started.tv_nsec) / 1e9;
}

void sr_trace_tick(struct sr_trace *t) {
  time_t now = time(NULL);
  if (now == t->last_tick) return;
  t->last_tick = now;
  if (t->progress)
    fprintf(stderr, "\rtrace: %.0f s, %u syscalls seen, +%u in the last second, %llu calls  ",
            elapsed(t), t->distinct, t->distinct - t->distinct_at_tick, (unsigned long long)t->total);
  t->distinct_at_tick = t->distinct;
}

void sr_trace_write(const struct sr_trace *t, int fd) {
  if (t->progress) fputc('\n', stderr);
  char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&buf, &size);
  if (f == NULL) return;
  const char *arch = t->arch == SCMP_ARCH_X86_64 ? "x86_64" : t->arch == SCMP_ARCH_AARCH64 ? "aarch64" : "?";
  fprintf(f, "{\"arch\":\"%s\",\"seconds\":%.3f,\"calls\":%llu,\"otherAbi\":%llu,\"syscalls\":{", arch,
          elapsed(t), (unsigned long long)t->total, (unsigned long long)t->other_abi);
  bool first = true;
  for (int nr = 0; nr < SR_TRACE_MAX_NR; nr++) {
    if (t->counts[nr] == 0) continue;
    char *name = seccomp_syscall_resolve_num_arch(t->arch, nr);
    fprintf(f, "%s\"%s\":{\"nr\":%d,\"count\":%llu", first ? "" : ",", name ? name : "?", nr,
            (unsigned long long)t->counts[nr]);
    const struct sr_trace_values *vals = &t->values[nr];
    if (vals->n > 0) {
      fprintf(f, ",\"values\":[");
      for (unsigned i = 0; i < vals->n; i++) fprintf(f, "%s\"%llu\"", i ? "," : "", (unsigned long long)vals->v[i]);
      fprintf(f, "],\"moreValues\":%s", vals->overflow ? "true" : "false");
    }
    fputc('}', f);
    free(name);
    first = false;
  }
  fputs("}}\n", f);
  fclose(f);
  (void)sr_write_all(fd, buf, size); /* nobody to tell if the reader is gone */
  free(buf);
}
