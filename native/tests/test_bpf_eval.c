/* bpf_eval.c against the table of cases it shares with src/seccomp/bpf.ts (bpf_cases.json,
 * turned into out/bpf_cases.h by gen_bpf_cases.mjs). A program the kernel would refuse must fail
 * closed: SECCOMP_RET_KILL_PROCESS. */
#include "../launcher/bpf_eval.h"
#include "check.h"

struct bpf_case_prog {
  const char *name;
  const struct sock_filter *insns;
  size_t len;
};

struct bpf_case {
  const char *name;
  size_t prog;
  struct seccomp_data data;
  int refused;
  uint32_t ret;
};

#include "bpf_cases.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

int main(void) {
  size_t refused = 0;
  for (size_t i = 0; i < COUNT(bpf_cases); i++) {
    const struct bpf_case *c = &bpf_cases[i];
    const struct bpf_case_prog *p = &bpf_case_progs[c->prog];
    uint32_t want = c->refused ? SECCOMP_RET_KILL_PROCESS : c->ret;
    uint32_t got = sr_bpf_run(p->insns, p->len, &c->data);
    CHECK(got == want);
    if (got != want)
      fprintf(stderr, "  case \"%s\" (program %s): got 0x%08x, expected 0x%08x\n", c->name, p->name,
              got, want);
    refused += c->refused != 0;
  }
  /* The table is not empty and has both kinds of case. */
  CHECK(COUNT(bpf_cases) >= 40);
  CHECK(refused >= 5);
  return checks_report("test_bpf_eval");
}
