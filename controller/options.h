/* The command-line options elide-controller and elide-replay share: their
 * getopt_long entries, their parsing into a struct ctl_cfg, and the checks
 * of the whole, so that an option means exactly the same in both. */
#ifndef OPTIONS_H
#define OPTIONS_H 1

#include <getopt.h>
#include <stdbool.h>

#include "config.h"

enum {
    CO_MODE = 256, CO_MIRROR, CO_THRESH, CO_ENTRY_MIN, CO_BUDGET,
    CO_THRESH_MIN, CO_SELECT, CO_TRUNC, CO_HTTP, CO_TLS_PORTS, CO_SSH_PORTS,
    CO_TLS, CO_IDLE, CO_CONN_IDLE, CO_STATS, CO_SETTLE, CO_DATAPATH,
    CO_MAXCONNS, CO_EVLOG,
    CO_OWN                      /* a program's own options from here on */
};
#define CTL_N_OPTS (CO_OWN - CO_MODE)
/* In the order of the enum: ctl_opt_table[CO_X - CO_MODE] is --x. */
extern const struct option ctl_opt_table[CTL_N_OPTS];

struct ctl_opts {
    struct ctl_cfg cfg;
    const char *event_log;      /* --event-log, or NULL */
    bool have_mirror, have_select, have_thresh_min;
};

/* The controller's defaults (README's table). */
void ctl_opts_init(struct ctl_opts *);

/* One option of ctl_opt_table (getopt_long's 'opt' and optarg): 0, or 2
 * when its argument is bad (said on stderr, as 'prog'). */
int ctl_opt(struct ctl_opts *, int opt, const char *arg, const char *prog);

/* What holds only of the options together (selective needs --select,
 * a port in two lists, ...): 0, or 2 (said). */
int ctl_opts_check(struct ctl_opts *, const char *prog);

/* "PROG: invalid WHAT: 'VAL'" and the --help hint; returns 2. */
int ctl_bad_opt(const char *prog, const char *what, const char *val);

/* Decimal 0..max: 0 or EINVAL. */
int ctl_parse_uint(const char *, unsigned long max, unsigned long *);

#endif
