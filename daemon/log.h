/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * svm-cxld logging: one line per message on stderr. Under systemd (JOURNAL_STREAM set)
 * each line carries a "<N>" syslog priority prefix that journald turns into the entry's
 * priority; otherwise "svm-cxld: LEVEL: message". The level comes from --verbose or
 * SVM_CXLD_LOG=err|warning|info|debug (default info).
 */
#ifndef SVMD_LOG_H
#define SVMD_LOG_H

#include <stdarg.h>
#include <syslog.h>

void svmd_log_init(void);
void svmd_log_set_level(int priority);
int svmd_log_level(void);
void svmd_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void svmd_vlog(int priority, const char *fmt, va_list ap);

#define log_err(...)	svmd_log(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	svmd_log(LOG_WARNING, __VA_ARGS__)
#define log_info(...)	svmd_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	svmd_log(LOG_DEBUG, __VA_ARGS__)

#endif
