# xlb build. Everything lands under build/. `make V=1` shows the commands.
#
# Layout the rules below pick up by wildcard (add a file, no Makefile edit):
#   bpf/*.bpf.c      -> build/<name>.bpf.o + build/<name>.skel.h
#   user/lib/*.c     -> build/libxlb.a (what the daemon and the CLI both need)
#   user/xlbd/*.c    -> build/xlbd
#   user/xlbctl/*.c  -> build/xlbctl (all but main.c also in build/libxlbctl.a,
#                       which the unit tests link)
#   tools/lib/*.c    -> build/libxlbtools.a (packet builder, HTTP head reading,
#                       the BPF tools' start:
#                       shared by tools and tests only)
#   tools/*.c        -> build/tools/<name> (one program per file)
#   tests/lib/*.c    -> test framework, linked into both test binaries
#   tests/unit/*.c   -> build/tests/test_unit
#   tests/bpf/*.c    -> build/tests/test_bpf (BPF_PROG_TEST_RUN packet tests)
#   tests/fuzz/fuzz_*.c -> build/fuzz/tests/fuzz/fuzz_* (libFuzzer targets,
#                       clang with ASan+UBSan: make fuzz, README
#                       "Reliability"); tests/fuzz/fake_*.c replace the
#                       kernel's side (maps, netlink) and the log in them

# make SANITIZE=1: the same programs and tests with ASan and UBSan, in
# their own directory (make test runs the unit and daemon tests on them).
ifeq ($(SANITIZE),1)
BUILD    ?= build/san
SAN_CFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	      -fno-sanitize-recover=undefined
endif
BUILD    ?= build
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
ARCH     := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

PKGS     := libbpf libxdp yaml-0.1 json-c libmnl libmicrohttpd libcrypto libcurl
# CFLAGS, CPPFLAGS and LDFLAGS are the user's (make CFLAGS=-O0, and
# dpkg-buildflags through debian/rules); the project's own flags are apart,
# so overriding them never drops an include path or a warning.
CFLAGS   ?= -O2 -g
XLB_CFLAGS := $(XLB_WERROR) -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	    -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser/lib -Iuser/xlbctl \
	    -Itools/lib -Itests/lib -I$(BUILD) \
	    $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(SAN_CFLAGS)
XLB_LDLIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lelf -lz -lm
# Only the daemon talks to systemd (sd_notify); the CLI does not link it.
XLBD_LDLIBS := $(shell pkg-config --libs libsystemd 2>/dev/null)

# The version has one home, debian/changelog (the package's and the
# binaries' are the same); the git revision comes from git, or from
# GIT_REV when building outside a clone (make deb builds in a copy).
VERSION  := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
GIT_REV  ?= $(shell git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)

# Install layout: make install PREFIX=/usr DESTDIR=/tmp/root. The config
# is /etc/xlb whatever PREFIX is: xlbd's default path is compiled in.
PREFIX   ?= /usr/local
SBINDIR  ?= $(PREFIX)/sbin
LIBDIR   ?= $(PREFIX)/lib
MANDIR   ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR  ?= $(LIBDIR)/systemd/system
COMPLDIR ?= $(PREFIX)/share/bash-completion/completions
SCDOC    ?= scdoc
# Dependencies come from the compiler: each object lists the headers it
# really included (build/**/*.d), so a change rebuilds exactly what it affects.
DEPFLAGS = -MMD -MP
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	    -Iinclude -Ibpf -I/usr/include/$(shell uname -m)-linux-gnu

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
BPF_SKELS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

LIB_SRCS   := $(wildcard user/lib/*.c)
LIB_OBJS   := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
LIB        := $(BUILD)/libxlb.a
XLBD_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard user/xlbd/*.c))
CTL_MAIN   := $(BUILD)/user/xlbctl/main.o
CTLLIB_OBJS:= $(filter-out $(CTL_MAIN),$(patsubst %.c,$(BUILD)/%.o,$(wildcard user/xlbctl/*.c)))
CTLLIB     := $(BUILD)/libxlbctl.a
TOOLLIB_OBJS:= $(patsubst %.c,$(BUILD)/%.o,$(wildcard tools/lib/*.c))
TOOLLIB    := $(BUILD)/libxlbtools.a
TOOLS      := $(patsubst tools/%.c,$(BUILD)/tools/%,$(wildcard tools/*.c))
TLIB_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/lib/*.c))
UNIT_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/unit/*.c))
TBPF_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/bpf/*.c))
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_FAKES := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/fuzz/fake_*.c))
FUZZ_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(FUZZ_SRCS)) $(FUZZ_FAKES)
FUZZ_BINS  := $(patsubst %.c,$(BUILD)/%,$(FUZZ_SRCS))
# the library and the daemon without what the fakes stand in for
FUZZ_LIB   := $(BUILD)/libxlb_fuzz.a
FUZZ_XLBD  := $(BUILD)/libxlbd_fuzz.a
FUZZ_LIB_OBJS := $(filter-out $(addprefix $(BUILD)/user/lib/,dataplane.o dataplane_svc.o dp_stats.o neigh.o log.o),$(LIB_OBJS))

USER_OBJS  := $(LIB_OBJS) $(XLBD_OBJS) $(CTL_MAIN) $(CTLLIB_OBJS) $(TOOLLIB_OBJS) \
	      $(patsubst $(BUILD)/tools/%,$(BUILD)/tools/%.o,$(TOOLS)) \
	      $(TLIB_OBJS) $(UNIT_OBJS) $(TBPF_OBJS) $(FUZZ_OBJS)

PROGS := $(if $(XLBD_OBJS),$(BUILD)/xlbd) $(BUILD)/xlbctl
TESTS := $(if $(UNIT_OBJS),$(BUILD)/tests/test_unit) \
	 $(if $(TBPF_OBJS),$(BUILD)/tests/test_bpf)

MAN_SRCS   := $(wildcard user/*/*.[1-8].scd)
MANS       := $(patsubst %.scd,$(BUILD)/man/%,$(notdir $(MAN_SRCS)))

