// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-cxlctl help [COMMAND]: the man page through man(1) on a terminal; otherwise as
 * plain text, by a small renderer of the roff that asciidoctor writes (the guest has no
 * groff). A tree that was never installed still answers: the page built beside the
 * binary, else the synopsis from the command table. A packaged page is gzipped: man(1)
 * reads it, on a terminal or not.
 */
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct render {
	int indent[16], depth;	/* .RS/.RE stack */
	bool blank;		/* the last line printed was empty */
};

static void newline(struct render *r)
{
	if (!r->blank)
		putchar('\n');
	r->blank = true;
}

/* one text line: escapes resolved, printed at the current indent */
static void text(struct render *r, const char *s)
{
	static const char *const named[][2] = {
		{ "aq", "'" }, { "cq", "'" }, { "oq", "'" }, { "lq", "\"" }, { "rq", "\"" },
		{ "em", "--" }, { "en", "-" }, { "rs", "\\" }, { "bu", "*" }, { "dq", "\"" },
	};
	char out[2048];
	size_t o = 0;

	for (; *s && o < sizeof(out) - 4; s++) {
		if (*s != '\\') {
			out[o++] = *s;
			continue;
		}
		s++;
		if (*s == 'f') {	/* font: \fB, \fI, \fP, \fR, \f(CR */
			if (s[1] == '(' && s[2] && s[3])
				s += 3;
			else if (s[1])
				s++;
		} else if (*s == '(' || (*s == '*' && s[1] == '(')) {	/* \(xx, \*(xx */
			const char *n = *s == '(' ? s + 1 : s + 2;

			for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
				if (n[0] && n[1] && !strncasecmp(n, named[i][0], 2))
					o += snprintf(out + o, sizeof(out) - o, "%s", named[i][1]);
			s = n[0] && n[1] ? n + 1 : n;
		} else if (*s == '-' || *s == '.' || *s == ' ' || *s == '\\' || *s == 'e') {
			out[o++] = *s == 'e' ? '\\' : *s;
		} else if (!*s) {
			break;
		}
		/* \& \% \c \| and the rest print nothing */
	}
	out[o] = '\0';
	printf("%*s%s\n", r->indent[r->depth], "", out);
	r->blank = !out[0];
}

static void request(struct render *r, char *s)
{
	if (!strncmp(s, ".if n ", 6))	/* nroff conditions hold: we are nroff */
		s += 5;
	if (!strncmp(s, ".SH", 3) || !strncmp(s, ".SS", 3)) {
		char *t = s + 3;
		size_t n;

		t += strspn(t, " \"");
		n = strcspn(t, "\"\n");
		newline(r);
		r->depth = 0;
		printf("%s%.*s\n", s[2] == 'S' ? "  " : "", (int)n, t);
		r->blank = true;	/* no gap between a heading and its text */
	} else if (!strncmp(s, ".RS", 3)) {
		if (r->depth < 15) {
			int n = atoi(s + 3);

			r->indent[r->depth + 1] = r->indent[r->depth] + (n > 0 ? n : 4);
			r->depth++;
		}
	} else if (!strncmp(s, ".RE", 3)) {
		if (r->depth > 0)
			r->depth--;
	} else if (!strncmp(s, ".sp", 3) || !strncmp(s, ".PP", 3) || !strncmp(s, ".TP", 3) ||
		   !strncmp(s, ".IP", 3)) {
		newline(r);
	} else if (!strncmp(s, ".B ", 3) || !strncmp(s, ".I ", 3)) {
		text(r, s + 3);
	}
	/* .TH .nf .fi .fam .nh .ad .ss .ie .el .als and the rest: layout only */
}

