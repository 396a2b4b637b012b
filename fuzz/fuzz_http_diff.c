/* libFuzzer target: controller/http.c against libhtp and http-parser
 * (fuzz/DIFFERENTIAL.md).  The first input byte says what the request was
 * (HD_FLAG_HEAD, HD_FLAG_CONNECT), the rest is parsed as a request and as
 * a response to it.  A difference that no documented class explains
 * aborts, so the fuzzer keeps looking past the known ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "http_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
report(const struct hd_input *in, const struct hd_result res[],
       const enum hd_class cls[])
{
    for (int l = 0; l < HD_NLIBS; l++) {
        char a[160], b[160];
        if (cls[l] != HD_UNEXPLAINED) {
            continue;
        }
        fprintf(stderr, "unexplained difference, %s%s: http.c %s; %s %s\n",
                in->response ? "response" : "request",
                !in->response ? "" : in->req_head ? " to HEAD"
                : in->req_connect ? " to CONNECT" : " to GET",
                hd_result_str(&res[0], a, sizeof a),
                hd_lib_name((enum hd_lib) l),
                hd_result_str(&res[1 + l], b, sizeof b));
    }
}

static void
check(const struct hd_input *in)
{
    struct hd_result res[1 + HD_NLIBS];
    enum hd_class cls[HD_NLIBS];

    if (!hd_check(in, cls, res)) {
        report(in, res, cls);
        abort();
    }
    /* http.c's own invariants: a head never extends past the buffer, and
     * the controller's head-end search, which cuts the head before it is
     * parsed, finds the same end. */
    if (res[0].verdict == HD_VALID
        && (res[0].head_len > in->len
            || http_find_head_end(in->buf, in->len, 0)
               != (long) res[0].head_len)) {
        fprintf(stderr, "http.c head %zu, head-end search %ld\n",
                res[0].head_len, http_find_head_end(in->buf, in->len, 0));
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    /* A block of exactly the message's size, so that AddressSanitizer
     * catches a read past its end. */
    size_t n = size - 1;
    uint8_t *msg = malloc(n > 0 ? n : 1);
    if (msg == NULL) {
        abort();
    }
    memcpy(msg, data + 1, n);
    bool head = data[0] & HD_FLAG_HEAD;
    bool connect = !head && (data[0] & HD_FLAG_CONNECT);

    check(&(struct hd_input) { msg, n, false, false, false });
    check(&(struct hd_input) { msg, n, true, head, connect });
    free(msg);
    return 0;
}
