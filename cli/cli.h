/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SVM_CXLCTL_H_
#define _SVM_CXLCTL_H_

#include <stdio.h>
#include <json-c/json.h>
#include <libsvmcxl.h>

/* Exit codes: stable, listed with their meaning in exit-codes.h. */
enum {
#define SVM_EXIT(name, value, meaning) name = value,
#include "exit-codes.h"
#undef SVM_EXIT
};

/* flags for the *_to_json() renderers; list's -v levels set them cumulatively */
enum {
	JSON_HUMAN = 1 << 0,	/* -u: sizes as "256.00 MiB (268.44 MB)", hex addresses */
	JSON_TARGETS = 1 << 1,	/* -T, -v: region mappings, window targets */
	JSON_VERBOSE = 1 << 2,	/* -v: movable, memory tier, node page counts */
	JSON_MEMBLOCKS = 1 << 3,	/* -vv: every memory block with state and zone */
	JSON_HOLDERS = 1 << 4,	/* -vvv: processes with pages on the node (/proc scan) */
};

struct json_object *memdev_to_json(struct svm_memdev *m, unsigned long flags);
struct json_object *decoder_to_json(struct svm_root_decoder *d, unsigned long flags);
struct json_object *region_to_json(struct svm_region *r, unsigned long flags);
struct json_object *dax_to_json(struct svm_dax *d, unsigned long flags);
struct json_object *pool_to_json(struct svm_pool *p, unsigned long flags);
struct json_object *preflight_to_json(struct svm_region *r, const struct svm_preflight *pf);
void print_json(struct json_object *o);

/* one entry of the command table (commands.h) */
struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct svm_ctx *ctx);
	bool privileged;
	const char *synopsis;	/* what follows the name */
	const char *summary;
};
extern const struct cmd commands[];
extern const size_t nr_commands;
const struct cmd *find_cmd(const char *name);
/* the command @word was probably meant to be, or NULL */
const char *suggest_cmd(const char *word);
/* "Usage:" with the grammar and exit codes, from the tables */
void usage(FILE *f);

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
int cmd_run(int argc, char **argv, struct svm_ctx *ctx);
int cmd_top(int argc, char **argv, struct svm_ctx *ctx);
int cmd_grant(int argc, char **argv, struct svm_ctx *ctx);
int cmd_revoke(int argc, char **argv, struct svm_ctx *ctx);
int cmd_migrate(int argc, char **argv, struct svm_ctx *ctx);

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
struct option;
/* the long option of @opts nearest to @word ("--memdve" -> "--memdev"), or NULL */
const char *suggest_option(const char *word, const struct option *opts);
/* "unknown option WORD; did you mean ...?" and EXIT_USAGE */
int unknown_option(const char *cmd, const char *word, const struct option *opts);
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
