// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Policy file parsing and the mode decision. See policy.h and docs/policy.md.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <pwd.h>

#include <libsvmcxl.h>

#include "policy.h"

#define MAX_LIST 16

struct svm_rule {
	char *name;
	int line;
	/* match keys; a count of 0 means "not stated, matches anything" */
	uint64_t serial[MAX_LIST];
	int nr_serial;
	char *pci[MAX_LIST];
	int nr_pci;
	char *host_bridge[MAX_LIST];
	int nr_host_bridge;
	char *region[MAX_LIST];
	int nr_region;
	bool has_size;
	uint64_t size_min, size_max;
	enum svm_policy_class class;
	/* actions */
	enum svm_policy_mode mode;
	enum svm_policy_zone zone;
	int isolate;			/* 0 not stated, ISOLATE_NO, ISOLATE_YES */
	char *grant[MAX_LIST];		/* cgroups granted the isolated node */
	int nr_grant;
};

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

static const char *const mode_names[] = {
	[SVM_POLICY_MODE_COHERENT] = "coherent",
	[SVM_POLICY_MODE_NUMA] = "numa",
	[SVM_POLICY_MODE_DEVDAX] = "devdax",
	[SVM_POLICY_MODE_IGNORE] = "ignore",
};

static const char *const zone_names[] = {
	[SVM_POLICY_ZONE_MOVABLE] = "movable",
	[SVM_POLICY_ZONE_NORMAL] = "normal",
};

enum { ISOLATE_NO = 1, ISOLATE_YES };
static const char *const isolate_names[] = {
	[ISOLATE_NO] = "no",
	[ISOLATE_YES] = "yes",
};

static const char *const class_names[] = {
	[SVM_POLICY_CLASS_EXPANDER] = "expander",
	[SVM_POLICY_CLASS_ACCELERATOR] = "accelerator",
};

static const char *const defaults_keys[] = { "expander", "accelerator", "zone", "isolate",
					     "place-interval", "place-rate", NULL };
static const char *const place_keys[] = { "cgroup", "exe", "uid", "pool", "scope", NULL };
static const char *const rule_keys[] = { "serial", "pci", "host-bridge", "region", "size",
					 "class", "mode", "zone", "isolate", "grant", "tier",
					 NULL };

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int lookup_name(const char *const *names, size_t n, const char *word)
{
	for (size_t i = 1; i < n; i++)
		if (names[i] && strcmp(names[i], word) == 0)
			return (int)i;
	return 0;
}

const char *svm_policy_mode_name(enum svm_policy_mode mode)
{
	return (unsigned)mode < ARRAY_SIZE(mode_names) && mode_names[mode] ? mode_names[mode] : "invalid";
}

const char *svm_policy_zone_name(enum svm_policy_zone zone)
{
	return (unsigned)zone < ARRAY_SIZE(zone_names) && zone_names[zone] ? zone_names[zone] : "default";
}

const char *svm_policy_class_name(enum svm_policy_class class)
{
	return (unsigned)class < ARRAY_SIZE(class_names) && class_names[class] ? class_names[class] : "unknown";
}

/* ---- parser state ---- */

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

static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(p->err, p->errlen, "%s:%d: ", p->name, p->line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < p->errlen)
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64];

	if (lb >= ARRAY_SIZE(row) || la >= 64)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* "unknown key 'serail' (did you mean 'serial'?); expected one of: ..." */
static int fail_unknown(struct parser *p, const char *what, const char *word,
			const char *const *choices, size_t nr_choices)
{
	char list[256] = "";
	const char *close = NULL;
	unsigned best = 3;

	for (size_t i = 0; i < nr_choices; i++) {
		unsigned d;

		if (!choices[i])
			continue;
		d = edit_distance(word, choices[i]);
		if (d < best) {
			best = d;
			close = choices[i];
		}
		if (list[0])
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, choices[i], sizeof(list) - strlen(list) - 1);
	}
	if (close)
		return fail(p, "unknown %s '%s' (did you mean '%s'?); expected one of: %s", what, word,
			    close, list);
	return fail(p, "unknown %s '%s'; expected one of: %s", what, word, list);
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* A '#' or ';' starts a comment at the start of a line or after whitespace. */
static void strip_comment(char *s)
{
	for (char *c = s; *c; c++)
		if ((*c == '#' || *c == ';') && (c == s || isspace((unsigned char)c[-1]))) {
			*c = '\0';
			return;
		}
}

