/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SVM_CXLCTL_H_
#define _SVM_CXLCTL_H_

#include <json-c/json.h>
#include <libsvmcxl.h>

/* Exit codes: stable, documented in docs/cli.md and svm-cxlctl(1). */
enum {
	EXIT_OK = 0,		/* done, or nothing to do */
	EXIT_FAIL = 1,		/* the operation failed; the object was left as it was */
	EXIT_USAGE = 2,		/* bad command line; nothing was changed */
	EXIT_NOTFOUND = 3,	/* a named object does not exist */
	EXIT_BUSY = 4,		/* the memory is in use or in another mode */
	EXIT_PERM = 5,		/* needs CAP_SYS_ADMIN */
	EXIT_UNSUPPORTED = 6,	/* a kernel module or feature is missing */
	EXIT_TIMEOUT = 7,	/* a deadline passed */
};

/* flags for the *_to_json() renderers */
enum {
	JSON_VERBOSE = 1 << 0,	/* memory blocks, node and pool page counts */
	JSON_HUMAN = 1 << 1,	/* sizes as "256.00 MiB", addresses in hex */
};

struct json_object *memdev_to_json(struct svm_memdev *m, unsigned long flags);
struct json_object *decoder_to_json(struct svm_root_decoder *d, unsigned long flags);
struct json_object *region_to_json(struct svm_region *r, unsigned long flags);
struct json_object *dax_to_json(struct svm_dax *d, unsigned long flags);
struct json_object *pool_to_json(struct svm_pool *p, unsigned long flags);
struct json_object *preflight_to_json(struct svm_region *r, const struct svm_preflight *pf);
void print_json(struct json_object *o);

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct svm_ctx *ctx);
	const char *summary;
	bool privileged;
};

int cmd_list(int argc, char **argv, struct svm_ctx *ctx);
int cmd_online(int argc, char **argv, struct svm_ctx *ctx);
int cmd_offline(int argc, char **argv, struct svm_ctx *ctx);
int cmd_convert(int argc, char **argv, struct svm_ctx *ctx);
int cmd_create_region(int argc, char **argv, struct svm_ctx *ctx);
int cmd_destroy_region(int argc, char **argv, struct svm_ctx *ctx);
int cmd_status(int argc, char **argv, struct svm_ctx *ctx);
int cmd_doctor(int argc, char **argv, struct svm_ctx *ctx);
int cmd_help(int argc, char **argv, struct svm_ctx *ctx);
int cmd_plan(int argc, char **argv, struct svm_ctx *ctx);
int cmd_monitor(int argc, char **argv, struct svm_ctx *ctx);
int cmd_daemon(int argc, char **argv, struct svm_ctx *ctx);

/* Record an operator hold (daemon/holds.h) on memdevs / a region's memdevs before acting:
 * svm-cxld's policy leaves them alone until 'svm-cxlctl daemon release'. Call with the
 * lock held. 0, or EXIT_FAIL with a message (then do not act). */
int cli_hold_memdevs(const char *cmd, struct svm_memdev **mds, int n, const char *state);
int cli_hold_region(const char *cmd, struct svm_region *r, const char *state);

/* helpers (svm-cxlctl.c) */
extern const char *prog;
int errno_to_exit(int rc);
/* print "svm-cxlctl CMD: message" (stderr) and return @code */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int report_failure(const char *cmd, struct svm_ctx *ctx, int rc);
void print_notes(struct svm_ctx *ctx, bool verbose);
/*
 * Take the svm-cxl lock (shared with svm-cxld) for a command that changes state, held
 * until exit. From then on SIGINT, SIGTERM, SIGHUP and SIGQUIT are deferred to exit, so a
 * step is finished or rolled back, never cut in half. A save of auto_online_blocks that a
 * dead holder left is restored. With @hold_knob, auto_online_blocks is held at offline
 * (daemon/knob.h) until exit. 0 or an exit code (message printed).
 */
int take_lock(struct svm_ctx *ctx, const char *cmd, bool hold_knob);
/* 0, or EXIT_PERM with a message when the caller lacks CAP_SYS_ADMIN */
int need_privilege(const char *cmd);
/* a region named "regionN", or the region of memdev "memN"; NULL + message if none */
struct svm_region *lookup_region(struct svm_ctx *ctx, const char *cmd, const char *name,
				 int *exit_code);
bool parse_uint(const char *s, unsigned int *out);

#endif
