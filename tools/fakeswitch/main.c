/* fakeswitch: option parsing and the subcommands; see fs.h. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"

static void
usage(FILE *f)
{
    fprintf(f,
"usage: fakeswitch [OPTIONS] COMMAND [COMMAND OPTIONS]\n"
"A fake OpenFlow 1.3 switch: hostile input, load generation, memory flood.\n"
"\n"
"Options (before COMMAND):\n"
"  --connect HOST:PORT   controller (default 127.0.0.1:6653; [::1]:P for IPv6)\n"
"  --dpid N              datapath id of the first switch, hex (default 1)\n"
"  --ports N             host ports 1..N in PORT_DESC (default 4, >= 2)\n"
"  --mirror-port N       also list port N (the controller's --mirror-port)\n"
"  --ctl-pid PID         controller process, for RSS and CPU samples\n"
"\n"
"Commands:\n"
"  hostile --list | NAME [--rss-limit-mb M] [--settle-ms MS]\n"
"        one malformed-input scenario; prints logname=, PASS or FAIL;\n"
"        --settle-ms: the controller's, for the held-* scenarios (20)\n"
"  watch [--state FILE] [--stall-ms MS] [--interval-ms MS]\n"
"        a well-behaved switch: echo and Packet-In round trips until\n"
"        SIGTERM; exits 1 if an echo goes unanswered for MS (2000)\n"
"  bench [--switches N] [--mode throughput|latency] [--traffic l2|http]\n"
"        [--size BYTES] [--macs N] [--conns N] [--warmup S] [--duration S]\n"
"        [--cdf FILE] [--label NAME] [--timeout-ms MS] [--ctl-core CPU]\n"
"        cbench-style: Packet-In load, counts Packet-Out and Flow-Mod\n"
"        replies; latency mode keeps one Packet-In outstanding per switch;\n"
"        --ctl-core: report that CPU's user/nice/sys/softirq/idle shares\n"
"  flood [--conns N] [--step K] [--close none|fin|rst|mixed] [--settle S]\n"
"        [--reopen] [--batch B]\n"
"        N new TCP connections to port 80 (a SYN Packet-In each), optional\n"
"        close and reopen phases; prints 'phase conns ctl_rss_kb elapsed_s'\n");
}

int
main(int argc, char *argv[])
{
    struct fs_opts o = { .host = "127.0.0.1", .port = "6653", .dpid = 1,
                         .n_ports = 4 };
    static char addr[256];
    static const struct option opts[] = {
        { "connect", required_argument, NULL, 'c' },
        { "dpid", required_argument, NULL, 'd' },
        { "ports", required_argument, NULL, 'p' },
        { "mirror-port", required_argument, NULL, 'm' },
        { "ctl-pid", required_argument, NULL, 'P' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    /* '+': stop at the command, whose options are parsed by it. */
    while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': {
            if (strlen(optarg) >= sizeof addr || !strrchr(optarg, ':')) {
                fprintf(stderr, "fakeswitch: --connect HOST:PORT\n");
                return 2;
            }
            strcpy(addr, optarg);
            char *colon = strrchr(addr, ':');
            *colon = '\0';
            o.port = colon + 1;
            o.host = addr;
            if (addr[0] == '[' && colon[-1] == ']') {
                colon[-1] = '\0';
                o.host = addr + 1;
            }
            break;
        }
        case 'd': o.dpid = strtoull(optarg, NULL, 16); break;
        case 'p': o.n_ports = (uint32_t) atol(optarg); break;
        case 'm': o.mirror_port = (uint32_t) atol(optarg); break;
        case 'P': o.ctl_pid = atoi(optarg); break;
        case 'v': o.verbose = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc || o.n_ports < 2 || o.n_ports > 250) {
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *cmd = argv[optind];
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    if (!strcmp(cmd, "hostile")) {
        return fs_hostile_main(&o, sub_argc, sub_argv);
    } else if (!strcmp(cmd, "bench")) {
        return fs_bench_main(&o, sub_argc, sub_argv);
    } else if (!strcmp(cmd, "flood")) {
        return fs_flood_main(&o, sub_argc, sub_argv);
    } else if (!strcmp(cmd, "watch")) {
        return fs_watch_main(&o, sub_argc, sub_argv);
    }
    fprintf(stderr, "fakeswitch: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