.PHONY: all deps test fuzz fuzz-build fuzz-bins demo bench lab-up lab-down clean install uninstall \
	man deb check check-bpf-calls check-includes check-format check-warnings format FORCE
.DELETE_ON_ERROR:
.SECONDARY:

# The fuzz targets' objects too (not linked: that needs clang's libFuzzer),
# so a normal build and make check see their warnings.
all: $(BPF_OBJS) $(BPF_SKELS) $(LIB) $(PROGS) $(TOOLS) $(TESTS) $(MANS) \
	$(BUILD)/xlbd.service $(FUZZ_OBJS)

# Rewritten only when the version or revision changed, so a commit
# relinks the two programs and nothing else.
$(BUILD)/xlb_version.h: FORCE
	@mkdir -p $(@D)
	@printf '#define XLB_VERSION "%s"\n#define XLB_GIT_REV "%s"\n' \
		'$(VERSION)' '$(GIT_REV)' >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

deps:
	$(Q)./tools/deps.sh

test: deps
	$(Q)$(MAKE) --no-print-directory all fuzz-build
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 BUILD=build/san all
	$(Q)./tests/run.sh

# Fuzzing: the libFuzzer targets, built by Debian's clang with ASan and
# UBSan into $(BUILD)/fuzz, each run for FUZZ_SECONDS (tests/fuzz/run.sh
# says where crashes and new inputs go), then PKT_FRAMES random frames
# through the XDP program. make test runs them briefly (20,000 frames).
FUZZ_BUILD ?= $(BUILD)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined,fuzzer-no-link \
	-fno-sanitize-recover=undefined
# PKT_FRAMES: frames for the packet fuzzer (tests/bpf/test_pkt_fuzz.c).
PKT_FRAMES ?= 1000000
fuzz: deps fuzz-build
	$(Q)$(MAKE) --no-print-directory all
	$(Q)FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) \
		./tests/fuzz/run.sh fuzz
	$(Q)XLB_PKT_FRAMES=$(PKT_FRAMES) $(BUILD)/tests/test_bpf pkt_fuzz
fuzz-build:
	$(Q)$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(CLANG) \
		CFLAGS='$(FUZZ_CFLAGS)' fuzz-bins
fuzz-bins: $(FUZZ_BINS)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./tools/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./tools/bench.sh

# `make check`: the tree is formatted (.clang-format, kernel style), every
# C file compiles without a warning (-Werror, in its own build directory so
# the normal build keeps its objects), and no map lookup call site in the
# translated program is shared by two maps; no file of user/ or tools/
# includes a .c file and the files of user/ include each other one way
# only (tools/check_includes.py). `make format` fixes the first.
FMT_SRCS := $(shell git ls-files '*.c' '*.h' 2>/dev/null)
CLANG_FORMAT ?= clang-format
check: deps
	$(Q)$(MAKE) --no-print-directory check-format check-warnings check-bpf-calls \
		check-includes
check-format:
	$(Q)$(CLANG_FORMAT) --dry-run -Werror $(FMT_SRCS)
	$(Q)echo "check-format: ok: $(words $(FMT_SRCS)) files"
check-warnings:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/werror \
		XLB_WERROR=-Werror all
	$(Q)echo "check-warnings: ok: no compiler warning"
format:
	$(Q)$(CLANG_FORMAT) -i $(FMT_SRCS)
check-includes:
	$(Q)./tools/check_includes.py
check-bpf-calls: $(BUILD)/xlb.bpf.o
	$(Q)./tools/check_bpf_calls.sh $<

