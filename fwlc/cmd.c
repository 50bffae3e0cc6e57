// SPDX-License-Identifier: MIT
/* cmd.c - helpers shared by the fwlc subcommands (see cmd.h). */
#include "fwlc/cmd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "fwlc/parse.h"

Program *cmd_load(const char *path, Arena *a, Diags *d)
{
	Source *src = source_read(a, path);

	if (!src) {
		int e = errno;
		fprintf(stderr, "%s: error[E%04d]: cannot read the file: %s\n",
			path, e == EFBIG ? ERR_TOO_LARGE : ERR_IO,
			e == EFBIG ? "it is 4 GiB or larger (FWL files "
				     "must be smaller)" : strerror(e));
		return NULL;
	}
	return parse_program(src, a, d);
}

int cmd_common_opt(Diags *d, int argc, char **argv, int i)
{
	const char *a = argv[i];

	if (strcmp(a, "--Werror") == 0) {
		d->werror = true;
		return 1;
	}
	if (strncmp(a, "--format", 8) == 0) {
		const char *v = NULL;
		int used = 1;
		if (a[8] == '=') {
			v = a + 9;
		} else if (a[8] == '\0' && i + 1 < argc) {
			v = argv[i + 1];
			used = 2;
		}
		if (v && strcmp(v, "json") == 0) {
			d->format = DIAG_JSON;
			return used;
		}
		if (v && strcmp(v, "text") == 0) {
			d->format = DIAG_TEXT;
			return used;
		}
		fprintf(stderr, "fwlc: --format takes 'text' or 'json'\n");
		return -1;
	}
	return 0;
}


double cmd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cmd_stats(const char *stage, double seconds)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "fwlc: %-6s %8.3f s   peak RSS %ld KiB\n", stage,
		seconds, ru.ru_maxrss);
}
