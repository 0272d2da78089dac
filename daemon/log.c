// SPDX-License-Identifier: GPL-2.0-only
/* svm-cxld logging to stderr (journald-aware). See log.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static int level = LOG_INFO;
static int journal_prefix;

void svmd_log_init(void)
{
	const char *e = getenv("SVM_CXLD_LOG");

	journal_prefix = getenv("JOURNAL_STREAM") != NULL;
	if (!e)
		return;
	if (!strcmp(e, "err"))
		level = LOG_ERR;
	else if (!strcmp(e, "warning"))
		level = LOG_WARNING;
	else if (!strcmp(e, "info"))
		level = LOG_INFO;
	else if (!strcmp(e, "debug"))
		level = LOG_DEBUG;
}

void svmd_log_set_level(int priority)
{
	level = priority;
}

int svmd_log_level(void)
{
	return level;
}

void svmd_vlog(int priority, const char *fmt, va_list ap)
{
	static const char *const names[] = {
		[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
		[LOG_ERR] = "error", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
		[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
	};
	char line[2048];

	if (priority > level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (journal_prefix)
		fprintf(stderr, "<%d>%s\n", priority, line);
	else
		fprintf(stderr, "svm-cxld: %s: %s\n", names[priority & 7], line);
}

void svmd_log(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	svmd_vlog(priority, fmt, ap);
	va_end(ap);
}