$(BUILD)/%.bpf.o: bpf/%.bpf.c
	@mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

# The skeletons are generated headers: they must exist before the first
# compile (order only); after that the .d files say who includes them.
$(BUILD)/%.o: %.c | $(BPF_SKELS) $(BUILD)/xlb_version.h
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(XLB_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
$(CTLLIB): $(CTLLIB_OBJS)
$(TOOLLIB): $(TOOLLIB_OBJS)
$(LIB) $(CTLLIB) $(TOOLLIB):
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

link = $(CC) $(XLB_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(XLB_LDLIBS) $(LDLIBS)

$(BUILD)/xlbd: $(XLBD_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(link) $(XLBD_LDLIBS)

$(BUILD)/xlbctl: $(CTL_MAIN) $(CTLLIB) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(link)

$(BUILD)/tools/%: $(BUILD)/tools/%.o $(TOOLLIB) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(link) -lpthread

$(BUILD)/tests/test_unit: $(UNIT_OBJS) $(TLIB_OBJS) $(CTLLIB) $(TOOLLIB) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(link)

$(BUILD)/tests/test_bpf: $(TBPF_OBJS) $(TLIB_OBJS) $(TOOLLIB) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(link)

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
$(FUZZ_XLBD): $(filter-out $(BUILD)/user/xlbd/main.o,$(XLBD_OBJS))
$(FUZZ_LIB) $(FUZZ_XLBD):
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_FAKES) \
		$(FUZZ_XLBD) $(CTLLIB) $(FUZZ_LIB)
	$(call msg,LINK,$@)
	$(Q)$(link) -fsanitize=fuzzer $(XLBD_LDLIBS)

-include $(USER_OBJS:.o=.d) $(BPF_OBJS:.o=.d)

lab-up: all
	$(Q)./tools/lab.sh up

lab-down:
	$(Q)./tools/lab.sh down

# Manuals: one scdoc source each, next to the code they describe.
man: $(MANS)
vpath %.scd $(sort $(dir $(MAN_SRCS)))
$(BUILD)/man/%: %.scd
	@mkdir -p $(@D)
	$(call msg,SCDOC,$@)
	$(Q)$(SCDOC) <$< >$@

# The unit names the installed xlbd, wherever PREFIX put it.
$(BUILD)/xlbd.service: user/xlbd/xlbd.service.in FORCE
	@mkdir -p $(@D)
	@sed 's|@SBINDIR@|$(SBINDIR)|g' $< >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

# The BPF object is compiled into xlbd (its skeleton), so xlbd never
# searches for it; the copy in LIBDIR/xlb is for bpftool and llvm-objdump.
INSTALLED := $(SBINDIR)/xlbd $(SBINDIR)/xlbctl $(LIBDIR)/xlb/xlb.bpf.o \
	     $(UNITDIR)/xlbd.service $(COMPLDIR)/xlbctl \
	     $(foreach m,$(notdir $(MANS)),$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(m).gz)

install: $(BUILD)/xlbd $(BUILD)/xlbctl $(BUILD)/xlb.bpf.o $(MANS) \
	 $(BUILD)/xlbd.service
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR)/xlb \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(COMPLDIR) \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SYSCONFDIR)/xlb
	install -m 755 $(BUILD)/xlbd $(BUILD)/xlbctl $(DESTDIR)$(SBINDIR)/
	install -m 644 $(BUILD)/xlb.bpf.o $(DESTDIR)$(LIBDIR)/xlb/
	install -m 644 $(BUILD)/xlbd.service $(DESTDIR)$(UNITDIR)/
	install -m 644 user/xlbctl/xlbctl.bash-completion $(DESTDIR)$(COMPLDIR)/xlbctl
	set -e; for m in $(MANS); do \
		n=$$(basename $$m); s=$${n##*.}; \
		gzip -9n <$$m >$(DESTDIR)$(MANDIR)/man$$s/$$n.gz; \
	done
	@# never overwrite an operator's config
	test -e $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.yaml || \
		install -m 644 user/xlbd/xlb.yaml $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.yaml

# Removes what install put; the config only if it is still the example.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(LIBDIR)/xlb 2>/dev/null
	if cmp -s user/xlbd/xlb.yaml $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.yaml; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.yaml; \
		rmdir $(DESTDIR)$(SYSCONFDIR)/xlb 2>/dev/null || true; \
	else \
		echo "uninstall: $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.yaml kept (changed or absent)"; \
	fi

# A .deb from Debian's own tools (debian/, dpkg-buildpackage, debhelper),
# built in a copy of the tracked files so the tree stays clean; the
# packages land in DEBDIR.
DEBDIR ?= $(BUILD)/deb
deb:
	$(Q)./tools/deb.sh '$(DEBDIR)' '$(GIT_REV)'

clean:
	rm -rf $(BUILD)
