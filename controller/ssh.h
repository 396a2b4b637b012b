/* SSH transport walker for the elision of encrypted connections (README
 * "TLS and SSH"): the version exchange and the binary packets up to
 * NEWKEYS, after which a direction's packets are encrypted.
 *
 * Pure functions over bytes, fed one direction in order in pieces of any
 * size.  References: RFC 4253 4.2 (protocol version exchange: lines of at
 * most 255 bytes, "SSH-2.0-" or, for compatibility, "SSH-1.99-"; the
 * server may send other lines first), 6 (binary packet: uint32
 * packet_length, byte padding_length, payload, padding of at least 4
 * bytes; no MAC before the first NEWKEYS), 7.1 (KEXINIT, 20), 7.3
 * (NEWKEYS, 21). */
#ifndef SSH_H
#define SSH_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SSH_LINE_MAX 255            /* RFC 4253 4.2, CR LF included */
#define SSH_PRE_LINES 32            /* server lines before its version */
/* OpenSSH's PACKET_MAX_SIZE; RFC 4253 6.1 requires 35000 at least. */
#define SSH_PACKET_MAX (256 * 1024)

#define SSH_MSG_KEXINIT 20
#define SSH_MSG_NEWKEYS 21

enum ssh_note {
    SSH_MORE = 0,
    SSH_VERSION,                /* the version line: ev->version */
    SSH_KEXINIT,                /* a KEXINIT packet is whole */
    SSH_DONE,                   /* this direction sent NEWKEYS */
    SSH_BAD,                    /* not SSH or broken framing: ev->reason */
};

struct ssh_event {
    enum ssh_note note;
    const char *reason;         /* "not_ssh", "ssh_framing" */
    const char *detail;
    const char *version;        /* SSH_VERSION: the line without CR LF,
                                 * printable ASCII, valid until the next
                                 * call */
};

struct ssh_dir {
    uint64_t pos;
    uint32_t left;              /* packet bytes left after the first 6 */
    char line[SSH_LINE_MAX + 1];
    uint16_t line_n;
    uint8_t lines;              /* lines before the version line */
    uint8_t hdr[6], hdr_n;      /* packet_length, padding_length, type */
    bool client;
    bool banner;                /* the version line was read */
    bool done;
};

void ssh_dir_init(struct ssh_dir *, bool client);

/* As tls_walk(): returns the bytes taken, stops at the first event. */
size_t ssh_walk(struct ssh_dir *, const uint8_t *b, size_t n,
                struct ssh_event *ev);

#endif
