#define _GNU_SOURCE
#include "sr_seccomp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const struct {
  const char *name;
  uint32_t token;
} arches[] = {
    {"x86_64", SCMP_ARCH_X86_64},
    {"aarch64", SCMP_ARCH_AARCH64},
    {"x86", SCMP_ARCH_X86},
    {"arm", SCMP_ARCH_ARM},
};

/* Every architecture a name is looked up in when deciding "exists nowhere". */
static const uint32_t known_arches[] = {
    SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32,     SCMP_ARCH_AARCH64,
    SCMP_ARCH_ARM,    SCMP_ARCH_PPC64LE, SCMP_ARCH_S390X, SCMP_ARCH_RISCV64,
};

uint32_t sr_arch_token(const char *name) {
  for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++)
    if (strcmp(arches[i].name, name) == 0) return arches[i].token;
  return 0;
}

int sr_action_parse(const char *name, uint32_t *action) {
  static const struct {
    const char *name;
    uint32_t action;
  } actions[] = {
      {"allow", SCMP_ACT_ALLOW}, {"kill_process", SCMP_ACT_KILL_PROCESS},
      {"kill_thread", SCMP_ACT_KILL_THREAD}, {"trap", SCMP_ACT_TRAP},
      {"log", SCMP_ACT_LOG},     {"notify", SCMP_ACT_NOTIFY},
  };
  for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
    if (strcmp(actions[i].name, name) == 0) {
      *action = actions[i].action;
      return 0;
    }
  return -1;
}

int sr_syscall_number(uint32_t arch, const char *name) {
  int nr = seccomp_syscall_resolve_name_arch(arch, name);
  /* libseccomp answers with a negative pseudo number for names that the architecture lacks
   * but others have, and __NR_SCMP_ERROR for names it does not know at all. */
  if (nr >= 0) return nr;
  for (size_t i = 0; i < sizeof known_arches / sizeof known_arches[0]; i++)
    if (seccomp_syscall_resolve_name_arch(known_arches[i], name) >= 0) return -2;
  return -1;
}

static int export_bpf(scmp_filter_ctx ctx, struct sr_bpf *out, struct sr_error *err) {
  sr_autoclose int fd = memfd_create("secure-run-bpf", MFD_CLOEXEC);
  if (fd < 0) return sr_fail(err, errno, "memfd_create");
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0) return sr_fail(err, -rc, "seccomp_export_bpf");
  off_t size = lseek(fd, 0, SEEK_END);
  if (size < 0) return sr_fail(err, errno, "lseek on the BPF memfd");
  if (size == 0 || size % 8 != 0)
    return sr_fail(err, 0, "libseccomp exported %lld bytes, not a whole BPF program",
                   (long long)size);
  unsigned char *data = malloc((size_t)size);
  if (data == NULL) return sr_fail(err, ENOMEM, "allocating %lld bytes", (long long)size);
  size_t done = 0;
  while (done < (size_t)size) {
    ssize_t n = pread(fd, data + done, (size_t)size - done, (off_t)done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      free(data);
      return sr_fail(err, e, "reading the BPF memfd");
    }
    done += (size_t)n;
  }
  out->data = data;
  out->size = (size_t)size;
  return 0;
}

static int build(scmp_filter_ctx ctx, const struct sr_filter_spec *spec, struct sr_bpf *out,
                 struct sr_error *err) {
  int rc;
  /* Only the requested architecture: every other ABI meets badarch_action. */
  if (spec->arch != seccomp_arch_native()) {
    rc = seccomp_arch_add(ctx, spec->arch);
    if (rc < 0) return sr_fail(err, -rc, "seccomp_arch_add");
    rc = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
    if (rc < 0) return sr_fail(err, -rc, "seccomp_arch_remove(native)");
  }
  rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, spec->badarch_action);
  if (rc < 0) return sr_fail(err, -rc, "setting the bad-architecture action");
  rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (rc < 0) return sr_fail(err, -rc, "seccomp_attr_set(CTL_NNP)");
  rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  if (rc < 0) return sr_fail(err, -rc, "enabling the binary-tree optimisation");

  out->skipped = calloc(spec->nrules ? spec->nrules : 1, sizeof *out->skipped);
  if (out->skipped == NULL) return sr_fail(err, ENOMEM, "allocating the skipped list");
  for (size_t i = 0; i < spec->nrules; i++) {
    const struct sr_rule *r = &spec->rules[i];
    int nr = sr_syscall_number(spec->arch, r->name);
    if (nr == -1) return sr_fail(err, EINVAL, "unknown syscall \"%s\"", r->name);
    if (nr == -2) {
      out->skipped[out->nskipped++] = r->name;
      continue;
    }
    if (r->action == spec->default_action) continue; /* libseccomp refuses such rules */
    /* libseccomp takes rules in the numbering of the architecture it runs on (a pseudo number
     * when the name does not exist there) and translates them for each filter architecture. */
    rc = seccomp_rule_add_array(ctx, r->action, seccomp_syscall_resolve_name(r->name), r->nargs,
                                r->args);
    if (rc < 0) return sr_fail(err, -rc, "adding the rule for syscall \"%s\"", r->name);
  }
  return export_bpf(ctx, out, err);
}

int sr_compile(const struct sr_filter_spec *spec, struct sr_bpf *out, struct sr_error *err) {
  memset(out, 0, sizeof *out);
  if (spec->arch == 0) return sr_fail(err, EINVAL, "no architecture given");
  scmp_filter_ctx ctx = seccomp_init(spec->default_action);
  if (ctx == NULL) return sr_fail(err, EINVAL, "seccomp_init: invalid default action");
  int rc = build(ctx, spec, out, err);
  seccomp_release(ctx);
  if (rc < 0) sr_bpf_free(out);
  return rc;
}

void sr_bpf_free(struct sr_bpf *bpf) {
  free(bpf->data);
  free(bpf->skipped);
  memset(bpf, 0, sizeof *bpf);
}

void sr_libseccomp_version(char *buf, size_t size) {
  const struct scmp_version *v = seccomp_version();
  snprintf(buf, size, "%u.%u.%u", v->major, v->minor, v->micro);
}
