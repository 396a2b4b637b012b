# elided port mirroring: controller, tests, experiments.
# `make` builds; `make test` installs what it needs and runs every test;
# `make experiment` reruns the evaluation.

CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Icontroller
SANFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=undefined
PCAP_LIBS = -lpcap

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
CFLAGS  += -DELIDE_VERSION='"$(VERSION)"'

LIB_SRC  := $(filter-out controller/main.c,$(wildcard controller/*.c))
MAIN_SRC := controller/main.c
UNIT_SRC := $(wildcard tests/unit/*.c)

LIB_OBJ      := $(LIB_SRC:%.c=build/%.o)
LIB_OBJ_SAN  := $(LIB_SRC:%.c=build/san/%.o)

.PHONY: all test unit unit-san e2e deps ovs experiment plots clean asan
all: build/elide-controller

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

build/test-unit: $(UNIT_SRC:%.c=build/%.o) $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ -lcriterion

build/san/test-unit: $(UNIT_SRC:%.c=build/san/%.o) $(LIB_OBJ_SAN)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ -lcriterion

asan: build/san/elide-controller build/san/test-unit

# Debian packages and the Open vSwitch daemons (idempotent).
deps:
	bash ci/install-deps.sh
ovs: deps
	bash ci/start-ovs.sh

unit: build/test-unit
	./build/test-unit --jobs 2
unit-san: build/san/test-unit
	ASAN_OPTIONS=detect_leaks=1 ./build/san/test-unit --jobs 2

e2e: build/elide-controller build/san/elide-controller
	bash tests/e2e/run.sh

test: deps ovs
	$(MAKE) all asan build/test-unit
	$(MAKE) unit unit-san
	$(MAKE) e2e

clean:
	rm -rf build
