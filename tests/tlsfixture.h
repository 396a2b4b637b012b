/* The TLS streams of tests/fixtures/tls for the unit tests (test_tls.c,
 * test_enc.c): one direction's bytes, read whole (run from the
 * repository's top, as `make unit` does). */
#ifndef TLSFIXTURE_H
#define TLSFIXTURE_H 1

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline uint8_t *
tlsfixture(const char *name, size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, "tests/fixtures/tls/%s", name);
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s (run from the repository's top)", path);
    uint8_t *b = malloc(1 << 16);
    cr_assert(b);
    *n = fread(b, 1, 1 << 16, f);
    fclose(f);
    return b;
}

#endif
