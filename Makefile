# nook — the one build entry point.
#
#   make                 build into $(BUILD)/ (laid out as an install prefix)
#   make check           unit tests + system tests as an unprivileged user
#   make check-asan      the same with AddressSanitizer + UBSan
#   make demo            build, make a busybox image, run a rootless container
#   make install PREFIX=/usr/local DESTDIR=
#   make bench           benchmarks against Podman (bench/README.md)
#   make clean

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
DESTDIR ?=

BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
LDFLAGS ?=

ifeq ($(SANITIZE),1)
CFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

# Dependencies, each named with its Debian package when missing.  For the
# goals that run containers, root gets them installed (the test setup does
# the rest); a user is told exactly what to install.
RUN_GOALS := check check-asan demo bench
ifeq ($(filter clean format format-check,$(MAKECMDGOALS)),)
ifneq ($(filter $(RUN_GOALS),$(MAKECMDGOALS)),)
ifeq ($(shell id -u),0)
DEPS_INSTALL := $(shell contrib/deps.sh install build run test >&2 || echo failed)
ifneq ($(DEPS_INSTALL),)
$(error installing the Debian packages nook needs failed (see above))
endif
else
MISSING_RUN := $(shell contrib/deps.sh run test)
ifneq ($(MISSING_RUN),)
$(error missing tools to run containers and tests; install the Debian packages: sudo apt-get install $(MISSING_RUN))
endif
endif
endif
MISSING := $(shell contrib/deps.sh build)
ifneq ($(MISSING),)
$(error missing build dependencies; install the Debian packages: sudo apt-get install $(MISSING))
endif
endif

# libarchive, libcurl, libcrypto and libsubid are opened with dlopen on first
# use (see pkg/util/lazy.c): only their headers are needed at build time.
soname = $(shell objdump -p "$$($(CC) -print-file-name=$(1))" 2>/dev/null | sed -n 's/^ *SONAME *//p')
SONAMES := -DNOOK_SONAME_ARCHIVE='"$(call soname,libarchive.so)"' \
	   -DNOOK_SONAME_CURL='"$(call soname,libcurl.so)"' \
	   -DNOOK_SONAME_CRYPTO='"$(call soname,libcrypto.so)"' \
	   -DNOOK_SONAME_SUBID='"$(call soname,libsubid.so)"'

PC_LINKED := yajl libcap libseccomp
PC_LAZY := libarchive libcurl libcrypto
NOOK_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral \
	-Wmissing-prototypes -Wstrict-prototypes -Wno-unused-parameter -fno-strict-aliasing \
	-D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Ipkg \
	$(shell pkg-config --cflags $(PC_LINKED) $(PC_LAZY)) $(SONAMES)
LIBS_RUNTIME := $(shell pkg-config --libs yajl libcap libseccomp)
# The same, from Debian's static archives: nook and its helpers run at
# every container start and every command, and each shared library costs
# the dynamic loader a mapping and its relocations at every exec.
LIBS_STATIC := -l:libyajl_s.a -l:libcap.a -l:libseccomp.a
NOOK_LDFLAGS := -Wl,--as-needed -Wl,-z,relro -Wl,-z,now $(LDFLAGS)

