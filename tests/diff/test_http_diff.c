/* Deterministic differential test of controller/http.c against libhtp and
 * http-parser (see fuzz/DIFFERENTIAL.md).
 *
 *     test-http-diff [-v] DIR|FILE...     every file, as the fuzz target
 *                                         reads it (first byte: flags), and
 *                                         under the other request flags too
 *     test-http-diff -e 'C-ESCAPED' ...   one message, every flag
 *
 * Each message is parsed as a request and as a response to GET, HEAD and
 * CONNECT (four inputs per file).  Prints every difference no class
 * explains, then per class how many inputs fell into it with each library
 * (class "agree": no difference); exits 1 on an unexplained difference.
 * The last line is "N passed, N failed" (inputs without and with an
 * unexplained difference). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "http_diff.h"

static unsigned long counts[HD_NLIBS][HD_NCLASSES];
static unsigned long passed, failed;
static int verbose;

static void
print_escaped(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (b[i] == '\r') {
            fputs("\\r", stdout);
        } else if (b[i] == '\n') {
            fputs("\\n", stdout);
        } else if (b[i] == '\\' || b[i] == '"') {
            printf("\\%c", b[i]);
        } else if (b[i] < 0x20 || b[i] >= 0x7f) {
            printf("\\x%02x", b[i]);
        } else {
            putchar(b[i]);
        }
    }
}

/* Runs one message under one role; returns false on an unexplained
 * difference. */
static bool
run_one(const char *name, const uint8_t *msg, size_t len, bool response,
        bool req_head, bool req_connect)
{
    struct hd_input in = { msg, len, response, req_head, req_connect };
    struct hd_result res[1 + HD_NLIBS];
    enum hd_class cls[HD_NLIBS];
    bool ok = hd_check(&in, cls, res);

    for (int l = 0; l < HD_NLIBS; l++) {
        counts[l][cls[l]]++;
        if (cls[l] == HD_UNEXPLAINED || (verbose && cls[l] != HD_AGREE)) {
            char a[160], b[160];
            printf("%s %s: %s as %s%s: http.c %s; %s %s\n    \"",
                   cls[l] == HD_UNEXPLAINED ? "UNEXPLAINED" : "class",
                   hd_class_name(cls[l]), name,
                   response ? "response" : "request",
                   !response ? "" : req_head ? " to HEAD"
                   : req_connect ? " to CONNECT" : " to GET",
                   hd_result_str(&res[0], a, sizeof a),
                   hd_lib_name((enum hd_lib) l),
                   hd_result_str(&res[1 + l], b, sizeof b));
            print_escaped(msg, len > 400 ? 400 : len);
            printf("\"%s\n", len > 400 ? "..." : "");
        }
    }
    return ok;
}

/* A message as a request and as each kind of response; 'first' is the
 * role its flag byte names, run like the others. */
static void
run_message(const char *name, const uint8_t *msg, size_t len)
{
    bool ok = run_one(name, msg, len, false, false, false);
    ok = run_one(name, msg, len, true, false, false) && ok;
    ok = run_one(name, msg, len, true, true, false) && ok;
    ok = run_one(name, msg, len, true, false, true) && ok;
    if (ok) {
        passed++;
    } else {
        failed++;
    }
}

static void
run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    /* The flag byte only picks the role the fuzz target gives the input;
     * every role is run here, so it is skipped. */
    if (n > 0) {
        uint8_t *msg = malloc(n - 1 + 1);
        memcpy(msg, buf + 1, n - 1);
        run_message(path, msg, n - 1);
        free(msg);
    }
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        exit(2);
    }
    if (!S_ISDIR(st.st_mode)) {
        run_file(path);
        return;
    }
    DIR *d = opendir(path);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        names = realloc(names, (n + 1) * sizeof *names);
        size_t l = strlen(path) + strlen(e->d_name) + 2;
        names[n] = malloc(l);
        snprintf(names[n++], l, "%s/%s", path, e->d_name);
    }
    if (d != NULL) {
        closedir(d);
    }
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        run_file(names[i]);
        free(names[i]);
    }
    free(names);
}

/* Decodes C escapes (\r \n \t \\ \" \xHH \0) in place; returns the
 * length. */
static size_t
unescape(char *s)
{
    size_t o = 0;
    for (size_t i = 0; s[i] != '\0'; i++) {
        if (s[i] != '\\' || s[i + 1] == '\0') {
            s[o++] = s[i];
            continue;
        }
        char c = s[++i];
        if (c == 'r') {
            s[o++] = '\r';
        } else if (c == 'n') {
            s[o++] = '\n';
        } else if (c == 't') {
            s[o++] = '\t';
        } else if (c == '0') {
            s[o++] = '\0';
        } else if (c == 'x' && s[i + 1] != '\0' && s[i + 2] != '\0') {
            char hex[3] = { s[i + 1], s[i + 2], '\0' };
            s[o++] = (char) strtol(hex, NULL, 16);
            i += 2;
        } else {
            s[o++] = c;
        }
    }
    return o;
}

int
main(int argc, char **argv)
{
    int i = 1;
    if (i < argc && strcmp(argv[i], "-v") == 0) {
        verbose = 1;
        i++;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: %s [-v] DIR|FILE... | [-v] -e MESSAGE...\n",
                argv[0]);
        return 2;
    }
    if (strcmp(argv[i], "-e") == 0) {
        verbose = 1;
        for (i++; i < argc; i++) {
            size_t n = unescape(argv[i]);
            uint8_t *msg = malloc(n + 1);
            memcpy(msg, argv[i], n);
            run_message("-e", msg, n);
            free(msg);
        }
    } else {
        for (; i < argc; i++) {
            run_path(argv[i]);
        }
    }
    /* One line per class that occurred: inputs per library, and the
     * rule that decides it. */
    printf("%-26s %8s %11s  %s\n", "class", "libhtp", "http-parser", "rule");
    for (int c = 0; c < HD_NCLASSES; c++) {
        if (counts[HD_LIBHTP][c] || counts[HD_HTTP_PARSER][c]) {
            printf("%-26s %8lu %11lu  %s\n", hd_class_name((enum hd_class) c),
                   counts[HD_LIBHTP][c], counts[HD_HTTP_PARSER][c],
                   hd_class_rfc((enum hd_class) c));
        }
    }
    printf("%lu passed, %lu failed\n", passed, failed);
    return failed ? 1 : 0;
}
