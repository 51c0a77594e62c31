# xlb build. Everything lands under build/. `make V=1` shows the commands.
#
# Layout the rules below pick up by wildcard (add a file, no Makefile edit):
#   bpf/*.bpf.c      -> build/<name>.bpf.o + build/<name>.skel.h
#   user/lib/*.c     -> build/libxlb.a (what the daemon and the CLI both need)
#   user/xlbd/*.c    -> build/xlbd
#   user/xlbctl/*.c  -> build/xlbctl (all but main.c also in build/libxlbctl.a,
#                       which the unit tests link)
#   tools/lib/*.c    -> build/libxlbtools.a (packet builder, HTTP tokens:
#                       shared by tools and tests only)
#   tools/*.c        -> build/tools/<name> (one program per file)
#   tests/lib/*.c    -> test framework, linked into both test binaries
#   tests/unit/*.c   -> build/tests/test_unit
#   tests/bpf/*.c    -> build/tests/test_bpf (BPF_PROG_TEST_RUN packet tests)

BUILD    ?= build
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
ARCH     := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

PKGS     := libbpf libxdp yaml-0.1 json-c libmnl libmicrohttpd
# CFLAGS is the user's (make CFLAGS=-O0); the project's own flags are apart,
# so overriding CFLAGS never drops an include path or a warning.
CFLAGS   ?= -O2 -g
XLB_CFLAGS := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	    -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser/lib -Iuser/xlbctl \
	    -Itools/lib -Itests/lib -I$(BUILD) \
	    $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
XLB_LDLIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lelf -lz -lm
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

USER_OBJS  := $(LIB_OBJS) $(XLBD_OBJS) $(CTL_MAIN) $(CTLLIB_OBJS) $(TOOLLIB_OBJS) \
	      $(patsubst $(BUILD)/tools/%,$(BUILD)/tools/%.o,$(TOOLS)) \
	      $(TLIB_OBJS) $(UNIT_OBJS) $(TBPF_OBJS)

PROGS := $(if $(XLBD_OBJS),$(BUILD)/xlbd) $(BUILD)/xlbctl
TESTS := $(if $(UNIT_OBJS),$(BUILD)/tests/test_unit) \
	 $(if $(TBPF_OBJS),$(BUILD)/tests/test_bpf)

.PHONY: all deps test demo bench lab-up lab-down clean
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BPF_OBJS) $(BPF_SKELS) $(LIB) $(PROGS) $(TOOLS) $(TESTS)

deps:
	$(Q)./tools/deps.sh

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./tests/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./tools/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./tools/bench.sh

$(BUILD)/%.bpf.o: bpf/%.bpf.c
	@mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

# The skeletons are generated headers: they must exist before the first
# compile (order only); after that the .d files say who includes them.
$(BUILD)/%.o: %.c | $(BPF_SKELS)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(XLB_CFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
$(CTLLIB): $(CTLLIB_OBJS)
$(TOOLLIB): $(TOOLLIB_OBJS)
$(LIB) $(CTLLIB) $(TOOLLIB):
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

link = $(CC) $(XLB_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(XLB_LDLIBS) $(LDLIBS)

$(BUILD)/xlbd: $(XLBD_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(link)

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

-include $(USER_OBJS:.o=.d) $(BPF_OBJS:.o=.d)

lab-up: all
	$(Q)./tools/lab.sh up

lab-down:
	$(Q)./tools/lab.sh down

clean:
	rm -rf $(BUILD)
