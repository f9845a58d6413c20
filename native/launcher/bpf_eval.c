#include "bpf_eval.h"

#include <string.h>

uint32_t sr_bpf_run(const struct sock_filter *prog, size_t len, const struct seccomp_data *data) {
  uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
  /* The kernel refuses a program that may read M[k] before storing to it; on the path taken
   * here, such a read fails closed. */
  uint32_t written = 0;
  const unsigned char *bytes = (const unsigned char *)data;
  for (size_t pc = 0; pc < len; pc++) {
    const struct sock_filter *i = &prog[pc];
    uint32_t k = i->k;
    switch (i->code) {
    case BPF_LD | BPF_W | BPF_ABS:
      if (k > sizeof *data - 4 || k % 4 != 0) return SECCOMP_RET_KILL_PROCESS;
      memcpy(&a, bytes + k, 4);
      break;
    case BPF_LD | BPF_W | BPF_LEN:
      a = sizeof *data;
      break;
    case BPF_LDX | BPF_W | BPF_LEN:
      x = sizeof *data;
      break;
    case BPF_LD | BPF_IMM:
      a = k;
      break;
    case BPF_LDX | BPF_IMM:
      x = k;
      break;
    case BPF_LD | BPF_MEM:
    case BPF_LDX | BPF_MEM:
    case BPF_ST:
    case BPF_STX:
      if (k >= BPF_MEMWORDS) return SECCOMP_RET_KILL_PROCESS;
      if (i->code == (BPF_LD | BPF_MEM) || i->code == (BPF_LDX | BPF_MEM)) {
        if (!(written & (1u << k))) return SECCOMP_RET_KILL_PROCESS;
        if (i->code == (BPF_LD | BPF_MEM)) a = mem[k];
        else x = mem[k];
      } else {
        mem[k] = i->code == BPF_ST ? a : x;
        written |= 1u << k;
      }
      break;
    case BPF_ALU | BPF_ADD | BPF_K: a += k; break;
    case BPF_ALU | BPF_ADD | BPF_X: a += x; break;
    case BPF_ALU | BPF_SUB | BPF_K: a -= k; break;
    case BPF_ALU | BPF_SUB | BPF_X: a -= x; break;
    case BPF_ALU | BPF_MUL | BPF_K: a *= k; break;
    case BPF_ALU | BPF_MUL | BPF_X: a *= x; break;
    case BPF_ALU | BPF_DIV | BPF_K:
      if (k == 0) return SECCOMP_RET_KILL_PROCESS;
      a /= k;
      break;
    case BPF_ALU | BPF_DIV | BPF_X:
      if (x == 0) return 0; /* the kernel ends the program with 0 */
      a /= x;
      break;
    case BPF_ALU | BPF_AND | BPF_K: a &= k; break;
    case BPF_ALU | BPF_AND | BPF_X: a &= x; break;
    case BPF_ALU | BPF_OR | BPF_K: a |= k; break;
    case BPF_ALU | BPF_OR | BPF_X: a |= x; break;
    case BPF_ALU | BPF_XOR | BPF_K: a ^= k; break;
    case BPF_ALU | BPF_XOR | BPF_X: a ^= x; break;
    case BPF_ALU | BPF_LSH | BPF_K:
      if (k >= 32) return SECCOMP_RET_KILL_PROCESS; /* the kernel refuses the program */
      a <<= k;
      break;
    case BPF_ALU | BPF_LSH | BPF_X: a <<= (x & 31); break;
    case BPF_ALU | BPF_RSH | BPF_K:
      if (k >= 32) return SECCOMP_RET_KILL_PROCESS;
      a >>= k;
      break;
    case BPF_ALU | BPF_RSH | BPF_X: a >>= (x & 31); break;
    case BPF_ALU | BPF_NEG: a = (uint32_t)(-(int64_t)a); break;
    case BPF_MISC | BPF_TAX: x = a; break;
    case BPF_MISC | BPF_TXA: a = x; break;
    case BPF_RET | BPF_K: return k;
    case BPF_RET | BPF_A: return a;
    case BPF_JMP | BPF_JA:
      if (k >= len - pc - 1) return SECCOMP_RET_KILL_PROCESS;
      pc += k;
      break;
    default: {
      if (BPF_CLASS(i->code) != BPF_JMP) return SECCOMP_RET_KILL_PROCESS;
      uint32_t v = BPF_SRC(i->code) == BPF_X ? x : k;
      int taken;
      switch (BPF_OP(i->code)) {
      case BPF_JEQ: taken = a == v; break;
      case BPF_JGT: taken = a > v; break;
      case BPF_JGE: taken = a >= v; break;
      case BPF_JSET: taken = (a & v) != 0; break;
      default: return SECCOMP_RET_KILL_PROCESS;
      }
      size_t off = taken ? i->jt : i->jf;
      if (off >= len - pc - 1) return SECCOMP_RET_KILL_PROCESS;
      pc += off;
    }
    }
  }
  return SECCOMP_RET_KILL_PROCESS; /* fell off the end */
}
