#include "units.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
parse_size(const char *s, uint64_t *out)
{
    static const struct { const char *sfx; uint64_t mult; } sfx[] = {
        { "", 1 }, { "K", 1000 }, { "M", 1000000 }, { "G", 1000000000 },
        { "Ki", 1ull << 10 }, { "Mi", 1ull << 20 }, { "Gi", 1ull << 30 },
    };
    /* strtoull() would skip white space and take a sign. */
    if (*s < '0' || *s > '9') {
        return EINVAL;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno) {
        return EINVAL;
    }
    for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++) {
        if (!strcmp(end, sfx[i].sfx)) {
            if (v > UINT64_MAX / sfx[i].mult) {
                return EINVAL;
            }
            *out = v * sfx[i].mult;
            return 0;
        }
    }
    return EINVAL;
}

int
parse_port(const char *s, uint16_t *port)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v == 0 || v > 65535) {
        return EINVAL;
    }
    *port = (uint16_t) v;
    return 0;
}

int
parse_port_list(const char *s, uint16_t *ports, size_t max, size_t *n)
{
    size_t k = 0;
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t) (comma - s) : strlen(s);
        if (len) {
            char tok[16];
            if (k == max || len >= sizeof tok) {
                return EINVAL;
            }
            memcpy(tok, s, len);
            tok[len] = '\0';
            if (parse_port(tok, &ports[k])) {
                return EINVAL;
            }
            k++;
        }
        s += len + (comma != NULL);
    }
    if (!k) {
        return EINVAL;
    }
    *n = k;
    return 0;
}
