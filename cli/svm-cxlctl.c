// SPDX-License-Identifier: GPL-2.0-only
/* svm-cxlctl: command table, grammar, shared helpers. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "cli.h"

const char *prog = "svm-cxlctl";

const struct cmd commands[] = {
#define SVM_CMD(name, fn, privileged, synopsis, summary) \
	{ name, fn, privileged, synopsis, summary },
#include "commands.h"
#undef SVM_CMD
};
const size_t nr_commands = sizeof(commands) / sizeof(commands[0]);

static const struct {
	int code;
	const char *meaning;
} exit_codes[] = {
#define SVM_EXIT(name, value, meaning) { value, meaning },
#include "exit-codes.h"
#undef SVM_EXIT
};

/* iproute2's habit: the grammar, then one line per command */
void usage(FILE *f)
{
	int col;

	fprintf(f, "Usage: %s COMMAND [OBJECT...] [OPTIONS]\n"
		   "       %s help [COMMAND]\n"
		   "       %s --version | --list-cmds\n", prog, prog, prog);
	col = fprintf(f, "where  COMMAND := {");
	for (size_t i = 0; i < nr_commands; i++) {
		int w = strlen(commands[i].name) + 3;

		if (col + w > 80)
			col = fprintf(f, "\n                   ");
		col += fprintf(f, " %s%s", commands[i].name, i + 1 < nr_commands ? " |" : " }\n");
	}
	fprintf(f, "       OBJECT  := { regionN | memN }\n\n");
	for (size_t i = 0; i < nr_commands; i++)
		fprintf(f, "  %s %s\n", commands[i].name, commands[i].synopsis);
	fprintf(f, "\nExit status:\n");
	for (size_t i = 0; i < sizeof(exit_codes) / sizeof(exit_codes[0]); i++) {
		const char *m = exit_codes[i].meaning;

		/* wrapped at 80 columns, continuation lines under the text */
		fprintf(f, "  %d  ", exit_codes[i].code);
		while (strlen(m) > 75) {
			int cut = 75;

			while (cut > 0 && m[cut] != ' ')
				cut--;
			fprintf(f, "%.*s\n     ", cut, m);
			m += cut + 1;
		}
		fprintf(f, "%s\n", m);
	}
}

/* a cheap distance for "did you mean" */
static int distance(const char *a, const char *b)
{
	int la = strlen(a), lb = strlen(b), d[32][32];

	if (la > 30 || lb > 30)
		return 99;
	for (int i = 0; i <= la; i++)
		d[i][0] = i;
	for (int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (int i = 1; i <= la; i++)
		for (int j = 1; j <= lb; j++) {
			int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			d[i][j] = c;
		}
	return d[la][lb];
}

const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < nr_commands; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

const char *suggest_cmd(const char *word)
{
	static const char *const aliases[][2] = {
		{ "ls", "list" }, { "show", "list" }, { "create", "create-region" },
		{ "destroy", "destroy-region" }, { "delete", "destroy-region" },
		{ "remove", "destroy-region" }, { "enable", "online" }, { "disable", "offline" },
		{ "check", "doctor" },
	};
	const char *best = NULL;
	int bd = 3;

	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(word, aliases[i][0]))
			return aliases[i][1];
	for (size_t i = 0; i < nr_commands; i++) {
		int d = distance(word, commands[i].name);

		if (d < bd || (!strncmp(word, commands[i].name, strlen(word)) && strlen(word) >= 2 &&
			       d < 99 && !best)) {
			bd = d < bd ? d : bd;
			best = commands[i].name;
		}
	}
	return best;
}

const char *suggest_option(const char *word, const struct option *opts)
{
	static char buf[64];
	const char *w = word + strspn(word, "-"), *best = NULL;
	int bd = 3;

	if (word[0] != '-' || word[1] != '-')
		return NULL;	/* short options are one letter: nothing to guess from */
	for (; opts->name; opts++) {
		int d = distance(w, opts->name);

		if (d < bd) {
			bd = d;
			best = opts->name;
		}
	}
	if (!best)
		return NULL;
	snprintf(buf, sizeof(buf), "--%s", best);
	return buf;
}

int unknown_option(const char *cmd, const char *word, const struct option *opts)
{
	const char *s = suggest_option(word, opts);

	if (s)
		return usage_error(cmd, "unknown option '%s'; did you mean '%s'? (see 'svm-cxlctl help %s')",
				   word, s, cmd);
	return usage_error(cmd, "unknown option '%s'; see 'svm-cxlctl help %s'", word, cmd);
}

int errno_to_exit(int rc)
{
	switch (-rc) {
	case 0: return EXIT_OK;
	case EINVAL: return EXIT_USAGE;
	case ENODEV: case ENOENT: return EXIT_NOTFOUND;
	case EBUSY: case EEXIST: case EADDRINUSE: return EXIT_BUSY;
	case EPERM: case EACCES: return EXIT_PERM;
	/* ENOPKG: the library could not find a kernel module (libkmod lookup) */
	case EOPNOTSUPP: case EPROTO: case ENOPKG: return EXIT_UNSUPPORTED;
	case ETIMEDOUT: case EINTR: return EXIT_TIMEOUT;
	default: return EXIT_FAIL;
	}
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", prog, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return EXIT_USAGE;
}

