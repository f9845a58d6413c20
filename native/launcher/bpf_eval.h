#ifndef SR_BPF_EVAL_H
#define SR_BPF_EVAL_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>

/* Runs a classic BPF seccomp program on one syscall, as the kernel would, and returns the
 * program's return value (SECCOMP_RET_…). An invalid program (a bad jump or load, an
 * instruction seccomp does not accept) returns SECCOMP_RET_KILL_PROCESS: fail closed. */
uint32_t sr_bpf_run(const struct sock_filter *prog, size_t len, const struct seccomp_data *data);

#endif
