# gazelab: one plain Makefile.
#
#   make            build/gazelab and build/gaze/core.so
#   make test       every C and Lua test (installs missing packages first)
#   make asan       the same tests built with AddressSanitizer + UBSan
#   make demo       the main job on the built-in synthetic reader study
#   make bench      benchmarks in tests/bench (installs python3-torch)
#   make install PREFIX=/usr/local
#   make fuzz FUZZ_SECONDS=600   libFuzzer harnesses (tests/fuzz), each run that long
#
# Switches: DEBUG=1 (no optimisation), ASAN=1 (sanitizers), BUILD=dir,
#           V=1 (show full compiler command lines).

PREFIX  ?= /usr/local
DEBUG   ?= 0
ASAN    ?= 0
BUILD   ?= build
CC      ?= cc
PYTHON  ?= /usr/bin/python3

DEB_PKGS  = liblua5.4-dev lua5.4 libyaml-dev libdnnl-dev libpng-dev libjpeg-dev \
            libcjson-dev libcairo2-dev pkg-config
TEST_PKGS = python3-numpy
BENCH_PKGS = python3-torch python3-torchvision libopenblas0-pthread valgrind

PKG_CFLAGS = -I/usr/include/lua5.4 -I/usr/include/libpng16 -I/usr/include/cjson \
             $(shell pkg-config --cflags cairo 2>/dev/null)
LIBS_NOLUA = -lyaml -lpng16 -ljpeg -lcjson -lcairo -ldnnl -lm -lpthread
LIBS       = -llua5.4 $(LIBS_NOLUA)

WARN    = -Wall -Wextra -Wshadow -Wconversion -Wmissing-prototypes -Wno-sign-conversion
OPT     = -O2
ifeq ($(DEBUG),1)
OPT     = -O0
endif
SAN     =
ifeq ($(ASAN),1)
SAN     = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT     = -O1
endif
# FUZZ=1 (set by `make fuzz`, with CC=clang): coverage for libFuzzer.
FUZZ    ?= 0
ifeq ($(FUZZ),1)
SAN    += -fsanitize=fuzzer-no-link
endif
# -ffp-contract=off: no fused multiply-adds, so similarity decisions are exact (spec).
CFLAGS  ?= $(OPT) -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -fPIC -pthread -ffp-contract=off $(WARN) $(SAN) $(CFLAGS) \
             $(PKG_CFLAGS) -I$(BUILD)/gen
LDFLAGS_ALL = $(SAN) -pthread $(LDFLAGS)

