/* IPv6 addresses of tracked connections, interned: a connection keeps a
 * 32-bit handle where an IPv4 connection keeps its address, so that a
 * connection table entry stays at 256 bytes (conntab.h) whatever the
 * family.  One table for the process (the controller is single-threaded),
 * reference-counted: an address lives while a connection holds it.  Handles
 * start at 1; the same address has the same handle while it lives, so
 * handles compare and hash as addresses do. */
#ifndef ADDR6_H
#define ADDR6_H 1

#include <stddef.h>
#include <stdint.h>

/* The handle of 'a', taking a reference (made if new). */
uint32_t addr6_ref(const uint8_t a[16]);
/* The handle of 'a' if some connection holds it, else 0 (no reference). */
uint32_t addr6_find(const uint8_t a[16]);
/* Gives back one reference of 'h'. */
void addr6_unref(uint32_t h);
/* The address of a live handle. */
const uint8_t *addr6_get(uint32_t h);
/* Addresses live (tests). */
size_t addr6_live(void);

#endif
