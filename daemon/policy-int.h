/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside the policy parser: the policy object and the parser state shared by the
 * sections' files (policy.c: [defaults], [rule], the file; policy-place.c: [place]).
 */
#ifndef SVM_POLICY_INT_H
#define SVM_POLICY_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

#define MAX_LIST 16
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct svm_rule;

struct svm_policy {
	enum svm_policy_mode expander_mode;
	enum svm_policy_mode accelerator_mode;
	enum svm_policy_zone zone;
	int isolate;
	struct svm_rule *rules;
	size_t nr_rules;
	struct svm_place_rule *place;
	size_t nr_place;
	unsigned int place_interval;	/* seconds */
	unsigned int place_rate;	/* MiB/s */
};

/* parser state */
struct parser {
	const char *name;
	int line;
	char *err;
	size_t errlen;
	struct svm_policy *policy;
	struct svm_rule *rule;		/* section being read, NULL in [defaults] */
	struct svm_place_rule *place;	/* [place] section being read */
	bool in_section;
	bool in_defaults;
	unsigned seen;			/* bit per key index: duplicates are errors */
	bool seen_defaults;
};

/* "NAME:LINE: message" into the parser's error buffer; returns -EINVAL */
int policy_fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *policy_trim(char *s);
/* Space- or comma-separated words of @value (cut in place) into @words. */
int policy_split_list(struct parser *p, const char *key, char *value, char **words, int *count);
/* The same, each word strdup()ed into @dst. */
int policy_copy_strings(struct parser *p, const char *key, char *value, char **dst, int *count);
/* The NAME of [@kind "NAME"] (@quoted as written): unquoted in place into *@name. */
int policy_section_name(struct parser *p, const char *kind, char *quoted, char **name);

/* policy-place.c: [place "NAME"] sections */
extern const char *const policy_place_keys[];
int policy_place_start(struct parser *p, char *quoted);
int policy_place_key(struct parser *p, const char *key, char *value);
/* the section just read is complete (a pool, something to match) */
int policy_place_check(struct parser *p);
void policy_place_free(struct svm_place_rule *r);

#endif