static int parse_enum(struct parser *p, const char *key, const char *value,
		      const char *const *names, size_t n, int *out)
{
	int v = lookup_name(names, n, value);

	if (!v) {
		char what[64];

		snprintf(what, sizeof(what), "%s value", key);
		return fail_unknown(p, what, value, names, n);
	}
	*out = v;
	return 0;
}

/* Space- or comma-separated words into list[]. */
static int split_list(struct parser *p, const char *key, char *value, char **words, int *count)
{
	char *save = NULL;

	*count = 0;
	for (char *w = strtok_r(value, " ,\t", &save); w; w = strtok_r(NULL, " ,\t", &save)) {
		if (*count == MAX_LIST)
			return fail(p, "%s: at most %d values", key, MAX_LIST);
		words[(*count)++] = w;
	}
	if (!*count)
		return fail(p, "%s: expected a value", key);
	return 0;
}

static int copy_strings(struct parser *p, const char *key, char *value, char **dst, int *count)
{
	char *words[MAX_LIST];
	int rc = split_list(p, key, value, words, count);

	if (rc)
		return rc;
	for (int i = 0; i < *count; i++) {
		dst[i] = strdup(words[i]);
		if (!dst[i])
			return fail(p, "out of memory");
	}
	return 0;
}

static int parse_size_range(struct parser *p, char *value, struct svm_rule *r)
{
	char *dash = strchr(value, '-');
	int rc = 0;

	r->size_min = 0;
	r->size_max = UINT64_MAX;
	if (!dash) {
		rc = svm_parse_size(value, &r->size_min);
		r->size_max = r->size_min;
	} else {
		*dash = '\0';
		char *lo = trim(value), *hi = trim(dash + 1);

		if (!*lo && !*hi)
			rc = -EINVAL;
		if (!rc && *lo)
			rc = svm_parse_size(lo, &r->size_min);
		if (!rc && *hi)
			rc = svm_parse_size(hi, &r->size_max);
	}
	if (rc)
		return fail(p, "size: expected SIZE, MIN-MAX, MIN- or -MAX with sizes like 256M or 1G");
	if (r->size_min > r->size_max)
		return fail(p, "size: the minimum is larger than the maximum");
	r->has_size = true;
	return 0;
}

static int key_index(const char *const *keys, const char *key)
{
	for (int i = 0; keys[i]; i++)
		if (strcmp(keys[i], key) == 0)
			return i;
	return -1;
}

/* A whole number in [@min, @max], or a message naming @key and @unit. */
static int parse_uint_key(struct parser *p, const char *key, const char *value, unsigned int min,
			  unsigned int max, const char *unit, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno || *end || !isdigit((unsigned char)value[0]) || v < min || v > max)
		return fail(p, "%s: '%s': expected %s from %u to %u", key, value, unit, min, max);
	*out = (unsigned int)v;
	return 0;
}

static int set_defaults_key(struct parser *p, const char *key, char *value)
{
	struct svm_policy *pol = p->policy;
	int v, rc;

	if (strcmp(key, "place-interval") == 0)
		return parse_uint_key(p, key, value, 1, 86400, "seconds", &pol->place_interval);
	if (strcmp(key, "place-rate") == 0)
		return parse_uint_key(p, key, value, 1, 1u << 20, "MiB/s", &pol->place_rate);

	if (strcmp(key, "zone") == 0 || strcmp(key, "isolate") == 0) {
		bool zone = !strcmp(key, "zone");

		rc = zone ? parse_enum(p, key, value, zone_names, ARRAY_SIZE(zone_names), &v) :
			    parse_enum(p, key, value, isolate_names, ARRAY_SIZE(isolate_names), &v);
		if (zone)
			pol->zone = v;
		else
			pol->isolate = v;
		if (!rc && pol->zone == SVM_POLICY_ZONE_NORMAL && pol->isolate == ISOLATE_YES)
			rc = fail(p, "[defaults]: 'isolate = yes' needs zone movable (ZONE_NORMAL takes kernel allocations, which no cpuset keeps off)");
		return rc;
	}
	rc = parse_enum(p, key, value, mode_names, ARRAY_SIZE(mode_names), &v);
	if (strcmp(key, "expander") == 0)
		pol->expander_mode = v;
	else
		pol->accelerator_mode = v;
	return rc;
}

