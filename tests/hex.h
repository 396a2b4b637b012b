/* The value of a hex digit, or -1: for the tests that read hex (OpenFlow
 * goldens in test_ofp.c, escaped bytes in tests/sizes.txt). */
#ifndef TESTS_HEX_H
#define TESTS_HEX_H 1

static inline int
hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

#endif
