/* Compiles a syscall allowlist to a seccomp-bpf program with libseccomp. Plain C with no
 * Node dependency, so that C tests can drive it. */
#ifndef SR_SECCOMP_H
#define SR_SECCOMP_H

#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/sr_error.h"

#define SR_MAX_ARGS 6

struct sr_rule {
  const char *name;   /* syscall name */
  uint32_t action;    /* SCMP_ACT_… */
  unsigned int nargs; /* argument conditions, ANDed */
  struct scmp_arg_cmp args[SR_MAX_ARGS];
};

struct sr_filter_spec {
  uint32_t arch;           /* SCMP_ARCH_… token */
  uint32_t default_action; /* for syscalls without a rule */
  uint32_t badarch_action; /* for syscalls made through another ABI */
  size_t nrules;
  const struct sr_rule *rules;
};

struct sr_bpf {
  unsigned char *data; /* struct sock_filter[] as the kernel takes it; free() it */
  size_t size;         /* bytes, a multiple of 8 */
  /* Names of rules skipped because the syscall does not exist on this architecture
   * (an array of pointers into the spec's names, free() the array). */
  const char **skipped;
  size_t nskipped;
};

/* Maps "x86_64", "aarch64", "x86", "arm" to a libseccomp token; 0 when unknown. */
uint32_t sr_arch_token(const char *name);

/* Parses "allow", "kill_process", "kill_thread", "trap", "log", "notify" (errno actions are
 * built with SCMP_ACT_ERRNO by the caller). Returns -1 when unknown. */
int sr_action_parse(const char *name, uint32_t *action);

/* The syscall number of name on arch; -1 when the name exists on no architecture libseccomp
 * knows, -2 when it exists elsewhere but not on arch. */
int sr_syscall_number(uint32_t arch, const char *name);

/* Compiles spec to BPF (binary-tree optimised, deterministic for equal specs). The program
 * leaves libseccomp through a memfd, as libseccomp 2.5 can only export to a descriptor. */
int sr_compile(const struct sr_filter_spec *spec, struct sr_bpf *out, struct sr_error *err);

void sr_bpf_free(struct sr_bpf *bpf);

/* Version of the libseccomp the addon runs with, "major.minor.micro". */
void sr_libseccomp_version(char *buf, size_t size);

#endif
