# xlb build. Everything lands under build/. `make V=1` shows the commands.
#
# Layout the rules below pick up by wildcard (add a file, no Makefile edit):
#   bpf/*.bpf.c      -> build/<name>.bpf.o + build/<name>.skel.h
#   user/lib/*.c     -> build/libxlb.a (daemon, CLI, tools and tests link it)
#   user/xlbd/*.c    -> build/xlbd
#   user/xlbctl/*.c  -> build/xlbctl
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
CFLAGS   ?= -O2 -g
CFLAGS   += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	    -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser/lib -Itests/lib -I$(BUILD) \
	    $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lelf -lz -lm
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
BPF_HDRS   := $(wildcard bpf/lib/*.h) $(wildcard include/*.h)

LIB_SRCS   := $(wildcard user/lib/*.c)
LIB_OBJS   := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
LIB        := $(BUILD)/libxlb.a
XLBD_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard user/xlbd/*.c))
XLBCTL_OBJS:= $(patsubst %.c,$(BUILD)/%.o,$(wildcard user/xlbctl/*.c))
TOOLS      := $(patsubst tools/%.c,$(BUILD)/tools/%,$(wildcard tools/*.c))
TLIB_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/lib/*.c))
UNIT_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/unit/*.c))
TBPF_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/bpf/*.c))

PROGS := $(if $(XLBD_OBJS),$(BUILD)/xlbd) $(if $(XLBCTL_OBJS),$(BUILD)/xlbctl)
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

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS)
	@mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

# Every user-space object may include any skeleton.
$(BUILD)/%.o: %.c $(BPF_SKELS) $(wildcard include/*.h user/lib/*.h user/xlbd/*.h tests/lib/*.h tests/bpf/*.h)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/xlbd: $(XLBD_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/xlbctl: $(XLBCTL_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tools/%: $(BUILD)/tools/%.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lpthread

$(BUILD)/tests/test_unit: $(UNIT_OBJS) $(TLIB_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/test_bpf: $(TBPF_OBJS) $(TLIB_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

lab-up: all
	$(Q)./tools/lab.sh up

lab-down:
	$(Q)./tools/lab.sh down

clean:
	rm -rf $(BUILD)
