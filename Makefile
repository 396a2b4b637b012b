# elided port mirroring: controller, tests, experiments.
# `make` builds; `make test` installs what it needs and runs every test;
# `make experiment` reruns the evaluation.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Icontroller
# Link-time optimization: the controller is one module a concept, and its
# Packet-In path crosses them (callgrind, bench/profile.sh: 2,209
# instructions per Packet-In without, 1,944 with).  Fat objects still link
# without it.
LTOFLAGS ?= -flto=auto -ffat-lto-objects
CFLAGS  += $(LTOFLAGS)
SANFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=undefined
PCAP_LIBS = -lpcap

# -dirty: changed sources, not what experiments write into results/
VERSION := $(shell v=$$(git describe --always 2>/dev/null) || v=unknown; \
	git status --porcelain -- . ':!results' ':!build' 2>/dev/null | grep -q . \
	&& v=$$v-dirty; echo $$v)
CFLAGS  += -DELIDE_VERSION='"$(VERSION)"'
# The objects that print it are rebuilt when it changes (a commit), not
# only when their sources do: results record the binaries' versions.
VERSION_STAMP := build/version.stamp
$(shell mkdir -p build && { echo '$(VERSION)' | cmp -s - $(VERSION_STAMP) \
	|| echo '$(VERSION)' > $(VERSION_STAMP); })
build/controller/main.o build/san/controller/main.o build/replay/main.o \
build/san/replay/main.o build/analysis/main.o: $(VERSION_STAMP)

