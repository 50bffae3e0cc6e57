# FWL - top-level Makefile.
#
#   make            build fwlc, fwld, fwlctl and the BPF objects (-Werror)
#   make asan       the same with AddressSanitizer + UBSan, into build/asan
#   make test       install missing deps, build, run every test suite
#   make demo       install missing deps, build, run the lab demo
#   make bench      benchmarks (ratios against a baseline from the same run)
#   make fuzz       run the fuzzers for FUZZ_SECONDS (default 300)
#   make V=1 ...    show full commands
#
# Each component adds its sources, programs and test suites through a
# fragment: */build.mk and tests/*/build.mk.  Outputs go to $(BUILD) only.

.DELETE_ON_ERROR:
.SUFFIXES:
.DEFAULT_GOAL := all

SRC     := $(CURDIR)
BUILD   ?= build
CC      ?= gcc
CLANG   ?= clang
ARCH    := $(shell uname -m | sed 's/aarch64/arm64/;s/x86_64/x86/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-7s %s\n' "$(1)" "$(2)"
endif

WARN   := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
          -Wmissing-prototypes -Wwrite-strings -Wno-unused-parameter
CFLAGS ?= -O2 -g
SAN_FLAGS :=
ifeq ($(SAN),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=undefined
endif
ALL_CFLAGS  = -std=gnu11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SAN_FLAGS) -I$(SRC) -MMD -MP \
              -DFWL_SRCDIR='"$(SRC)"' -DFWL_MULTIARCH='"$(MULTIARCH)"'
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)

# BPF objects: clang -target bpf, against bpf/lib and maps/.
BPF_CFLAGS := -O2 -g -target bpf -Wall -Werror -D__TARGET_ARCH_$(ARCH) \
              -I$(SRC) -I$(SRC)/bpf/lib -I/usr/include/$(MULTIARCH)

LIBBPF_LIBS := -lbpf -lelf -lz
LIBXDP_LIBS := -lxdp

# Filled by the fragments.
PROGRAMS   :=
BPF_OBJS   :=
TEST_BINS  :=
TEST_SCRIPTS :=
DEPS       :=

# objs(dir): object files for every .c directly in dir.
objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard $(1)/*.c))

$(BUILD)/obj/%.o: %.c
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

include $(sort $(wildcard */build.mk tests/*/build.mk))

.PHONY: all asan asan-tests test test-only demo bench fuzz deps clean install
all: $(PROGRAMS) $(BPF_OBJS)

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SAN=1 all

asan-tests:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SAN=1 all \
	  $(patsubst $(BUILD)/%,$(BUILD)/asan/%,$(TEST_BINS))

deps:
	$(Q)$(SRC)/tools/deps.sh

# `make test` = deps, the normal build, the sanitizer build, then every
# suite, and the C suites once more under AddressSanitizer + UBSan.
test: deps
	$(Q)$(MAKE) --no-print-directory all $(TEST_BINS)
	$(Q)$(MAKE) --no-print-directory asan-tests
	$(Q)$(MAKE) --no-print-directory test-only

test-only:
	$(Q)FWL_BUILD=$(abspath $(BUILD)) FWL_SRC=$(SRC) \
	  $(SRC)/tests/run.sh $(TEST_BINS) $(TEST_SCRIPTS) \
	  $(patsubst $(BUILD)/%,$(BUILD)/asan/%,$(TEST_BINS))

demo: deps all
	$(Q)FWL_BUILD=$(abspath $(BUILD)) $(SRC)/tools/demo.sh

bench: deps all
	$(Q)FWL_BUILD=$(abspath $(BUILD)) $(SRC)/tools/bench.sh

fuzz: deps
	$(Q)FWL_BUILD=$(abspath $(BUILD)) $(SRC)/tools/fuzz.sh $(FUZZ_SECONDS)

PREFIX ?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/fwld $(DESTDIR)$(PREFIX)/sbin/fwld
	install -m 0755 $(BUILD)/fwlc $(BUILD)/fwlctl $(DESTDIR)$(PREFIX)/bin/

clean:
	rm -rf $(BUILD)

-include $(DEPS)
