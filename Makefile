# VoFW: hrac (inside half) and hras (outside half).
#
#   make            build hrac/hrac and hras/hras
#   make check      install missing dependencies, build, run every test
#   make asan       the same test suite under ASan + UBSan
#   make fuzz       build the libFuzzer targets and run each briefly
#   make bench      run the benchmarks under tests/bench/
#   make demo       the main job: a call through a firewall and a proxy
#   make soak       an hour of calls with churn; memory and fds stay flat
#   make fuzz-long  each fuzzer for FUZZ_LONG_SECONDS (an hour)

BUILD	?= build
SAN	?=
CC	?= cc

# Expanded where used, not when the Makefile is read: on a fresh machine
# `make check` reads it before deps has installed the packages.
PKGS	 = libevent libevent_openssl libconfig openssl libseccomp libsystemd
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN	 = -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
	   -Wpointer-arith -Wcast-qual -Wformat=2 -Wwrite-strings -Werror
CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L $(WARN) \
	   -Icommon $(PKG_CFLAGS) -MMD -MP
LDLIBS	+= $(PKG_LIBS) -losipparser2 -losip2 -lresolv

ifneq ($(SAN),)
CFLAGS	+= -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	   -fno-sanitize-recover=undefined -DVOFW_SANITIZE
LDFLAGS	+= -fsanitize=address,undefined
endif

COMMON_SRC := $(wildcard common/*.c)
HRAC_SRC   := $(wildcard hrac/*.c)
HRAS_SRC   := $(wildcard hras/*.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)

COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
HRAC_OBJ   := $(HRAC_SRC:%.c=$(BUILD)/%.o)
HRAS_OBJ   := $(HRAS_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
LIBVOFW    := $(BUILD)/libvofw.a

.PHONY: all check deps unit integration asan fuzz fuzz-long bench demo soak \
	install clean

all: $(BUILD)/bin/hrac $(BUILD)/bin/hras
ifeq ($(BUILD),build)
all: hrac/hrac hras/hras
hrac/hrac: $(BUILD)/bin/hrac
	cp $< $@
hras/hras: $(BUILD)/bin/hras
	cp $< $@
endif

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIBVOFW): $(COMMON_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bin/hrac: $(HRAC_OBJ) $(LIBVOFW)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/hras: $(HRAS_OBJ) $(LIBVOFW)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests link the module under test from libvofw.a, plus the half's
# objects (except main) when a test names them: each half's configuration
# (hrac_config.c, hras_config.c) is one of them, so libvofw.a holds only
# what both halves share.
HALF_OBJ := $(filter-out %/main.o,$(HRAC_OBJ) $(HRAS_OBJ))
$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIBVOFW) $(HALF_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ihrac -Ihras $(LDFLAGS) -o $@ $< $(HALF_OBJ) \
	    $(LIBVOFW) $(LDLIBS) -lcmocka

# Test tools (tests/tools/NAME.c -> $(BUILD)/tools/NAME): plain C, no
# libraries; the integration tests, benchmarks and demo use them.
TOOLS_SRC := $(wildcard tests/tools/*.c)
TOOLS_BIN := $(TOOLS_SRC:tests/tools/%.c=$(BUILD)/tools/%)

.PHONY: tools
tools: $(TOOLS_BIN)

$(BUILD)/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

integration bench demo soak: $(TOOLS_BIN)

-include $(TOOLS_BIN:=.d)

deps:
	@sh tests/lib/install-deps.sh

unit: all $(UNIT_BIN)
	@sh tests/lib/run-unit.sh $(UNIT_BIN)

integration: all
	@VOFW_BIN=$(BUILD)/bin sh tests/lib/run-integration.sh

check: deps
	$(MAKE) unit integration
	$(MAKE) asan
	$(MAKE) fuzz FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS)

# Everything runs under ASan + UBSan; the daemons' reports land in
# SAN_LOG (their stderr is a test log), and any report fails the run.
# The daemons write there as the user they drop to (vofw): sticky, open
# to all, like /tmp.
CHECK_FUZZ_SECONDS ?= 10
SAN_LOG = $(CURDIR)/build-asan/sanitizer
asan: deps
	rm -rf $(SAN_LOG) && mkdir -p $(SAN_LOG) && chmod 1777 $(SAN_LOG)
	ASAN_OPTIONS=log_path=$(SAN_LOG)/asan:detect_leaks=1 \
	UBSAN_OPTIONS=log_path=$(SAN_LOG)/ubsan:print_stacktrace=1 \
	    $(MAKE) BUILD=build-asan SAN=1 unit integration
	@sh tests/lib/check-sanitizers.sh $(SAN_LOG)

fuzz: deps
	$(MAKE) -f tests/fuzz/Makefile run

# Long runs, not part of check: what they find becomes a seed in
# tests/fuzz/corpus/<target> once fixed (tests/fuzz/Makefile, "merge").
FUZZ_LONG_SECONDS ?= 3600
fuzz-long: deps
	$(MAKE) -f tests/fuzz/Makefile run FUZZ_SECONDS=$(FUZZ_LONG_SECONDS)
	$(MAKE) -f tests/fuzz/Makefile merge

bench: deps all
	@VOFW_BIN=$(BUILD)/bin sh tests/bench/run.sh

demo: deps all
	@VOFW_BIN=$(BUILD)/bin sh tests/demo.sh

soak: deps all
	@VOFW_BIN=$(BUILD)/bin sh tests/soak.sh

PREFIX	?= /usr/local
SYSCONFDIR ?= /etc/vofw
UNITDIR	?= /etc/systemd/system
install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(SYSCONFDIR) \
	    $(DESTDIR)$(UNITDIR)
	install -m 755 hrac/hrac hras/hras $(DESTDIR)$(PREFIX)/sbin/
	install -m 644 conf/hrac.service conf/hras.service $(DESTDIR)$(UNITDIR)/
	for f in hrac.conf hras.conf; do \
		[ -e $(DESTDIR)$(SYSCONFDIR)/$$f ] || \
		    install -m 640 conf/$$f $(DESTDIR)$(SYSCONFDIR)/; \
	done

clean:
	rm -rf build build-asan build-fuzz hrac/hrac hras/hras

-include $(COMMON_OBJ:.o=.d) $(HRAC_OBJ:.o=.d) $(HRAS_OBJ:.o=.d)