static int set_rule_key(struct parser *p, const char *key, char *value)
{
	struct svm_rule *r = p->rule;
	char *words[MAX_LIST];
	int v, rc;

	if (strcmp(key, "serial") == 0) {
		rc = split_list(p, key, value, words, &r->nr_serial);
		for (int i = 0; !rc && i < r->nr_serial; i++) {
			char *end;

			/* decimal, or hex with 0x: never octal (docs/policy.md) */
			bool hex = words[i][0] == '0' && (words[i][1] == 'x' || words[i][1] == 'X');

			errno = 0;
			r->serial[i] = strtoull(words[i], &end, hex ? 16 : 10);
			if (errno || *end || !isdigit((unsigned char)words[i][0]))
				rc = fail(p, "serial: '%s' is not a number (decimal or 0x hex)", words[i]);
		}
		return rc;
	}
	if (strcmp(key, "pci") == 0)
		return copy_strings(p, key, value, r->pci, &r->nr_pci);
	if (strcmp(key, "host-bridge") == 0)
		return copy_strings(p, key, value, r->host_bridge, &r->nr_host_bridge);
	if (strcmp(key, "region") == 0)
		return copy_strings(p, key, value, r->region, &r->nr_region);
	if (strcmp(key, "size") == 0)
		return parse_size_range(p, value, r);
	if (strcmp(key, "class") == 0) {
		rc = parse_enum(p, key, value, class_names, ARRAY_SIZE(class_names), &v);
		r->class = v;
		return rc;
	}
	if (strcmp(key, "mode") == 0) {
		rc = parse_enum(p, key, value, mode_names, ARRAY_SIZE(mode_names), &v);
		r->mode = v;
		return rc;
	}
	if (strcmp(key, "zone") == 0) {
		rc = parse_enum(p, key, value, zone_names, ARRAY_SIZE(zone_names), &v);
		r->zone = v;
		return rc;
	}
	if (strcmp(key, "isolate") == 0) {
		rc = parse_enum(p, key, value, isolate_names, ARRAY_SIZE(isolate_names), &v);
		r->isolate = v;
		return rc;
	}
	if (strcmp(key, "grant") == 0) {
		rc = copy_strings(p, key, value, r->grant, &r->nr_grant);
		for (int i = 0; !rc && i < r->nr_grant; i++)
			if (!strcmp(r->grant[i], "/") || strstr(r->grant[i], ".."))
				rc = fail(p, "grant: '%s': expected a cgroup below the root (/sys/fs/cgroup/NAME, /NAME or NAME), without '..'",
					  r->grant[i]);
		return rc;
	}
	/* tier: refused rather than accepted and ignored. Linux has no interface that puts
	 * a node in a memory tier; kmem derives it from the platform's performance data. */
	return fail(p, "tier: not supported: Linux offers no way to place a node in a memory tier (kmem derives it from HMAT/CDAT performance data); remove the key");
}

/* uids as numbers or user names (resolved now: a name nobody has is refused) */
static int parse_uids(struct parser *p, char *value, struct svm_place_rule *r)
{
	char *words[MAX_LIST];
	int rc = split_list(p, "uid", value, words, &r->nr_uid);

	for (int i = 0; !rc && i < r->nr_uid; i++) {
		struct passwd *pw;
		unsigned long v;
		char *end;

		errno = 0;
		v = strtoul(words[i], &end, 10);
		if (isdigit((unsigned char)words[i][0]) && !*end && !errno && v < UINT32_MAX) {
			r->uid[i] = (uint32_t)v;
			continue;
		}
		pw = getpwnam(words[i]);
		if (!pw)
			return fail(p, "uid: '%s' is neither a number nor a known user", words[i]);
		r->uid[i] = pw->pw_uid;
	}
	return rc;
}

