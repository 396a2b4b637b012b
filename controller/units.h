/* Command-line values shared by the controller and the analyzers, so that
 * `--threshold` and `--http-ports` mean exactly the same in both. */
#ifndef UNITS_H
#define UNITS_H 1

#include <stddef.h>
#include <stdint.h>

/* "10M": digits, then nothing or K/M/G (10^3/10^6/10^9) or Ki/Mi/Gi
 * (2^10/2^20/2^30).  Returns 0, or EINVAL (syntax, overflow) leaving
 * *out alone.  experiments/units.py reads sizes the same way; tests/sizes.txt
 * holds the cases both are tested against. */
int parse_size(const char *, uint64_t *);

/* One port, 1..65535: 0 or EINVAL. */
int parse_port(const char *, uint16_t *);

/* "80,8080": empty elements are skipped; at least one and at most 'max'
 * ports.  Returns 0 with *n set, or EINVAL. */
int parse_port_list(const char *, uint16_t *ports, size_t max, size_t *n);

#endif
