/* SHA-256 (FIPS 180-4), for the launcher to check a bundle against the digest its caller
 * verified: what was hashed is what is launched. */
#ifndef SR_SHA256_H
#define SR_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SR_SHA256_HEX 65 /* 64 hex digits and a NUL */

void sr_sha256(const void *data, size_t len, uint8_t out[32]);
/* The digest as lowercase hex, NUL-terminated. */
void sr_sha256_hex(const void *data, size_t len, char out[SR_SHA256_HEX]);

#endif