static int set_place_key(struct parser *p, const char *key, char *value)
{
	struct svm_place_rule *r = p->place;
	int rc;

	if (strcmp(key, "cgroup") == 0) {
		rc = copy_strings(p, key, value, r->cgroup, &r->nr_cgroup);
		for (int i = 0; !rc && i < r->nr_cgroup; i++) {
			char *c = r->cgroup[i];
			size_t n;

			/* as /proc/PID/cgroup shows it: /sys/fs/cgroup and a trailing / cut off */
			if (!strncmp(c, "/sys/fs/cgroup", 14) && (!c[14] || c[14] == '/'))
				memmove(c, c + 14, strlen(c + 14) + 1);
			n = strlen(c);
			while (n > 1 && c[n - 1] == '/')
				c[--n] = '\0';
			if (c[0] != '/' || strstr(c, ".."))
				rc = fail(p, "cgroup: '%s': expected an absolute cgroup v2 path (/system.slice/db.service or /sys/fs/cgroup/...), without '..'",
					  r->cgroup[i]);
		}
		return rc;
	}
	if (strcmp(key, "exe") == 0) {
		rc = copy_strings(p, key, value, r->exe, &r->nr_exe);
		for (int i = 0; !rc && i < r->nr_exe; i++)
			if (r->exe[i][0] != '/')
				rc = fail(p, "exe: '%s': expected an absolute path (as /proc/PID/exe shows)",
					  r->exe[i]);
		return rc;
	}
	if (strcmp(key, "uid") == 0)
		return parse_uids(p, value, r);
	if (strcmp(key, "pool") == 0) {
		const char *d = value + 6;

		if (strncmp(value, "region", 6) || !*d || strspn(d, "0123456789") != strlen(d))
			return fail(p, "pool: '%s': expected a region name like region0 (its coherent pool)",
				    value);
		r->region = strdup(value);
		return r->region ? 0 : fail(p, "out of memory");
	}
	/* scope = all | above SIZE */
	if (strcmp(value, "all") == 0) {
		r->scope = SVM_PLACE_SCOPE_ALL;
		return 0;
	}
	if (strncmp(value, "above", 5) == 0 && isspace((unsigned char)value[5])) {
		if (svm_parse_size(trim(value + 5), &r->min_size) || !r->min_size)
			return fail(p, "scope: 'above %s': expected a size like 2M or 1G", trim(value + 5));
		r->scope = SVM_PLACE_SCOPE_ABOVE;
		return 0;
	}
	return fail(p, "scope: '%s': expected 'all' or 'above SIZE' (mappings of at least SIZE)",
		    value);
}

static int check_place(struct parser *p)
{
	struct svm_place_rule *r = p->place;
	int line = p->line, rc = 0;

	if (!r)
		return 0;
	p->line = r->line;
	if (!r->region)
		rc = fail(p, "place \"%s\" has no 'pool' (the region whose coherent pool takes the memory)",
			  r->name);
	else if (!r->nr_cgroup && !r->nr_exe && !r->nr_uid)
		rc = fail(p, "place \"%s\" matches every process; give cgroup, exe or uid", r->name);
	if (!r->scope)
		r->scope = SVM_PLACE_SCOPE_ALL;
	p->line = line;
	return rc;
}

/* A finished rule must say what to do, and only what applies to that mode. */
static int check_rule(struct parser *p)
{
	struct svm_rule *r = p->rule;
	int line = p->line;
	int rc = 0;

	if (!r)
		return 0;
	p->line = r->line;
	if (!r->mode)
		rc = fail(p, "rule \"%s\" has no 'mode' (coherent, numa, devdax or ignore)", r->name);
	else if (!r->nr_serial && !r->nr_pci && !r->nr_host_bridge && !r->nr_region &&
		 !r->has_size && !r->class)
		rc = fail(p, "rule \"%s\" matches nothing in particular; put the fallback in [defaults]",
			  r->name);
	else if (r->mode != SVM_POLICY_MODE_NUMA && r->zone)
		rc = fail(p, "rule \"%s\": 'zone' applies to mode numa only, not %s",
			  r->name, svm_policy_mode_name(r->mode));
	else if (r->mode != SVM_POLICY_MODE_NUMA && r->isolate)
		rc = fail(p, "rule \"%s\": 'isolate' applies to mode numa only, not %s",
			  r->name, svm_policy_mode_name(r->mode));
	else if (r->isolate == ISOLATE_YES && r->zone == SVM_POLICY_ZONE_NORMAL)
		rc = fail(p, "rule \"%s\": 'isolate = yes' needs zone movable (ZONE_NORMAL takes kernel allocations, which no cpuset keeps off)",
			  r->name);
	else if (r->nr_grant && r->isolate != ISOLATE_YES)
		rc = fail(p, "rule \"%s\": 'grant' needs 'isolate = yes' (a node that is not isolated is everybody's)",
			  r->name);
	p->line = line;
	return rc;
}

