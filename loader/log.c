// SPDX-License-Identifier: MIT
/* log.c - see log.h. */
#include "loader/log.h"

#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>

enum log_level log_max_level = LOG_LVL_INFO;

static const char *const prefix[] = {
	[LOG_LVL_ERR] = "error: ",
	[LOG_LVL_WARN] = "warning: ",
	[LOG_LVL_INFO] = "",
	[LOG_LVL_DEBUG] = "debug: ",
};

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;
	if (lvl > log_max_level)
		return;
	fprintf(stderr, "fwld: %s", prefix[lvl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	/* libbpf's warnings are useful context for our own error lines. */
	if (level == LIBBPF_DEBUG && log_max_level < LOG_LVL_DEBUG)
		return 0;
	if (level != LIBBPF_DEBUG && log_max_level < LOG_LVL_WARN)
		return 0;
	fputs("fwld: libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