PKG_SRC := $(sort $(wildcard pkg/*/*.c))
NOOK_SRC := $(sort $(wildcard cmd/nook/*.c))
MONITOR_SRC := $(sort $(wildcard libexec/monitor/*.c))
RUNTIME_SRC := $(sort $(wildcard libexec/runtime/*.c))
INIT_SRC := $(sort $(wildcard libexec/init/*.c))
HELPER_SRC := $(sort $(wildcard libexec/common/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test-*.c))
HEADERS := $(wildcard pkg/*/*.h cmd/nook/*.h libexec/*/*.h tests/unit/*.h)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIBNOOK := $(BUILD)/lib/libnook.a
NOOK := $(BUILD)/bin/nook
HELPERS := $(BUILD)/libexec/nook/nook-monitor $(BUILD)/libexec/nook/nook-runtime \
	   $(BUILD)/libexec/nook/nook-init
UNITS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRC))
DATA := $(BUILD)/share/nook/seccomp.json

all: $(NOOK) $(HELPERS) $(DATA)

ifneq ($(V),1)
Q := @
endif

$(BUILD)/obj/%.o: %.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC    $<")
	$(Q)$(CC) $(NOOK_CFLAGS) $(CFLAGS) -c -o $@ $<

$(LIBNOOK): $(call obj,$(PKG_SRC))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR    $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(NOOK): $(call obj,$(NOOK_SRC)) $(LIBNOOK)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD    $@")
	$(Q)$(CC) $(CFLAGS) $(NOOK_LDFLAGS) -o $@ $^ $(LIBS_STATIC)

# nook-monitor and nook-runtime start with every container, on the path
# of `run`: linked statically, they spend no time in the dynamic loader
# (about 1 ms of each exec on a small virtual machine).  They load no
# library (libexec/common/lazy-none.c stands in for pkg/util/lazy.c) and
# look up no user through NSS (nook hands the monitor its ids): static
# glibc could not do either safely.  AddressSanitizer needs the dynamic
# loader: SANITIZE builds link them as nook.
ifeq ($(SANITIZE),1)
HELPER_LDFLAGS = $(NOOK_LDFLAGS)
HELPER_LIBS = $(LIBS_RUNTIME)
else
HELPER_LDFLAGS = -static-pie $(NOOK_LDFLAGS)
HELPER_LIBS = $(LIBS_STATIC)
endif

$(BUILD)/libexec/nook/nook-monitor: $(call obj,$(MONITOR_SRC) $(HELPER_SRC)) $(LIBNOOK)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD    $@")
	$(Q)$(CC) $(CFLAGS) $(HELPER_LDFLAGS) -o $@ $^ $(HELPER_LIBS)

$(BUILD)/libexec/nook/nook-runtime: $(call obj,$(RUNTIME_SRC) $(HELPER_SRC)) $(LIBNOOK)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD    $@")
	$(Q)$(CC) $(CFLAGS) $(HELPER_LDFLAGS) -o $@ $^ $(HELPER_LIBS)

# nook-init runs inside containers, whose images have no libc of ours:
# static, and never sanitized.
$(BUILD)/libexec/nook/nook-init: $(INIT_SRC)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD    $@")
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -static -o $@ $^

$(BUILD)/share/nook/%: contrib/%
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(LIBNOOK)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD    $@")
	$(Q)$(CC) $(CFLAGS) $(NOOK_LDFLAGS) -o $@ $^ $(LIBS_RUNTIME)

unit: $(UNITS)

# The test images, built from Debian's busybox-static.
fixtures: $(BUILD)/fixtures/.stamp
$(BUILD)/fixtures/.stamp: $(wildcard tests/fixtures/*)
	tests/fixtures/build-images.sh $(BUILD)/fixtures
	tests/fixtures/build-hostile.sh $(BUILD)/fixtures
	touch $@

check: all unit fixtures
	tests/run-tests.sh "$(BUILD)"

check-asan:
	$(MAKE) BUILD=build-asan SANITIZE=1 check

format-check:
	@out=$$(for f in $(PKG_SRC) $(NOOK_SRC) $(MONITOR_SRC) $(RUNTIME_SRC) $(INIT_SRC) \
		$(UNIT_SRC) $(HEADERS); do clang-format --dry-run "$$f" 2>&1; done); \
	if [ -n "$$out" ]; then echo "$$out" | grep -m 20 warning; \
		echo "clang-format: files differ from .clang-format (run make format)"; exit 1; fi

format:
	clang-format -i $(PKG_SRC) $(NOOK_SRC) $(MONITOR_SRC) $(RUNTIME_SRC) $(INIT_SRC) \
		$(UNIT_SRC) $(HEADERS)

demo: all fixtures
	contrib/demo.sh "$(BUILD)"

bench: all fixtures
	bench/startup.sh "$(BUILD)"
	bench/images.sh "$(BUILD)"
	bench/pull.sh "$(BUILD)"
	bench/runtime.sh "$(BUILD)"
	bench/lifecycle.sh "$(BUILD)"
	bench/userns.sh "$(BUILD)"
	bench/network.sh "$(BUILD)"

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR)/nook $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DATADIR)/nook $(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(NOOK) $(DESTDIR)$(BINDIR)/nook
	install -m 0755 $(HELPERS) $(DESTDIR)$(LIBEXECDIR)/nook/
	install -m 0644 $(DATA) $(DESTDIR)$(DATADIR)/nook/
	$(if $(wildcard man/*.1),install -m 0644 $(wildcard man/*.1) $(DESTDIR)$(MANDIR)/man1/)
	$(if $(wildcard man/*.5),install -m 0644 $(wildcard man/*.5) $(DESTDIR)$(MANDIR)/man5/)
	$(if $(wildcard contrib/completion/bash/nook),install -m 0644 contrib/completion/bash/nook $(DESTDIR)$(BASHCOMPDIR)/nook)

clean:
	rm -rf build build-asan

.PHONY: all unit fixtures check check-asan format-check format demo bench install clean
.DELETE_ON_ERROR:
.SECONDARY:
