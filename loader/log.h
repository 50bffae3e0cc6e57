/* SPDX-License-Identifier: MIT */
/* log.h - fwld's logger: stderr (journald reads it) with a level prefix. */
#ifndef FWL_LOADER_LOG_H
#define FWL_LOADER_LOG_H

enum log_level {
	LOG_LVL_ERR,	/* "error: " something failed */
	LOG_LVL_WARN,	/* "warning: " degraded but running */
	LOG_LVL_INFO,	/* progress an operator wants to see */
	LOG_LVL_DEBUG,	/* -v: details, including libbpf's own messages */
};

extern enum log_level log_max_level;

void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Route libbpf's print callback through log_msg (debug lines at -v only). */
void log_setup_libbpf(void);

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
