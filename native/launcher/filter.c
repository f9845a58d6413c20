#define _GNU_SOURCE
#include "filter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sr_filter_read(int fd, struct sr_bpf_prog *out, struct sr_error *err) {
  size_t cap = 8 * SR_FILTER_MAX_INSNS + 1, len = 0;
  sr_autofree unsigned char *buf = malloc(cap);
  if (buf == NULL) return sr_fail(err, ENOMEM, "reading the seccomp filter");
  for (;;) {
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sr_fail(err, errno, "reading the seccomp filter from fd %d", fd);
    if (n == 0) break;
    len += (size_t)n;
    if (len == cap)
      return sr_fail(err, E2BIG, "seccomp filter longer than %d instructions", SR_FILTER_MAX_INSNS);
  }
  close(fd);
  if (len == 0 || len % sizeof(struct sock_filter) != 0)
    return sr_fail(err, EINVAL, "seccomp filter of %zu bytes is not a whole BPF program", len);
  out->insns = (struct sock_filter *)sr_steal_ptr(buf);
  out->len = len / sizeof(struct sock_filter);
  return 0;
}

int sr_filter_load(const struct sr_config *cfg, struct sr_bpf_prog *out, struct sr_error *err) {
  if (cfg->seccomp_fd >= 0) return sr_filter_read(cfg->seccomp_fd, out, err);
  if (cfg->bundle_len == 0) return 0;
  out->insns = malloc(cfg->bundle_len * sizeof *out->insns);
  if (out->insns == NULL) return sr_fail(err, ENOMEM, "copying the bundle's filter");
  memcpy(out->insns, cfg->bundle_insns, cfg->bundle_len * sizeof *out->insns);
  out->len = cfg->bundle_len;
  return 0;
}

void sr_filter_free(struct sr_bpf_prog *p) {
  free(p->insns);
  p->insns = NULL;
  p->len = 0;
}
