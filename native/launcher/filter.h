/* The seccomp filters the launch installs or consults: read from a descriptor the caller wrote
 * them to, or copied from a compiled bundle. */
#ifndef SR_FILTER_H
#define SR_FILTER_H

#include "../common/sr_error.h"
#include "config.h"
#include "sandbox.h"

#define SR_FILTER_MAX_INSNS 4096

/* Reads a whole BPF program from fd (to its end; then closes fd). */
int sr_filter_read(int fd, struct sr_bpf_prog *out, struct sr_error *err);

/* The app's filter: from --seccomp-fd, else the bundle's (a copy); none when neither. */
int sr_filter_load(const struct sr_config *cfg, struct sr_bpf_prog *out, struct sr_error *err);

/* Frees the program; for __attribute__((cleanup)). */
void sr_filter_free(struct sr_bpf_prog *p);

#endif
