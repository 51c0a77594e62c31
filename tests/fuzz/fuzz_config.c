// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Fuzz target: the config loader, file bytes -> YAML -> struct xlb_config
 * -> validation (xlb_config_load, what xlbd --check-config and SIGHUP run).
 * The input is the file, NULs and invalid UTF-8 included (through a
 * memfd, so the loader reads it as it reads /etc/xlb/xlb.yaml).
 *
 * Properties, beyond "no sanitizer report":
 *  - refused: -EINVAL with at least one error, every one "FILE: ..." (the
 *    file's name first), nothing owned;
 *  - accepted: the dump loads back to an equal config (globals and every
 *    service), and dumping that gives the same text.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

static char *dump(const struct xlb_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	fuzz_assert(f, "open_memstream");
	err = xlb_config_dump(c, f);
	fclose(f);
	fuzz_assert(!err, "an accepted config cannot be dumped: %d", err);
	return buf;
}

static void check_roundtrip(const struct xlb_config *c)
{
	struct xlb_config_errors errs = {};
	struct xlb_config back;
	char *text = dump(c), *again;
	int err;

	err = xlb_config_load_str("dump", text, &back, &errs);
	fuzz_assert(!err, "the dump of an accepted config is refused: %s\n%s",
		    errs.n ? errs.v[0].msg : "?", text);
	fuzz_assert(xlb_config_globals_equal(c, &back),
		    "globals differ after a dump and load:\n%s", text);
	fuzz_assert(c->n_services == back.n_services,
		    "%zu services, %zu after a dump and load", c->n_services,
		    back.n_services);
	for (size_t i = 0; i < c->n_services; i++)
		fuzz_assert(xlb_service_conf_equal(&c->services[i],
						   &back.services[i]),
			    "service %s differs after a dump and load:\n%s",
			    c->services[i].name, text);
	again = dump(&back);
	fuzz_assert(!strcmp(text, again), "dump not stable:\n%s\n--\n%s", text,
		    again);
	free(again);
	free(text);
	xlb_config_free(&back);
	xlb_config_errors_free(&errs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xlb_config_errors errs = {};
	struct xlb_config c;
	char path[64];
	int fd, err;

	fd = memfd_create("xlb.yaml", MFD_CLOEXEC);
	fuzz_assert(fd >= 0, "memfd_create: %s", strerror(errno));
	fuzz_assert(write(fd, data, size) == (ssize_t)size, "write");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err = xlb_config_load(path, &c, &errs);
	close(fd);
	if (err) {
		fuzz_assert(err == -EINVAL || err == -ENOMEM,
			    "unexpected error %d", err);
		fuzz_assert(errs.n > 0, "refused without a message");
		fuzz_assert(!c.services && !c.n_services,
			    "a refused config owns services");
		for (size_t i = 0; i < errs.n; i++)
			fuzz_assert(
				!strncmp(errs.v[i].msg, path, strlen(path)) &&
					errs.v[i].msg[strlen(path)] == ':',
				"error without the file name: %s",
				errs.v[i].msg);
	} else {
		check_roundtrip(&c);
		xlb_config_free(&c);
	}
	xlb_config_errors_free(&errs);
	return 0;
}