static bool valid_rule_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

/* The NAME of [@kind "NAME"] (@quoted as written): unquoted in place into *@name. */
static int section_name(struct parser *p, const char *kind, char *quoted, char **name)
{
	size_t len = strlen(quoted);

	if (len < 2 || quoted[0] != '"' || quoted[len - 1] != '"')
		return fail(p, "%s names are quoted: [%s \"NAME\"]", kind, kind);
	quoted[len - 1] = '\0';
	*name = quoted + 1;
	if (!valid_rule_name(*name))
		return fail(p, "%s name '%s': use letters, digits, '_', '.', '-'", kind, *name);
	return 0;
}

/* [place "NAME"]: @quoted as written */
static int start_place(struct parser *p, char *quoted)
{
	struct svm_policy *pol = p->policy;
	struct svm_place_rule *place;
	char *name;
	int rc = section_name(p, "place", quoted, &name);

	if (rc)
		return rc;
	for (size_t i = 0; i < pol->nr_place; i++)
		if (strcmp(pol->place[i].name, name) == 0)
			return fail(p, "place \"%s\" already defined at line %d", name, pol->place[i].line);
	place = realloc(pol->place, (pol->nr_place + 1) * sizeof(*place));
	if (!place)
		return fail(p, "out of memory");
	pol->place = place;
	p->place = &place[pol->nr_place++];
	memset(p->place, 0, sizeof(*p->place));
	p->place->line = p->line;
	p->place->name = strdup(name);
	return p->place->name ? 0 : fail(p, "out of memory");
}

static int start_section(struct parser *p, char *header)
{
	size_t len = strlen(header);
	struct svm_policy *pol = p->policy;
	char *inner, *name;
	int rc;

	rc = check_rule(p);
	if (!rc)
		rc = check_place(p);
	if (rc)
		return rc;
	if (len < 2 || header[len - 1] != ']')
		return fail(p, "expected a section header like [defaults] or [rule \"NAME\"]");
	header[len - 1] = '\0';
	inner = trim(header + 1);
	p->in_section = true;
	p->seen = 0;
	p->rule = NULL;
	p->place = NULL;
	p->in_defaults = false;

	if (strcmp(inner, "defaults") == 0) {
		if (p->seen_defaults)
			return fail(p, "a second [defaults] section");
		p->seen_defaults = true;
		p->in_defaults = true;
		return 0;
	}
	if (strncmp(inner, "place", 5) == 0 && isspace((unsigned char)inner[5]))
		return start_place(p, trim(inner + 5));
	if (strncmp(inner, "rule", 4) != 0 || !isspace((unsigned char)inner[4])) {
		static const char *const sections[] = { "defaults", "rule", "place", NULL };
		char word[32];

		snprintf(word, sizeof(word), "%.*s", (int)strcspn(inner, " \t"), inner);
		return fail_unknown(p, "section", word, sections, 3);
	}
	rc = section_name(p, "rule", trim(inner + 4), &name);
	if (rc)
		return rc;
	for (size_t i = 0; i < pol->nr_rules; i++)
		if (strcmp(pol->rules[i].name, name) == 0)
			return fail(p, "rule \"%s\" already defined at line %d", name, pol->rules[i].line);

	struct svm_rule *rules = realloc(pol->rules, (pol->nr_rules + 1) * sizeof(*rules));

	if (!rules)
		return fail(p, "out of memory");
	pol->rules = rules;
	p->rule = &rules[pol->nr_rules++];
	memset(p->rule, 0, sizeof(*p->rule));
	p->rule->line = p->line;
	p->rule->name = strdup(name);
	if (!p->rule->name)
		return fail(p, "out of memory");
	return 0;
}

