/* SSH transport walker (see ssh.h). */
#include "ssh.h"

#include <string.h>

void
ssh_dir_init(struct ssh_dir *w, bool client)
{
    memset(w, 0, sizeof *w);
    w->client = client;
}

static size_t
stop(struct ssh_dir *w, struct ssh_event *ev, const char *reason,
     const char *detail, size_t taken)
{
    w->done = true;
    ev->note = SSH_BAD;
    ev->reason = reason;
    ev->detail = detail;
    return taken;
}

/* A whole line (LF seen, w->line_n bytes before it). */
static size_t
line_end(struct ssh_dir *w, struct ssh_event *ev, size_t taken)
{
    size_t n = w->line_n;
    if (n && w->line[n - 1] == '\r') {
        n--;
    }
    w->line[n] = '\0';
    w->line_n = 0;
    if (n >= 4 && !memcmp(w->line, "SSH-", 4)) {
        if (strncmp(w->line, "SSH-2.0-", 8) && strncmp(w->line, "SSH-1.99-", 9)) {
            return stop(w, ev, "not_ssh", "a protocol version other than 2.0",
                        taken);
        }
        for (size_t i = 0; i < n; i++) {
            if (w->line[i] < 0x20 || w->line[i] > 0x7e || w->line[i] == '"'
                || w->line[i] == '\\') {
                w->line[i] = '?';
            }
        }
        w->banner = true;
        ev->note = SSH_VERSION;
        ev->version = w->line;
        return taken;
    }
    if (w->client || ++w->lines > SSH_PRE_LINES) {
        /* Only the server may send other lines first (RFC 4253 4.2). */
        return stop(w, ev, "not_ssh", w->client
                    ? "the client's first line is no SSH version"
                    : "too many lines before the server's SSH version", taken);
    }
    return taken;
}

size_t
ssh_walk(struct ssh_dir *w, const uint8_t *b, size_t n, struct ssh_event *ev)
{
    memset(ev, 0, sizeof *ev);
    size_t i = 0;
    while (i < n && !w->done) {
        if (!w->banner) {
            uint8_t c = b[i++];
            w->pos++;
            if (c == '\n') {
                i = line_end(w, ev, i);
                if (ev->note) {
                    return i;
                }
                continue;
            }
            if (w->line_n + 1 >= SSH_LINE_MAX) {
                return stop(w, ev, "not_ssh", "a line longer than 255 bytes", i);
            }
            if (w->line_n < 4 && c != "SSH-"[w->line_n] && w->client) {
                return stop(w, ev, "not_ssh",
                            "the client's first line is no SSH version", i);
            }
            w->line[w->line_n++] = (char) c;
            continue;
        }
        if (w->hdr_n < 6) {
            w->hdr[w->hdr_n++] = b[i++];
            w->pos++;
            if (w->hdr_n < 6) {
                continue;
            }
            uint32_t len = (uint32_t) w->hdr[0] << 24 | (uint32_t) w->hdr[1] << 16
                           | (uint32_t) w->hdr[2] << 8 | w->hdr[3];
            uint8_t pad = w->hdr[4];
            /* RFC 4253 6: padding_length byte, a payload of at least the
             * message type, 4 to 255 bytes of padding. */
            if (len < 6 || len > SSH_PACKET_MAX || pad < 4 || pad > len - 2) {
                return stop(w, ev, "ssh_framing",
                            "a packet length or padding out of bounds", i);
            }
            w->left = len - 2;
        } else {
            size_t k = n - i < w->left ? n - i : w->left;
            i += k;
            w->pos += k;
            w->left -= (uint32_t) k;
        }
        if (w->hdr_n == 6 && !w->left) {
            uint8_t type = w->hdr[5];
            w->hdr_n = 0;
            if (type == SSH_MSG_NEWKEYS) {
                w->done = true;
                ev->note = SSH_DONE;
                return i;
            }
            if (type == SSH_MSG_KEXINIT) {
                ev->note = SSH_KEXINIT;
                return i;
            }
        }
    }
    return i;
}
