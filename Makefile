# whiteout: settings first.
PREFIX   ?= /usr/local
VERSION  ?= 0.1.0
CC       ?= cc
# tsk and libewf come before libfsxfs: each libyal library exports its own
# copy of libcdata/libbfio, the first loaded wins, and libewf crashes on
# closing an E01 with libfsxfs's newer copies.
PKGS     ?= lua5.4 lua5.4-cjson libcrypto tsk libewf zlib libfsxfs libbfio fuse3 devmapper
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter
LIBS_EXTRA ?= -lreadline
# DEVELOPER=1 turns warnings into errors; SANITIZE=1 adds ASan and UBSan.
ifeq ($(DEVELOPER),1)
WARN += -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) $(PKG_CFLAGS) \
              -DWO_VERSION='"$(VERSION)"' -I.

CORE_SRC := $(sort $(wildcard core/*.c))
BIND_SRC := $(sort $(wildcard bindings/*.c))
OBJ := $(patsubst %.c,build/%.o,$(CORE_SRC) $(BIND_SRC) main.c)
CORE_OBJ := $(patsubst %.c,build/%.o,$(CORE_SRC))
HDRS := $(wildcard core/*.h bindings/*.h)

.PHONY: all test bench lint docs clean install sample
all: whiteout

whiteout: $(OBJ)
	$(CC) $(LDFLAGS) -o $@ $(OBJ) $(PKG_LIBS) $(LIBS_EXTRA)

# Each bindings/NAME.c is the module whiteout.NAME (luaopen_whiteout_NAME).
build/modules.h: $(BIND_SRC) Makefile
	@mkdir -p build
	@{ for f in $(BIND_SRC); do n=$$(basename $$f .c); \
	  echo "int luaopen_whiteout_$$n(lua_State *L);"; done; \
	  echo "int luaopen_cjson(lua_State *L);"; \
	  echo "int luaopen_cjson_safe(lua_State *L);"; \
	  echo "struct wo_module { const char *name; lua_CFunction fn; };"; \
	  echo "static const struct wo_module wo_modules[] = {"; \
	  for f in $(BIND_SRC); do n=$$(basename $$f .c); \
	  echo "  {\"whiteout.$$n\", luaopen_whiteout_$$n},"; done; \
	  echo "  {\"cjson\", luaopen_cjson},"; \
	  echo "  {\"cjson.safe\", luaopen_cjson_safe},"; \
	  echo "  {NULL, NULL}};"; } > $@.tmp && mv $@.tmp $@

build/%.o: %.c $(HDRS) build/modules.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# C unit tests link the core without Lua.
build/tests/%: tests/c/%.c $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(CORE_OBJ) $(PKG_LIBS) $(LIBS_EXTRA)

# Bench helpers link the core the same way.
build/bench/%: tests/bench/%.c $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(CORE_OBJ) $(PKG_LIBS) $(LIBS_EXTRA)

test: whiteout
	tests/run

bench: whiteout build/bench/thinread
	tests/bench/run

lint:
	@awk 'length($$0) > 80 {print FILENAME ":" FNR ": over 80 columns"; n++} \
	  END {exit n > 0}' $(CORE_SRC) $(BIND_SRC) $(HDRS) main.c \
	  $$(find scripts playbooks -name '*.lua')
	@for f in $$(find scripts playbooks tests -name '*.lua'); do \
	  luac5.4 -p $$f || exit 1; done
	@echo lint ok

docs:
	@ls docs/*.md

sample: whiteout
	tests/fixtures/make-sample build/sample build/sample-host

install: whiteout
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/whiteout
	install -m 755 whiteout $(DESTDIR)$(PREFIX)/bin/whiteout
	cp -R scripts playbooks $(DESTDIR)$(PREFIX)/share/whiteout/

clean:
	rm -rf build whiteout
