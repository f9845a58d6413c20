/* libFuzzer target: the bundle parser on arbitrary bytes, under ASan and UBSan. Parsing only
 * (sr_bundle_parse from memory, for a fixed architecture): no host check, so a finding here
 * reproduces on any host. A bundle that parses must satisfy what the launcher relies on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../launcher/bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct sr_bundle b;
  struct sr_error err = {0};
  if (sr_bundle_parse((const char *)data, size, "x86_64", "fuzz", &b, &err) < 0) {
    if (err.msg[0] == '\0') abort(); /* refused without saying why */
    return 0;
  }
  if (b.args == NULL || b.args[b.nargs] != NULL) abort();
  if (b.filter.insns == NULL || b.filter.len == 0 || b.filter.len > SR_BUNDLE_MAX_INSNS) abort();
  size_t total = 0;
  for (size_t i = 0; i < b.nargs; i++) total += strlen(b.args[i]) + 1; /* each one terminated */
  for (size_t i = 0; i < SR_BUNDLE_NFACTS; i++)
    if (b.facts[i][0] == '\0') abort();
  volatile uint32_t k = b.filter.insns[b.filter.len - 1].k; /* aligned, inside the copy */
  (void)k;
  (void)total;
  sr_bundle_free(&b);
  return 0;
}