static int parse_assignment(struct parser *p, char *line)
{
	const char *const *keys = p->in_defaults ? defaults_keys : p->place ? place_keys : rule_keys;
	char *eq = strchr(line, '=');
	char *key, *value;
	int idx;

	if (!p->in_section)
		return fail(p, "settings must follow a section header ([defaults] or [rule \"NAME\"])");
	if (!eq)
		return fail(p, "expected 'KEY = VALUE'");
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	idx = key_index(keys, key);
	if (idx < 0) {
		size_t n = 0;

		while (keys[n])
			n++;
		return fail_unknown(p, p->in_defaults ? "key in [defaults]" :
				    p->place ? "key in a [place] section" : "key in a rule", key, keys, n);
	}
	if (p->seen & (1u << idx))
		return fail(p, "'%s' given twice in this section", key);
	p->seen |= 1u << idx;
	if (!*value)
		return fail(p, "%s: expected a value", key);
	if (p->place)
		return set_place_key(p, key, value);
	return p->in_defaults ? set_defaults_key(p, key, value) : set_rule_key(p, key, value);
}

struct svm_policy *svm_policy_default(void)
{
	struct svm_policy *pol = calloc(1, sizeof(*pol));

	if (!pol)
		return NULL;
	pol->expander_mode = SVM_POLICY_MODE_NUMA;
	pol->accelerator_mode = SVM_POLICY_MODE_COHERENT;
	pol->zone = SVM_POLICY_ZONE_MOVABLE;
	pol->place_interval = SVM_PLACE_INTERVAL_S;
	pol->place_rate = SVM_PLACE_RATE_MIB;
	return pol;
}

struct svm_policy *svm_policy_parse(const char *text, const char *name, char *err, size_t errlen)
{
	struct parser p = { .name = name, .err = err, .errlen = errlen };
	char *copy, *raw;
	int rc = 0;

	if (errlen)
		err[0] = '\0';
	p.policy = svm_policy_default();
	copy = strdup(text);
	if (!p.policy || !copy) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto fail;
	}
	/* strsep, not strtok: empty lines must still count for line numbers */
	for (char *cursor = copy; (raw = strsep(&cursor, "\n")) && !rc;) {
		char *line;

		p.line++;
		strip_comment(raw);
		line = trim(raw);
		if (!*line)
			continue;
		if (*line == '[')
			rc = start_section(&p, line);
		else
			rc = parse_assignment(&p, line);
	}
	if (!rc)
		rc = check_rule(&p);
	if (!rc)
		rc = check_place(&p);
	free(copy);
	if (rc)
		goto fail;
	return p.policy;
fail:
	svm_policy_free(p.policy);
	return NULL;
}

struct svm_policy *svm_policy_load(const char *path, char *err, size_t errlen)
{
	struct svm_policy *pol;
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	FILE *mem = open_memstream(&text, &len);
	char buf[4096];
	size_t n;

	if (!mem) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, mem);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		fclose(f);
		fclose(mem);
		free(text);
		return NULL;
	}
	fclose(f);
	fclose(mem);
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "%s: not a text file", path);
		free(text);
		return NULL;
	}
	pol = svm_policy_parse(text, path, err, errlen);
	free(text);
	return pol;
}

static void free_rule(struct svm_rule *r)
{
	for (int i = 0; i < r->nr_pci; i++)
		free(r->pci[i]);
	for (int i = 0; i < r->nr_host_bridge; i++)
		free(r->host_bridge[i]);
	for (int i = 0; i < r->nr_region; i++)
		free(r->region[i]);
	for (int i = 0; i < r->nr_grant; i++)
		free(r->grant[i]);
	free(r->name);
}

static void free_place(struct svm_place_rule *r)
{
	for (int i = 0; i < r->nr_cgroup; i++)
		free(r->cgroup[i]);
	for (int i = 0; i < r->nr_exe; i++)
		free(r->exe[i]);
	free(r->region);
	free(r->name);
}