static int print_page(const char *path)
{
	struct render r = { .indent = { 7 }, .blank = true };
	char line[2048];
	bool skip_macro = false, skip_block = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (skip_macro) {	/* .de NAME ... .. */
			skip_macro = strcmp(line, "..") != 0;
			continue;
		}
		if (skip_block) {	/* \{\ ... .\} */
			skip_block = !strstr(line, "\\}");
			continue;
		}
		if (line[0] == '\'' || !strncmp(line, ".\\\"", 3))
			continue;
		if (!strncmp(line, ".de ", 4)) {
			skip_macro = true;
			continue;
		}
		if (strstr(line, "\\{\\")) {
			skip_block = true;
			continue;
		}
		if (line[0] == '.')
			request(&r, line);
		else
			text(&r, line);
	}
	fclose(f);
	return 0;
}

/* DIR/man1/NAME.1, else NAME.1.gz (what a distribution package installs: dh_compress) */
static bool page_at(char *path, size_t len, const char *dir, const char *name)
{
	snprintf(path, len, "%s/man1/%s.1", dir, name);
	if (!access(path, R_OK))
		return true;
	snprintf(path, len, "%s/man1/%s.1.gz", dir, name);
	return !access(path, R_OK);
}

/* the page @name.1: $SVM_CXL_MANDIR, else beside a binary run from its build tree
 * (build/cli/svm-cxlctl and build/docs/man/), else the installed manual */
static bool find_page(const char *name, char *path, size_t len, char *tried, size_t tlen)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (getenv("SVM_CXL_MANDIR")) {
		bool found = page_at(path, len, getenv("SVM_CXL_MANDIR"), name);

		snprintf(tried, tlen, "%s", path);
		return found;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		snprintf(path, len, "%s/../docs/man/%s.1", dirname(exe), name);
		if (!access(path, R_OK))
			return true;
	}
	bool found = page_at(path, len, SVM_CXL_MANDIR, name);

	snprintf(tried, tlen, "%s", path);
	return found;
}

static bool compressed(const char *path)
{
	size_t n = strlen(path);

	return n > 3 && !strcmp(path + n - 3, ".gz");
}

int cmd_help(int argc, char **argv, struct svm_ctx *ctx)
{
	char page[64], path[PATH_MAX + 64], tried[PATH_MAX + 64];
	const struct cmd *c = NULL;

	if (argc > 2)
		return usage_error("help", "one command at a time");
	if (argc == 2) {
		/* "help --help": this command's own page */
		c = find_cmd(!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ? "help" : argv[1]);
		if (!c) {
			const char *s = suggest_cmd(argv[1]);

			fprintf(stderr, "%s help: no command '%s'%s%s%s; commands:", prog, argv[1],
				s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
			for (size_t i = 0; i < nr_commands; i++)
				fprintf(stderr, " %s", commands[i].name);
			fprintf(stderr, "\n");
			return EXIT_USAGE;
		}
		snprintf(page, sizeof(page), "svm-cxlctl-%s", c->name);
	} else {
		snprintf(page, sizeof(page), "svm-cxlctl");
	}
	if (!find_page(page, path, sizeof(path), tried, sizeof(tried))) {
		/* no manual here: the grammar from the command table still answers */
		if (c)
			printf("Usage: %s %s %s\n  %s\n", prog, c->name, c->synopsis, c->summary);
		else
			usage(stdout);
		fprintf(stderr, "%s help: the manual page %s is not installed (looked for %s)\n",
			prog, page, tried);
		return EXIT_OK;
	}
	if ((isatty(STDOUT_FILENO) && !getenv("SVM_CXL_MANDIR")) || compressed(path)) {
		execlp("man", "man", "-l", path, (char *)NULL);
		/* no man(1): plain text, which the renderer cannot read from a .gz */
		if (compressed(path)) {
			if (c)
				printf("Usage: %s %s %s\n  %s\n", prog, c->name, c->synopsis, c->summary);
			else
				usage(stdout);
			fprintf(stderr, "%s help: %s needs man(1) to be read\n", prog, path);
			return EXIT_OK;
		}
	}
	if (print_page(path)) {
		fprintf(stderr, "%s help: %s: cannot read it\n", prog, path);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