int report_failure(const char *cmd, struct svm_ctx *ctx, int rc)
{
	const char *msg = svm_get_error(ctx);
	int code = errno_to_exit(rc);

	/* the code follows the errno alone, never the message; a library EINVAL after the
	 * CLI validated the arguments is a refused operation, not bad usage */
	if (code == EXIT_USAGE)
		code = EXIT_FAIL;
	fprintf(stderr, "%s %s: %s\n", prog, cmd, msg[0] ? msg : strerror(-rc));
	return code;
}

void print_notes(struct svm_ctx *ctx, bool verbose)
{
	const char *n = svm_get_notes(ctx);

	if (!n[0])
		return;
	/* warnings always, the rest with -v */
	if (verbose) {
		fprintf(stderr, "%s", n);
		return;
	}
	for (const char *l = n; *l;) {
		const char *e = strchr(l, '\n');
		int len = e ? (int)(e - l) : (int)strlen(l);

		if (!strncmp(l, "warning:", 8) || strstr(l, "nothing to do"))
			fprintf(stderr, "%.*s\n", len, l);
		l += len + (e ? 1 : 0);
	}
}

bool parse_uint(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > 0xffffffffUL)
		return false;
	*out = v;
	return true;
}

struct svm_region *lookup_region(struct svm_ctx *ctx, const char *cmd, const char *name,
				 int *code)
{
	struct svm_region *r;
	struct svm_memdev *m;

	if (!strncmp(name, "region", 6)) {
		r = svm_region_get_by_name(ctx, name);
		if (r)
			return r;
		fprintf(stderr, "%s %s: %s: no such region; 'svm-cxlctl list -R' shows them\n",
			prog, cmd, name);
		*code = EXIT_NOTFOUND;
		return NULL;
	}
	if (!strncmp(name, "mem", 3)) {
		m = svm_memdev_get_by_name(ctx, name);
		if (!m) {
			fprintf(stderr, "%s %s: %s: no such memdev; 'svm-cxlctl list -M' shows them\n",
				prog, cmd, name);
			*code = EXIT_NOTFOUND;
			return NULL;
		}
		r = svm_memdev_get_region(m);
		if (r)
			return r;
		fprintf(stderr, "%s %s: %s has no region; create one (svm-cxlctl create-region %s)\n",
			prog, cmd, name, name);
		*code = EXIT_NOTFOUND;
		return NULL;
	}
	fprintf(stderr, "%s %s: '%s' is neither a region (regionN) nor a memdev (memN)\n", prog,
		cmd, name);
	*code = EXIT_USAGE;
	return NULL;
}

static bool has_cap_sys_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };

	if (syscall(SYS_capget, &h, d))
		return geteuid() == 0;
	return d[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32));
}

static bool have_privilege;

int need_privilege(const char *cmd)
{
	if (have_privilege)
		return 0;
	fprintf(stderr, "%s %s: needs CAP_SYS_ADMIN (run as root)\n", prog, cmd);
	return EXIT_PERM;
}

static bool cli_wants_help(int argc, char **argv)
{
	/* what follows "--" is not ours ('svm-cxlctl run ... -- CMD --help') */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const struct cmd *c;
	struct svm_ctx *ctx;
	int rc;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("%s\n", SVM_CXL_VERSION);
		return EXIT_OK;
	}
	/* for the bash completion, as ndctl/git have it */
	if (!strcmp(argv[1], "--list-cmds")) {
		for (size_t i = 0; i < nr_commands; i++)
			printf("%s\n", commands[i].name);
		return EXIT_OK;
	}
	c = find_cmd(argv[1]);
	if (!c) {
		const char *s = suggest_cmd(argv[1]);

		if (s)
			fprintf(stderr, "%s: unknown command '%s'; did you mean '%s'? ('%s help' lists commands)\n",
				prog, argv[1], s, prog);
		else
			fprintf(stderr, "%s: unknown command '%s'; '%s help' lists commands\n", prog,
				argv[1], prog);
		return EXIT_USAGE;
	}
	if (c->fn != cmd_help && cli_wants_help(argc - 1, argv + 1)) {
		char *hargv[] = { "help", (char *)c->name, NULL };

		return cmd_help(2, hargv, NULL);
	}
	rc = svm_new(&ctx);
	if (rc) {
		fprintf(stderr, "%s: cannot create a context: %s\n", prog, strerror(-rc));
		return EXIT_FAIL;
	}
	/* the CLI prints the library's error sentence itself; log only when asked */
	if (!getenv("SVM_CXL_LOG"))
		svm_set_log_priority(ctx, -1);
	/* privileged commands check their arguments first (bad usage wins), then call
	 * need_privilege() before changing anything */
	have_privilege = has_cap_sys_admin();
	rc = c->fn(argc - 1, argv + 1, ctx);
	svm_unref(ctx);
	return rc;
}
