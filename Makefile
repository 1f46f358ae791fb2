# VoFW: hrac (inside half) and hras (outside half).
#
#   make            build hrac/hrac and hras/hras
#   make check      install missing dependencies, build, run every test
#   make install    install (PREFIX, DESTDIR, SYSCONFDIR, UNITDIR, MANDIR,
#                   DOCDIR); make uninstall removes it but edited configs
#   make asan       the same test suite under ASan + UBSan
#   make fuzz       build the libFuzzer targets and run each briefly
#   make bench      run the benchmarks under tests/bench/ (make deps-bench
#                   installs what only they need: rtpengine, SoftEther VPN)
#   make demo       the main job: a call through a firewall and a proxy
#   make soak       an hour of calls with churn; memory and fds stay flat
#   make fuzz-long  each fuzzer for FUZZ_LONG_SECONDS (an hour)

BUILD	?= build
SAN	?=
CC	?= cc

# Expanded where used, not when the Makefile is read: on a fresh machine
# `make check` reads it before deps has installed the packages.
PKGS	 = libevent libevent_openssl libconfig openssl libseccomp libsystemd \
	   krb5-gssapi duktape
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

.PHONY: all check deps deps-bench unit integration asan fuzz fuzz-long bench demo soak \
	install uninstall lint-man clean test-build

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
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

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
# libraries but delayline's libnetfilter-queue; the integration tests,
# benchmarks and demo use them.
TOOLS_SRC := $(wildcard tests/tools/*.c)
TOOLS_BIN := $(TOOLS_SRC:tests/tools/%.c=$(BUILD)/tools/%)

.PHONY: tools
tools: $(TOOLS_BIN)

$(BUILD)/tools/delayline: TOOL_LIBS = \
	$(shell pkg-config --libs libnetfilter_queue 2>/dev/null)

$(BUILD)/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(TOOL_LIBS)

integration bench demo soak: $(TOOLS_BIN)

-include $(TOOLS_BIN:=.d)

deps:
	@sh tests/lib/install-deps.sh

# What only the benchmarks use, on top of deps: rtpengine (the calls
# benchmark's single-hop peer relay) and SoftEther VPN (the paper's
# peer), each installed with its service neither started nor enabled.
deps-bench:
	@sh tests/lib/install-deps.sh bench
	@sh tests/lib/install-softether.sh

# The man pages: mandoc -T lint clean, every config key and flag in them.
lint-man:
	@sh tests/lib/check-man.sh

unit: all $(UNIT_BIN)
	@sh tests/lib/run-unit.sh $(UNIT_BIN)

integration: all
	@VOFW_BIN=$(BUILD)/bin sh tests/lib/run-integration.sh

# What the tests run, built with a job per core; the tests themselves keep
# their own pace (run-integration.sh's JOBS).
NPROC = $(shell nproc 2>/dev/null || echo 1)
test-build: all tools $(UNIT_BIN)

check: deps
	$(MAKE) -j$(NPROC) test-build
	$(MAKE) lint-man unit integration
	$(MAKE) asan
	$(MAKE) -j$(NPROC) -f tests/fuzz/Makefile all
	$(MAKE) fuzz FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS)

# Everything runs under ASan + UBSan; the daemons' reports land in
# SAN_LOG (their stderr is a test log), and any report fails the run.
# The daemons write there as the user they drop to (vofw): sticky, open
# to all, like /tmp.
# check replays every fuzzer's seeds and runs it briefly: a smoke test
# that keeps the suite short; `make fuzz` and `make fuzz-long` search.
CHECK_FUZZ_SECONDS ?= 5
SAN_LOG = $(CURDIR)/build-asan/sanitizer
asan: deps
	rm -rf $(SAN_LOG) && mkdir -p $(SAN_LOG) && chmod 1777 $(SAN_LOG)
	$(MAKE) -j$(NPROC) BUILD=build-asan SAN=1 test-build
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

bench: deps-bench all
	@VOFW_BIN=$(BUILD)/bin sh tests/bench/run.sh

demo: deps all
	@VOFW_BIN=$(BUILD)/bin sh tests/demo.sh

soak: deps all
	@VOFW_BIN=$(BUILD)/bin sh tests/soak.sh

# Installation. DESTDIR stages it (a package build, or another root);
# the units are written with the paths given here. Configuration files are
# installed only if absent, root:vofw 0640 (they hold secrets and the
# daemons run as vofw); `uninstall` keeps those a sysadmin has edited.
# When DESTDIR is empty or is a system's root (it has etc/passwd), the
# user vofw is created there first; in a bare staging directory the files
# stay root:root and the package's own scripts set the group.
PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc/vofw
UNITDIR	?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
MANDIR	?= $(PREFIX)/share/man
DOCDIR	?= $(PREFIX)/share/doc/vofw
HALVES	 = hrac hras
MAN5	 = docs/man/hrac.conf.5 docs/man/hras.conf.5
MAN8	 = docs/man/hrac.8 docs/man/hras.8
DOCS_MD	 = $(wildcard docs/*.md)

# The units with the installed paths (the Debian package runs this too);
# written each time, as the paths may differ from the last run's.
.PHONY: units
units:
	@mkdir -p $(BUILD)/conf
	for h in $(HALVES); do \
		sed -e 's|@SBINDIR@|$(SBINDIR)|g' \
		    -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		    conf/$$h.service.in >$(BUILD)/conf/$$h.service || exit 1; \
	done

install: all units
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR) \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	    $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR)/docs \
	    $(DESTDIR)$(DOCDIR)/examples
	install -m 755 hrac/hrac hras/hras $(DESTDIR)$(SBINDIR)/
	install -m 644 $(BUILD)/conf/hrac.service $(BUILD)/conf/hras.service \
	    $(DESTDIR)$(UNITDIR)/
	install -m 644 conf/sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/vofw.conf
	install -m 644 conf/tmpfiles.conf $(DESTDIR)$(TMPFILESDIR)/vofw.conf
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	install -m 644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	install -m 644 README.md $(DESTDIR)$(DOCDIR)/
	install -m 644 $(DOCS_MD) $(DESTDIR)$(DOCDIR)/docs/
	install -m 644 conf/hrac.conf conf/hras.conf conf/grafana-vofw.json \
	    $(DESTDIR)$(DOCDIR)/examples/
	@sh conf/install-config.sh "$(DESTDIR)" "$(SYSCONFDIR)" \
	    $(DESTDIR)$(SYSUSERSDIR)/vofw.conf conf/hrac.conf conf/hras.conf

uninstall:
	rm -f $(HALVES:%=$(DESTDIR)$(SBINDIR)/%) \
	    $(HALVES:%=$(DESTDIR)$(UNITDIR)/%.service) \
	    $(DESTDIR)$(SYSUSERSDIR)/vofw.conf $(DESTDIR)$(TMPFILESDIR)/vofw.conf \
	    $(MAN5:docs/man/%=$(DESTDIR)$(MANDIR)/man5/%) \
	    $(MAN8:docs/man/%=$(DESTDIR)$(MANDIR)/man8/%) \
	    $(DESTDIR)$(DOCDIR)/README.md $(DOCS_MD:%=$(DESTDIR)$(DOCDIR)/%) \
	    $(HALVES:%=$(DESTDIR)$(DOCDIR)/examples/%.conf) \
	    $(DESTDIR)$(DOCDIR)/examples/grafana-vofw.json
	rmdir $(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(DOCDIR)/examples \
	    $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	@for f in hrac.conf hras.conf; do \
		c=$(DESTDIR)$(SYSCONFDIR)/$$f; \
		if cmp -s conf/$$f $$c; then rm -f $$c; \
		elif [ -e $$c ]; then echo "uninstall: keeping $$c (edited)"; fi; \
	done
	rmdir $(DESTDIR)$(SYSCONFDIR) 2>/dev/null || true

clean:
	rm -rf build build-asan build-fuzz hrac/hrac hras/hras

-include $(COMMON_OBJ:.o=.d) $(HRAC_OBJ:.o=.d) $(HRAS_OBJ:.o=.d)
