/* The compiler: per-architecture name resolution, errors, determinism, and a filter that the
 * kernel really enforces. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../seccomp/sr_seccomp.h"
#include "check.h"

static const char *const allowed[] = {"read", "write", "exit_group", "exit", "getpid", "open",
                                      "rt_sigreturn", "brk", "mmap", "munmap", "fstat",
                                      "sigaltstack", "rt_sigprocmask", "madvise", "gettid"};
#define NALLOWED (sizeof allowed / sizeof allowed[0])

static struct sr_filter_spec spec_for(uint32_t arch, struct sr_rule *rules) {
  for (size_t i = 0; i < NALLOWED; i++) rules[i] = (struct sr_rule){allowed[i], SCMP_ACT_ALLOW, 0, {{0}}};
  return (struct sr_filter_spec){arch, SCMP_ACT_ERRNO(ENOSYS), SCMP_ACT_KILL_PROCESS, NALLOWED, rules};
}

static void resolves_per_architecture(void) {
  CHECK(sr_arch_token("x86_64") == SCMP_ARCH_X86_64);
  CHECK(sr_arch_token("aarch64") == SCMP_ARCH_AARCH64);
  CHECK(sr_arch_token("sparc") == 0);
  CHECK(sr_syscall_number(SCMP_ARCH_X86_64, "getpid") == 39);
  CHECK(sr_syscall_number(SCMP_ARCH_AARCH64, "getpid") == 172);
  CHECK(sr_syscall_number(SCMP_ARCH_AARCH64, "open") == -2); /* x86_64 only */
  CHECK(sr_syscall_number(SCMP_ARCH_X86_64, "no_such_call") == -1);
  uint32_t a;
  CHECK(sr_action_parse("kill_process", &a) == 0 && a == SCMP_ACT_KILL_PROCESS);
  CHECK(sr_action_parse("explode", &a) == -1);
}

static void skips_names_missing_on_an_architecture(void) {
  struct sr_rule rules[NALLOWED];
  struct sr_filter_spec spec = spec_for(SCMP_ARCH_AARCH64, rules);
  struct sr_bpf bpf;
  struct sr_error err = {0};
  CHECK(sr_compile(&spec, &bpf, &err) == 0);
  CHECK(bpf.nskipped == 1 && strcmp(bpf.skipped[0], "open") == 0);
  CHECK(bpf.size > 0 && bpf.size % 8 == 0);
  sr_bpf_free(&bpf);
}

static void unknown_name_is_an_error_naming_it(void) {
  struct sr_rule rules[NALLOWED];
  struct sr_filter_spec spec = spec_for(SCMP_ARCH_X86_64, rules);
  rules[3].name = "no_such_call";
  struct sr_bpf bpf;
  struct sr_error err = {0};
  CHECK(sr_compile(&spec, &bpf, &err) == -1);
  CHECK(strstr(err.msg, "no_such_call") != NULL);
  CHECK(bpf.data == NULL);
}

static void output_is_deterministic(void) {
  struct sr_rule rules[NALLOWED];
  struct sr_filter_spec spec = spec_for(SCMP_ARCH_X86_64, rules);
  struct sr_bpf a, b;
  struct sr_error err = {0};
  CHECK(sr_compile(&spec, &a, &err) == 0);
  CHECK(sr_compile(&spec, &b, &err) == 0);
  CHECK(a.size == b.size && memcmp(a.data, b.data, a.size) == 0);
  sr_bpf_free(&a);
  sr_bpf_free(&b);
}

/* A child loads the filter: allowed calls work, others fail with ENOSYS. */
static void kernel_enforces_the_filter(void) {
  struct sr_rule rules[NALLOWED];
  struct sr_filter_spec spec = spec_for(SCMP_ARCH_X86_64, rules);
  struct sr_bpf bpf;
  struct sr_error err = {0};
  CHECK(sr_compile(&spec, &bpf, &err) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    struct sock_fprog prog = {(unsigned short)(bpf.size / 8), (struct sock_filter *)bpf.data};
    /* Raw exit_group: the sanitizers' exit path makes calls the filter refuses. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) syscall(SYS_exit_group, 10);
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) syscall(SYS_exit_group, 11);
    if (syscall(SYS_getpid) <= 0) syscall(SYS_exit_group, 12);
    errno = 0;
    if (syscall(SYS_getppid) != -1 || errno != ENOSYS) syscall(SYS_exit_group, 13);
    if (syscall(SYS_socket, 2, 1, 0) != -1 || errno != ENOSYS) syscall(SYS_exit_group, 14);
    syscall(SYS_exit_group, 0);
  }
  int status = -1;
  CHECK(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fprintf(stderr, "  child status %#x\n", status);
  sr_bpf_free(&bpf);
}

int main(void) {
  resolves_per_architecture();
  skips_names_missing_on_an_architecture();
  unknown_name_is_an_error_naming_it();
  output_is_deterministic();
  kernel_enforces_the_filter();
  return checks_report("test_seccomp");
}