CORE_SRC = $(sort $(wildcard runtime/core/*.c))
LUA_SRC  = $(sort $(wildcard runtime/lua/*.c))
CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
LUA_OBJ  = $(LUA_SRC:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ = $(BUILD)/obj/runtime/main.o
CTEST_SRC = $(sort $(wildcard tests/c/test_*.c))
CTEST_BIN = $(CTEST_SRC:tests/c/%.c=$(BUILD)/tests/%)
FUZZ_SRC  = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES = $(FUZZ_SRC:tests/fuzz/%.c=%)
# Replay programs: each harness with a plain main() that runs the files
# named on its command line (tests/lua/test_fuzz_regressions.lua).
FUZZ_REPLAY = $(FUZZ_NAMES:%=$(BUILD)/fuzz/replay_%)
FUZZ_SECONDS ?= 60
LUA_MODULES = $(patsubst runtime/lua/l_%.c,%,$(filter runtime/lua/l_%.c,$(LUA_SRC)))

DEPS_STAMP = $(BUILD)/.deps-ok

ifeq ($(V),1)
Q =
SAY = @true
else
Q = @
SAY = @printf '  %-4s %s\n'
endif

.PHONY: all deps test-deps bench-deps test asan demo bench install clean docs fuzz fuzz-build

all: $(BUILD)/gazelab $(BUILD)/gaze/core.so

# Debian packages: installed when missing; every build target depends on it.
deps: $(DEPS_STAMP)
$(DEPS_STAMP): tools/deps.sh
	@sh tools/deps.sh $(DEB_PKGS)
	@mkdir -p $(BUILD) && touch $@
test-deps: deps
	@sh tools/deps.sh $(TEST_PKGS)
bench-deps: deps
	@sh tools/deps.sh $(BENCH_PKGS)

# The list of binding modules, one per runtime/lua/l_NAME.c.
$(BUILD)/gen/modules.h: $(LUA_SRC) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@printf '%s\n' $(foreach m,$(LUA_MODULES),'GZ_LUA_MODULE($(m))') > $@.tmp
	@cmp -s $@.tmp $@ 2>/dev/null && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(SAY) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LUA_OBJ): $(BUILD)/gen/modules.h

$(BUILD)/gazelab: $(MAIN_OBJ) $(CORE_OBJ) $(LUA_OBJ)
	$(SAY) LINK $@
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

# The module for a stand-alone lua5.4: symbols of liblua come from the interpreter.
$(BUILD)/gaze/core.so: $(CORE_OBJ) $(LUA_OBJ)
	@mkdir -p $(dir $@)
	$(SAY) LINK $@
	$(Q)$(CC) -shared $(LDFLAGS_ALL) -o $@ $^ $(LIBS_NOLUA)

$(BUILD)/tests/%: tests/c/%.c $(wildcard tests/c/*.h) $(CORE_OBJ) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(SAY) TEST $@
	$(Q)$(CC) $(ALL_CFLAGS) -Iruntime/core -o $@ $< $(CORE_OBJ) $(LDFLAGS_ALL) $(LIBS_NOLUA)

test: all test-deps $(CTEST_BIN) $(FUZZ_REPLAY)
	@BUILD=$(BUILD) PYTHON=$(PYTHON) sh tests/run.sh

$(BUILD)/fuzz/replay_%: tests/fuzz/%.c tests/fuzz/replay_main.c $(wildcard tests/fuzz/*.h) \
                       $(CORE_OBJ) $(LUA_OBJ) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(SAY) LINK $@
	$(Q)$(CC) $(ALL_CFLAGS) -DGZ_FUZZ_LIB='"$(CURDIR)/lib"' -o $@ $< tests/fuzz/replay_main.c \
	    $(CORE_OBJ) $(LUA_OBJ) $(LDFLAGS_ALL) $(LIBS)

# libFuzzer: every harness built with clang, ASan and UBSan into build-fuzz,
# then run one after the other for FUZZ_SECONDS each (tests/fuzz/run.sh).
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang ASAN=1 FUZZ=1 fuzz-build
	@sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_NAMES)
fuzz-build: $(FUZZ_NAMES:%=$(BUILD)/fuzz/%)
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(CORE_OBJ) $(LUA_OBJ) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(SAY) FUZZ $@
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -DGZ_FUZZ_LIB='"$(CURDIR)/lib"' -o $@ $< \
	    $(CORE_OBJ) $(LUA_OBJ) $(LDFLAGS_ALL) -fsanitize=fuzzer $(LIBS)

asan:
	$(MAKE) BUILD=build-asan ASAN=1 test

demo: all
	@sh tools/demo.sh $(BUILD)

# docs/recipe-reference.md is generated from grammar/recipe.yaml (a test fails when stale).
docs: all
	@$(BUILD)/gazelab run tools/gen_recipe_reference.lua

bench: all bench-deps
	@BUILD=$(BUILD) PYTHON=$(PYTHON) sh tests/bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/lua/5.4/gaze \
	           $(DESTDIR)$(PREFIX)/share/gazelab
	install -m 755 $(BUILD)/gazelab $(DESTDIR)$(PREFIX)/bin/gazelab
	install -m 644 $(BUILD)/gaze/core.so $(DESTDIR)$(PREFIX)/lib/lua/5.4/gaze/core.so
	cp -R lib recipes docs grammar $(DESTDIR)$(PREFIX)/share/gazelab/

clean:
	rm -rf build build-asan build-fuzz

-include $(CORE_OBJ:.o=.d) $(LUA_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)