LIB_SRC  := $(filter-out controller/main.c,$(wildcard controller/*.c))
MAIN_SRC := controller/main.c
UNIT_SRC := $(wildcard tests/unit/*.c) tests/simswitch.c

LIB_OBJ      := $(LIB_SRC:%.c=build/%.o)
LIB_OBJ_SAN  := $(LIB_SRC:%.c=build/san/%.o)

.PHONY: all test unit unit-san e2e test-hostile deps ovs experiment plots clean asan
all: build/elide-controller build/elide-replay

build/%.o: %.c $(wildcard controller/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

build/san/%.o: %.c $(wildcard controller/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SANFLAGS) -c -o $@ $<

build/elide-controller: build/controller/main.o $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^

build/san/elide-controller: build/san/controller/main.o $(LIB_OBJ_SAN)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^

# elide-replay: replay/, the controller's code against an ideal switch.
REPLAY_SRC := $(filter-out replay/main.c,$(wildcard replay/*.c))
$(REPLAY_SRC:%.c=build/%.o) $(REPLAY_SRC:%.c=build/san/%.o) build/replay/main.o \
build/san/replay/main.o: $(wildcard replay/*.h)
build/elide-replay: build/replay/main.o $(REPLAY_SRC:%.c=build/%.o) $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(PCAP_LIBS)
build/san/elide-replay: build/san/replay/main.o $(REPLAY_SRC:%.c=build/san/%.o) $(LIB_OBJ_SAN)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(PCAP_LIBS)

.PHONY: test-replay
test-replay: build/elide-replay build/san/elide-replay build/mirror-analyze
	bash tests/replay/run.sh build/elide-replay
	ASAN_OPTIONS=detect_leaks=1 bash tests/replay/run.sh build/san/elide-replay

# tests/tcpframe.h and tests/simswitch.[ch]: the frames and the switch model
# of the connection logic's tests and fuzzer.
$(UNIT_SRC:%.c=build/%.o) $(UNIT_SRC:%.c=build/san/%.o): tests/tcpframe.h tests/tlsfixture.h \
    tests/simswitch.h
$(UNIT_SRC:%.c=build/%.o) $(UNIT_SRC:%.c=build/san/%.o): CFLAGS += -Itests -Ireplay
$(UNIT_SRC:%.c=build/%.o) $(UNIT_SRC:%.c=build/san/%.o): $(wildcard replay/*.h)

# test_replay.c: elide-replay's switch model (replay/replay.c).
build/test-unit: $(UNIT_SRC:%.c=build/%.o) $(REPLAY_SRC:%.c=build/%.o) $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ -lcriterion

build/san/test-unit: $(UNIT_SRC:%.c=build/san/%.o) $(REPLAY_SRC:%.c=build/san/%.o) $(LIB_OBJ_SAN)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ -lcriterion

asan: build/san/elide-controller build/san/test-unit

# Debian packages and the Open vSwitch daemons (idempotent).
deps:
	bash ci/install-deps.sh
ovs: deps
	bash ci/start-ovs.sh

unit: build/test-unit
	./build/test-unit --jobs 2
# Criterion exits 0 when a worker only reports a leak or a UBSan message,
# so the output is checked too.
unit-san: build/san/test-unit
	@mkdir -p build/log
	ASAN_OPTIONS=detect_leaks=1 ./build/san/test-unit --jobs 2 2>&1 \
	    | tee build/log/unit-san.log
	@! grep -E 'ERROR: (Leak|Address)Sanitizer|runtime error:' build/log/unit-san.log

# Both realizations of elide (--datapath), each with both builds.
DATAPATHS ?= flows conntrack
e2e: build/elide-controller build/san/elide-controller
	set -e; for dp in $(DATAPATHS); do \
	    E2E_CTL_DATAPATH=$$dp bash tests/e2e/run.sh; \
	    E2E_CTL_DATAPATH=$$dp CONTROLLER=build/san/elide-controller bash tests/e2e/run.sh; \
	done

# Everything CI runs, fastest first.
test: deps ovs
	$(MAKE) all asan build/test-unit
	$(MAKE) unit unit-san test-py
	$(MAKE) test-analysis test-replay
	$(MAKE) fuzz-smoke
	$(MAKE) test-ofp-hostile
	$(MAKE) e2e
	$(MAKE) test-hostile
	$(MAKE) ci-regress

# Hostile traffic and switch/controller faults on real Open vSwitch.
test-hostile: build/elide-controller build/san/elide-controller build/mirror-analyze
	set -e; for dp in $(DATAPATHS); do \
	    E2E_CTL_DATAPATH=$$dp bash tests/hostile/run.sh; \
	done

clean:
	rm -rf build

# ---- mirror-analyze: analysis/ and tests/analysis/ ------------------------
# Reuses the controller's packet and HTTP head parsers (pkt.o, http.o) and
# its option values (units.o).
AN_SRC      := $(filter-out analysis/main.c,$(wildcard analysis/*.c))
AN_OBJ      := $(AN_SRC:%.c=build/%.o) build/controller/pkt.o build/controller/http.o \
               build/controller/units.o
AN_OBJ_SAN  := $(AN_SRC:%.c=build/san/%.o) build/san/controller/pkt.o \
               build/san/controller/http.o build/san/controller/units.o
AN_TEST_SRC := $(wildcard tests/analysis/*.c)
AN_TEST_OBJ := $(AN_TEST_SRC:%.c=build/%.o)
AN_TEST_OBJ_SAN := $(AN_TEST_SRC:%.c=build/san/%.o)

.PHONY: analysis test-analysis
analysis: build/mirror-analyze

$(AN_SRC:%.c=build/%.o) $(AN_SRC:%.c=build/san/%.o) build/analysis/main.o \
build/san/analysis/main.o $(AN_TEST_OBJ) $(AN_TEST_OBJ_SAN): $(wildcard analysis/*.h)
$(AN_TEST_OBJ) $(AN_TEST_OBJ_SAN): CFLAGS += -Ianalysis -Itests
$(AN_TEST_OBJ) $(AN_TEST_OBJ_SAN) $(UNIT_SRC:%.c=build/%.o) $(UNIT_SRC:%.c=build/san/%.o): tests/hex.h

build/mirror-analyze: build/analysis/main.o $(AN_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(PCAP_LIBS)

build/san/mirror-analyze: build/san/analysis/main.o $(AN_OBJ_SAN)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(PCAP_LIBS)

# The unit tests also link the controller's objects: they check that
# --threshold parses sizes exactly as the controller does.
build/test-analysis: $(AN_TEST_OBJ) $(AN_SRC:%.c=build/%.o) $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(PCAP_LIBS) -lcriterion

build/san/test-analysis: $(AN_TEST_OBJ_SAN) $(AN_SRC:%.c=build/san/%.o) $(LIB_OBJ_SAN)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(PCAP_LIBS) -lcriterion

test-analysis: build/mirror-analyze build/san/mirror-analyze \
               build/test-analysis build/san/test-analysis
	./build/test-analysis --jobs 2
	@mkdir -p build/log
	ASAN_OPTIONS=detect_leaks=1 ./build/san/test-analysis --jobs 2 2>&1 \
	    | tee build/log/test-analysis-san.log
	@! grep -E 'ERROR: (Leak|Address)Sanitizer|runtime error:' build/log/test-analysis-san.log
	bash tests/analysis/run.sh --perf build/mirror-analyze
	ASAN_OPTIONS=detect_leaks=1 bash tests/analysis/run.sh build/san/mirror-analyze
# ---- end mirror-analyze ---------------------------------------------------

# ---- libFuzzer targets (clang from Debian) ----
# `make fuzz` runs each target FUZZ_TIME seconds (FUZZ_TIME=3600 for the
# long runs); corpora grow in build/fuzz/corpus-NAME, seeded from
# fuzz/corpus/NAME.  `make fuzz-smoke` (part of `make test`) replays the
# seeds and fuzzes briefly, so a regression in a parser shows up in CI.
FUZZERS   := ofp pkt http conn enc
FUZZ_TIME ?= 300
FUZZ_CC   ?= clang
FUZZ_FLAGS = -g -O1 -std=c11 -D_GNU_SOURCE -Icontroller \
             -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
.PHONY: fuzz fuzz-smoke
build/fuzz/fuzz_%: fuzz/fuzz_%.c $(LIB_SRC) $(wildcard controller/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(LIB_SRC)

# fuzz_conn checks the connection logic, through the controller's code and
# the switch model of tests/simswitch.c, against an oracle that walks what
# the model endpoints received with the analyzer's head walker.
ORACLE_SRC := analysis/hwalk.c analysis/ivset.c tests/simswitch.c
build/fuzz/fuzz_conn: fuzz/fuzz_conn.c $(LIB_SRC) $(ORACLE_SRC) \
                      $(wildcard controller/*.h analysis/*.h) tests/tcpframe.h \
                      tests/simswitch.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Ianalysis -Itests -o $@ $< $(LIB_SRC) $(ORACLE_SRC)

# fuzz_replay: elide-replay's pcap front end and core (replay/).
FUZZERS += replay
build/fuzz/fuzz_replay: fuzz/fuzz_replay.c $(LIB_SRC) $(REPLAY_SRC) \
                        $(wildcard controller/*.h replay/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Ireplay -o $@ $< $(LIB_SRC) $(REPLAY_SRC) $(PCAP_LIBS)

# fuzz_http_diff (fuzz/DIFFERENTIAL.md): http.c against libhtp and
# http-parser, the documented classes of difference allowed, any other an
# abort.  `make test-http-diff` (run by fuzz-smoke) replays its seeds
# without fuzzing and prints how many inputs fell into each class.
FUZZERS += http_diff
HTTP_DIFF_SRC  := fuzz/http_diff.c fuzz/http_diff_libs.c controller/http.c
HTTP_DIFF_DEPS := $(HTTP_DIFF_SRC) fuzz/http_diff.h fuzz/http_diff_classes.h \
                  controller/http.h
HTTP_DIFF_LIBS := -lhtp -lhttp_parser
.PHONY: test-http-diff
build/fuzz/fuzz_http_diff: fuzz/fuzz_http_diff.c $(HTTP_DIFF_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Ifuzz -o $@ $< $(HTTP_DIFF_SRC) $(HTTP_DIFF_LIBS)
build/test-http-diff: tests/diff/test_http_diff.c $(HTTP_DIFF_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SANFLAGS) -Ifuzz -o $@ $< $(HTTP_DIFF_SRC) $(HTTP_DIFF_LIBS)
test-http-diff: build/test-http-diff
	./build/test-http-diff fuzz/corpus/http_diff
fuzz-smoke: test-http-diff

fuzz: $(FUZZERS:%=build/fuzz/fuzz_%)
	@for f in $(FUZZERS); do \
	    mkdir -p build/fuzz/corpus-$$f; \
	    echo "== fuzz_$$f for $(FUZZ_TIME) s"; \
	    build/fuzz/fuzz_$$f -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
	        build/fuzz/corpus-$$f fuzz/corpus/$$f 2>&1 \
	        | grep -E 'stat::number_of_executed_units|ERROR|BINGO|Done' || exit 1; \
	done

fuzz-smoke: $(FUZZERS:%=build/fuzz/fuzz_%)
	@for f in $(FUZZERS); do \
	    mkdir -p build/fuzz/smoke-$$f; \
	    build/fuzz/fuzz_$$f -max_total_time=10 -print_final_stats=1 \
	        build/fuzz/smoke-$$f fuzz/corpus/$$f 2>&1 \
	        | grep -E 'stat::number_of_executed_units|ERROR' \
	        | sed "s/^/fuzz_$$f: /"; \
	    [ $${PIPESTATUS[0]} -eq 0 ] || exit 1; \
	done

# ---- fakeswitch: hostile OpenFlow tests and controller benchmarks --------
# tools/fakeswitch (fake OpenFlow 1.3 switch, load generator), tests/ofp-
# hostile (run by `make test`), bench/ (`make bench`, results/bench/).
FS_SRC := $(wildcard tools/fakeswitch/*.c)
FS_OBJ := build/controller/ofp.o build/controller/buf.o
$(FS_SRC:%.c=build/%.o) $(FS_SRC:%.c=build/san/%.o): $(wildcard tools/fakeswitch/*.h)

build/fakeswitch: $(FS_SRC:%.c=build/%.o) $(FS_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ -lm

build/san/fakeswitch: $(FS_SRC:%.c=build/san/%.o) $(FS_OBJ:build/%=build/san/%)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ -lm

.PHONY: test-ofp-hostile bench
test-ofp-hostile: build/fakeswitch build/elide-controller build/san/elide-controller
	bash tests/ofp-hostile/run.sh

# Benchmarks 2 and 3 first (Open vSwitch, nginx, curl: as root), then 5
# (perf, valgrind), then 1 and 4, whose summary page also gathers 2, 3
# and 5.  About 45 minutes.  Shorter: make bench REPS=1 LEVELS="1 16" QUICK=1
bench: ovs build/fakeswitch build/elide-controller build/elide-replay
	EXTRA_PACKAGES="valgrind linux-perf python3-os-ken" bash ci/install-deps.sh
	bash bench/e2e_throughput.sh
	bash bench/e2e_concurrency.sh
	gnuplot -e "dir='results/bench/concurrency'" bench/concurrency.gp
	bash bench/profile.sh
	bash bench/run.sh
	bash bench/tls_recall.sh
	bash bench/replay.sh
# ---- end fakeswitch --------------------------------------------------------

# ---- experiments: topologies/, experiments/, results/ ----------------------
# `make experiment`: every workload under every mirror mode, mirror capped
# (10 Mbit/s) and uncapped, then table2 and keepalive on the two-switch
# topology; results/<experiment>/<UTC stamp>/ and results/overview/.
# QUICK=1: table2 and keepalive, one run each.  THRESHOLD=1M: the elision
# threshold given to the controller and the analyzer.  EXP_ARGS: more
# options of experiments/run.py (see its --help).
# `make plots`: every table and figure again from results/*/last, no network.
# `make ci-regress`: a quick experiment checked against results/baseline.json.
PY3       := /usr/bin/python3
THRESHOLD ?= 10M
QUICK     ?=
EXP_ARGS  ?=
# QUICK=1 writes into build/results-quick/: committed results stay as they are.
EXP_RUNS   = $(if $(QUICK),--quick --runs 1 --results build/results-quick,--runs 2 --runs-table2 5 --runs-campus 1)
.PHONY: experiment-deps ci-regress
experiment-deps: ovs
	$(MAKE) all analysis

# The study takes the campus runs the main run made of its variants (plain,
# and elide when THRESHOLD is one of SWEEP_THRESHOLDS) instead of making
# them again: --reuse checks that they were made the same way, during this
# make (--reuse-since).
EXP_STAMP := $(shell date -u +%Y%m%dT%H%M%SZ)
experiment: experiment-deps
	$(PY3) experiments/run.py --threshold $(THRESHOLD) $(EXP_RUNS) $(EXP_ARGS); \
	rc=$$?; \
	if [ -z "$(QUICK)" ]; then \
	    $(PY3) experiments/run.py --topo elide_two --experiments table2,keepalive \
	        --caps 10 --threshold $(THRESHOLD) $(EXP_ARGS) || rc=1; \
	    $(PY3) experiments/run.py $(SWEEP_ARGS) --reuse campus \
	        --reuse-since $(EXP_STAMP) $(EXP_ARGS) || rc=1; \
	fi; \
	exit $$rc

# The threshold study alone: elide on campus at every threshold from 16Ki
# to 100M, plain, and --mirror-budget (SWEEP_BUDGET), capped and uncapped
# (results/sweep/).  Part of make experiment too.
SWEEP_THRESHOLDS ?= 16Ki,64Ki,256Ki,1Mi,4Mi,10M,32Mi,100M
SWEEP_BUDGET     ?= 8M
SWEEP_ARGS = --experiments campus --name sweep --modes plain,elide \
	--sweep-thresholds $(SWEEP_THRESHOLDS) --sweep-budget $(SWEEP_BUDGET) --runs 1
.PHONY: sweep
sweep: experiment-deps
	$(PY3) experiments/run.py $(SWEEP_ARGS) $(EXP_ARGS)

# elide-replay against the testbed (results/README.md): every experiment
# uncapped, pcaps of every run kept, each run's clients' capture replayed
# and compared with its mirror (results/replay/agree.tsv; `mode none`
# mirrors nothing in both and is left out).
AGREE_MODES ?= plain,selective,truncate,elide-paper,elide
.PHONY: agree
agree: experiment-deps
	$(PY3) experiments/run.py --caps 0 --all-pcaps --no-consumers --no-plots --name agree \
	    --modes $(AGREE_MODES) --threshold $(THRESHOLD) $(EXP_ARGS)
	$(PY3) experiments/agree.py results/agree/last --out results/replay/agree.tsv

plots: deps
	$(PY3) experiments/plot.py

ci-regress: experiment-deps
	$(PY3) experiments/ci_regress.py

# Python tests, no network: experiments/units.py and run.py's options
# against tests/sizes.txt, which the C tests read too; the binaries are
# checked against the same table (they only parse options).
.PHONY: test-py
test-py: build/elide-controller build/mirror-analyze
	$(PY3) -m unittest discover -s tests/py
# ---- end experiments -------------------------------------------------------