void svm_policy_free(struct svm_policy *pol)
{
	if (!pol)
		return;
	for (size_t i = 0; i < pol->nr_rules; i++)
		free_rule(&pol->rules[i]);
	free(pol->rules);
	for (size_t i = 0; i < pol->nr_place; i++)
		free_place(&pol->place[i]);
	free(pol->place);
	free(pol);
}

size_t svm_policy_rule_count(const struct svm_policy *pol)
{
	return pol->nr_rules;
}

size_t svm_policy_place_count(const struct svm_policy *pol)
{
	return pol->nr_place;
}

const struct svm_place_rule *svm_policy_place_at(const struct svm_policy *pol, size_t i)
{
	return i < pol->nr_place ? &pol->place[i] : NULL;
}

unsigned int svm_policy_place_interval(const struct svm_policy *pol)
{
	return pol->place_interval;
}

unsigned int svm_policy_place_rate(const struct svm_policy *pol)
{
	return pol->place_rate;
}

static bool in_list(char *const *list, int n, const char *word)
{
	if (!word)
		return false;
	for (int i = 0; i < n; i++)
		if (strcasecmp(list[i], word) == 0)
			return true;
	return false;
}

static bool device_matches(const struct svm_rule *r, const struct svm_policy_device *dev)
{
	if (r->nr_serial) {
		bool hit = false;

		for (int i = 0; dev->has_serial && i < r->nr_serial; i++)
			hit |= r->serial[i] == dev->serial;
		if (!hit)
			return false;
	}
	if (r->nr_pci && !in_list(r->pci, r->nr_pci, dev->pci))
		return false;
	if (r->nr_host_bridge && !in_list(r->host_bridge, r->nr_host_bridge, dev->host_bridge))
		return false;
	if (r->class && r->class != (dev->class ? dev->class : SVM_POLICY_CLASS_EXPANDER))
		return false;
	return true;
}

static bool rule_matches(const struct svm_rule *r, const struct svm_policy_subject *s)
{
	bool dev_keys = r->nr_serial || r->nr_pci || r->nr_host_bridge || r->class;
	bool hit = !dev_keys;

	for (unsigned int i = 0; dev_keys && i < s->nr_devices && i < SVM_POLICY_MAX_DEVICES; i++)
		hit |= device_matches(r, &s->devices[i]);
	if (!hit)
		return false;
	if (r->nr_region && !in_list(r->region, r->nr_region, s->region))
		return false;
	if (r->has_size && (s->size < r->size_min || s->size > r->size_max))
		return false;
	return true;
}

void svm_policy_decide(const struct svm_policy *pol, const struct svm_policy_subject *s,
		       struct svm_policy_decision *d)
{
	int isolate = 0;

	d->zone = SVM_POLICY_ZONE_DEFAULT;
	d->isolate = false;
	d->grants = NULL;
	d->nr_grants = 0;
	for (size_t i = 0; i < pol->nr_rules; i++) {
		const struct svm_rule *r = &pol->rules[i];

		if (!rule_matches(r, s))
			continue;
		d->mode = r->mode;
		d->zone = r->zone;
		d->rule = r->name;
		isolate = r->isolate;
		d->grants = (const char *const *)r->grant;
		d->nr_grants = (unsigned int)r->nr_grant;
		goto zone;
	}
	d->mode = s->class == SVM_POLICY_CLASS_ACCELERATOR ? pol->accelerator_mode : pol->expander_mode;
	d->rule = "defaults";
zone:
	if (d->mode != SVM_POLICY_MODE_NUMA)
		d->zone = SVM_POLICY_ZONE_DEFAULT;
	else if (d->zone == SVM_POLICY_ZONE_DEFAULT)
		d->zone = pol->zone ? pol->zone : SVM_POLICY_ZONE_MOVABLE;
	/* a rule's isolate wins; unstated, [defaults] says; never for a normal zone */
	if (!isolate)
		isolate = pol->isolate;
	d->isolate = d->mode == SVM_POLICY_MODE_NUMA && d->zone == SVM_POLICY_ZONE_MOVABLE &&
		     isolate == ISOLATE_YES;
}
