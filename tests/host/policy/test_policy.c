// SPDX-License-Identifier: LGPL-2.1-or-later
/* Host unit tests of the policy parser and the mode decision. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsvmcxl.h>

#include "policy.h"
#include "../check.h"


static char err[512];

static struct svm_policy *parse(const char *text)
{
	return svm_policy_parse(text, "p.conf", err, sizeof(err));
}

/* The text must be rejected with an error that contains every given word. */
static void rejects(const char *text, const char *want1, const char *want2)
{
	struct svm_policy *pol = parse(text);

	CHECK(pol == NULL, "accepted: %s", text);
	svm_policy_free(pol);
	CHECK(strstr(err, want1) != NULL, "error '%s' lacks '%s'", err, want1);
	if (want2)
		CHECK(strstr(err, want2) != NULL, "error '%s' lacks '%s'", err, want2);
}

/* a subject of one device */
#define DEV(...) .nr_devices = 1, .devices = { { __VA_ARGS__ } }

static struct svm_policy_decision decide(const struct svm_policy *pol, struct svm_policy_subject s)
{
	struct svm_policy_decision d;

	svm_policy_decide(pol, &s, &d);
	return d;
}

static void test_sizes(void)
{
	uint64_t b;

	CHECK(svm_parse_size("4096", &b) == 0 && b == 4096, "plain");
	CHECK(svm_parse_size("256M", &b) == 0 && b == 256ull << 20, "M");
	CHECK(svm_parse_size("1G", &b) == 0 && b == 1ull << 30, "G");
	CHECK(svm_parse_size("2GiB", &b) == 0 && b == 2ull << 30, "GiB");
	CHECK(svm_parse_size("0x1000", &b) == 0 && b == 4096, "hex");
	CHECK(svm_parse_size("1X", &b) == -EINVAL, "bad suffix");
	CHECK(svm_parse_size("", &b) == -EINVAL, "empty");
	CHECK(svm_parse_size("-1", &b) == -EINVAL, "negative");
	CHECK(svm_parse_size("99999999999T", &b) == -ERANGE, "overflow");
}

static void test_defaults(void)
{
	struct svm_policy *pol = parse("# nothing but a comment\n\n");
	struct svm_policy_decision d;

	CHECK(pol && svm_policy_rule_count(pol) == 0, "empty file parses: %s", err);
	d = decide(pol, (struct svm_policy_subject){ .class = SVM_POLICY_CLASS_EXPANDER });
	CHECK(d.mode == SVM_POLICY_MODE_NUMA && d.zone == SVM_POLICY_ZONE_MOVABLE && !strcmp(d.rule, "defaults"),
	      "expander -> numa movable");
	d = decide(pol, (struct svm_policy_subject){ .class = SVM_POLICY_CLASS_ACCELERATOR });
	CHECK(d.mode == SVM_POLICY_MODE_COHERENT && d.zone == SVM_POLICY_ZONE_DEFAULT, "accelerator -> coherent");
	d = decide(pol, (struct svm_policy_subject){ .class = SVM_POLICY_CLASS_UNKNOWN });
	CHECK(d.mode == SVM_POLICY_MODE_NUMA, "unknown class treated as expander");
	svm_policy_free(pol);

	pol = parse("[defaults]\nexpander = coherent\naccelerator = devdax\nzone = normal\n");
	CHECK(pol != NULL, "defaults section: %s", err);
	d = decide(pol, (struct svm_policy_subject){ .class = SVM_POLICY_CLASS_EXPANDER });
	CHECK(d.mode == SVM_POLICY_MODE_COHERENT, "expander default overridden");
	d = decide(pol, (struct svm_policy_subject){ .class = SVM_POLICY_CLASS_ACCELERATOR });
	CHECK(d.mode == SVM_POLICY_MODE_DEVDAX, "accelerator default overridden");
	svm_policy_free(pol);
}

static void test_rules_first_match_wins(void)
{
	struct svm_policy *pol = parse(
		"[rule \"by-serial\"]\n"
		"serial = 0x4d2, 77\n"
		"mode = coherent\n"
		"\n"
		"[rule \"big-on-hb\"]   # comment after a header\n"
		"host-bridge = pci0000:0c\n"
		"size = 1G-\n"
		"mode = numa\n"
		"zone = normal\n"
		"[rule \"small\"]\n"
		"size = -256M\n"
		"class = expander\n"
		"mode = devdax\n"
		"[rule \"by-pci-region\"]\n"
		"pci = 0000:0D:00.0\n"
		"region = region3 region4\n"
		"mode = ignore\n");
	struct svm_policy_decision d;

	CHECK(pol && svm_policy_rule_count(pol) == 4, "four rules: %s", err);
	if (!pol)
		return;
	d = decide(pol, (struct svm_policy_subject){ DEV(.has_serial = true, .serial = 77,
							 .host_bridge = "pci0000:0c"), .size = 4ull << 30 });
	CHECK(d.mode == SVM_POLICY_MODE_COHERENT && !strcmp(d.rule, "by-serial"), "serial rule first");
	d = decide(pol, (struct svm_policy_subject){ DEV(.has_serial = true, .serial = 1234,
							 .host_bridge = "pci0000:0c"), .size = 4ull << 30 });
	CHECK(d.mode == SVM_POLICY_MODE_COHERENT, "0x4d2 == 1234");
	d = decide(pol, (struct svm_policy_subject){ DEV(.has_serial = true, .serial = 5,
							 .host_bridge = "pci0000:0c"), .size = 4ull << 30 });
	CHECK(d.mode == SVM_POLICY_MODE_NUMA && d.zone == SVM_POLICY_ZONE_NORMAL &&
	      !strcmp(d.rule, "big-on-hb"), "host bridge + size rule");
	d = decide(pol, (struct svm_policy_subject){ DEV(.serial = 77, .host_bridge = "pci0000:0c"),
						     .size = 4ull << 30 });
	CHECK(!strcmp(d.rule, "big-on-hb"), "serial not known: serial rule does not match");
	d = decide(pol, (struct svm_policy_subject){ DEV(.host_bridge = "pci0000:de",
							 .class = SVM_POLICY_CLASS_EXPANDER),
						     .size = 256ull << 20, .class = SVM_POLICY_CLASS_EXPANDER });
	CHECK(d.mode == SVM_POLICY_MODE_DEVDAX, "size upper bound inclusive");
	d = decide(pol, (struct svm_policy_subject){ DEV(.host_bridge = "pci0000:de",
							 .class = SVM_POLICY_CLASS_ACCELERATOR),
						     .size = 256ull << 20, .class = SVM_POLICY_CLASS_ACCELERATOR });
	CHECK(d.mode == SVM_POLICY_MODE_COHERENT && !strcmp(d.rule, "defaults"), "class mismatch falls through");
	d = decide(pol, (struct svm_policy_subject){ DEV(.pci = "0000:0d:00.0"), .region = "region4",
						     .size = 1ull << 40 });
	CHECK(d.mode == SVM_POLICY_MODE_IGNORE, "pci (case-insensitive) and region list");
	d = decide(pol, (struct svm_policy_subject){ DEV(.pci = "0000:0d:00.0"), .size = 1ull << 40 });
	CHECK(!strcmp(d.rule, "defaults"), "region unknown yet: region rule does not match");
	svm_policy_free(pol);
}

static void test_rejections(void)
{
	rejects("[rule \"a\"]\nserail = 1\nmode = numa\n", "p.conf:2:", "did you mean 'serial'");
	rejects("[rule \"a\"]\nserial = 1\nmode = nuam\n", "p.conf:3:", "did you mean 'numa'");
	rejects("[rule \"a\"]\nserial = 1\n", "p.conf:1:", "no 'mode'");
	rejects("[rule \"a\"]\nmode = numa\n", "matches nothing", NULL);
	rejects("[rule \"a\"]\nserial = 1\nmode = coherent\nzone = movable\n", "numa only", NULL);
	rejects("[rule \"a\"]\nserial = 1\nmode = numa\ntier = x\n", "p.conf:4:", "tier");
	rejects("[rule \"a\"]\nserial = 1\nserial = 2\nmode = numa\n", "p.conf:3:", "twice");
	rejects("[rule \"a\"]\nserial = 1\nmode = numa\n[rule \"a\"]\nserial = 2\nmode = numa\n",
		"p.conf:4:", "already defined at line 1");
	rejects("[rules \"a\"]\n", "p.conf:1:", "did you mean 'rule'");
	rejects("[rule a]\n", "p.conf:1:", "quoted");
	rejects("[rule \"a b\"]\n", "p.conf:1:", "letters");
	rejects("[defaults\n", "p.conf:1:", "section header");
	rejects("mode = numa\n", "p.conf:1:", "section header");
	rejects("[defaults]\nexpander numa\n", "p.conf:2:", "KEY = VALUE");
	rejects("[defaults]\nexpander =\n", "p.conf:2:", "expected a value");
	rejects("[defaults]\nmode = numa\n", "key in [defaults]", NULL);
	rejects("[defaults]\n[defaults]\n", "p.conf:2:", "second [defaults]");
	rejects("[rule \"a\"]\nsize = 2G-1G\nmode = numa\n", "p.conf:2:", "minimum");
	rejects("[rule \"a\"]\nsize = big\nmode = numa\n", "p.conf:2:", "256M");
	rejects("[rule \"a\"]\nserial = 12z\nmode = numa\n", "p.conf:2:", "'12z'");
	rejects("[rule \"a\"]\nclass = gpu\nmode = numa\n", "p.conf:2:", "expander, accelerator");
}

static void test_load(const char *example)
{
	struct svm_policy *pol = svm_policy_load(example, err, sizeof(err));

	CHECK(pol != NULL, "shipped example parses: %s", err);
	CHECK(pol && svm_policy_rule_count(pol) == 4, "example has 4 rules");
	svm_policy_free(pol);
	pol = svm_policy_load("/nonexistent/policy.conf", err, sizeof(err));
	CHECK(!pol && strstr(err, "No such file"), "missing file: %s", err);
}

/* What docs/policy.md says: serials decimal (010 is ten, not eight), tier refused at
 * load time, a rule sees every device of a set. */
static void test_as_documented(void)
{
	struct svm_policy *pol = parse("[rule \"ten\"]\nserial = 010\nmode = coherent\n");
	struct svm_policy_subject set = { .nr_devices = 2, .size = 512ull << 20,
		.devices = { { .has_serial = true, .serial = 1, .pci = "0000:0d:00.0" },
			     { .has_serial = true, .serial = 2, .pci = "0000:df:00.0" } } };
	struct svm_policy_decision d;

	CHECK(pol != NULL, "serial = 010 parses: %s", err);
	d = decide(pol, (struct svm_policy_subject){ DEV(.has_serial = true, .serial = 10) });
	CHECK(d.mode == SVM_POLICY_MODE_COHERENT, "serial = 010 is decimal ten");
	d = decide(pol, (struct svm_policy_subject){ DEV(.has_serial = true, .serial = 8) });
	CHECK(!strcmp(d.rule, "defaults"), "serial = 010 is not octal eight");
	svm_policy_free(pol);

	rejects("[rule \"t\"]\nserial = 1\nmode = numa\ntier = 4\n", "p.conf:4:", "not supported");

	pol = parse("[rule \"second\"]\nserial = 2\nmode = devdax\n"
		    "[rule \"both-keys-one-device\"]\nserial = 1\npci = 0000:df:00.0\nmode = ignore\n");
	CHECK(pol != NULL, "set rules: %s", err);
	d = decide(pol, set);
	CHECK(d.mode == SVM_POLICY_MODE_DEVDAX && !strcmp(d.rule, "second"),
	      "a rule naming the second device of a set matches the set (%s)", d.rule);
	set.devices[1].serial = 3;
	d = decide(pol, set);
	CHECK(!strcmp(d.rule, "defaults"),
	      "device keys must hold for one device, not across two (%s)", d.rule);
	svm_policy_free(pol);
}

/* isolate and grant: numa, movable; typos and misplaced keys refused */
static void test_isolation(void)
{
	struct svm_policy *pol = parse("[defaults]\nisolate = yes\n"
				       "[rule \"hpc\"]\nserial = 7\nmode = numa\nisolate = yes\n"
				       "grant = /sys/fs/cgroup/hpc.slice jobs/a\n"
				       "[rule \"open\"]\nserial = 8\nmode = numa\nisolate = no\n"
				       "[rule \"normal\"]\nserial = 9\nmode = numa\nzone = normal\n"
				       "[rule \"gpu\"]\nserial = 10\nmode = coherent\n");
	struct svm_policy_decision d;

	CHECK(pol != NULL, "isolation policy: %s", err);
	if (!pol)
		return;
	d = decide(pol, (struct svm_policy_subject){ DEV(.has_serial = true, .serial = 7) });
	CHECK(d.isolate && d.nr_grants == 2 && !strcmp(d.grants[0], "/sys/fs/cgroup/hpc.slice") &&
	      !strcmp(d.grants[1], "jobs/a"), "rule isolate with two grants");
	d = decide(pol, (struct svm_policy_subject){ DEV(.has_serial = true, .serial = 8) });
	CHECK(!d.isolate && !d.nr_grants, "isolate = no beats [defaults]");
	d = decide(pol, (struct svm_policy_subject){ DEV(.has_serial = true, .serial = 9) });
	CHECK(!d.isolate, "zone normal is never isolated");
	d = decide(pol, (struct svm_policy_subject){ DEV(.has_serial = true, .serial = 10) });
	CHECK(!d.isolate, "coherent is never isolated");
	d = decide(pol, (struct svm_policy_subject){ DEV(.has_serial = true, .serial = 11),
						   .class = SVM_POLICY_CLASS_EXPANDER });
	CHECK(d.isolate && !d.nr_grants && !strcmp(d.rule, "defaults"), "[defaults] isolate");
	svm_policy_free(pol);
	pol = parse("[rule \"x\"]\nserial = 1\nmode = numa\n");
	d = decide(pol, (struct svm_policy_subject){ DEV(.has_serial = true, .serial = 1) });
	CHECK(!d.isolate, "not isolated unless asked");
	svm_policy_free(pol);

	rejects("[rule \"x\"]\nserial = 1\nmode = numa\nisolate = ja\n", "p.conf:4",
		"unknown isolate value 'ja'");
	rejects("[rule \"x\"]\nserial = 1\nmode = numa\nisloate = yes\n", "did you mean 'isolate'",
		NULL);
	rejects("[rule \"x\"]\nserial = 1\nmode = numa\ngrnat = a\n", "did you mean 'grant'", NULL);
	rejects("[rule \"x\"]\nserial = 1\nmode = coherent\nisolate = yes\n",
		"'isolate' applies to mode numa only", NULL);
	rejects("[rule \"x\"]\nserial = 1\nmode = numa\nzone = normal\nisolate = yes\n",
		"needs zone movable", NULL);
	rejects("[rule \"x\"]\nserial = 1\nmode = numa\ngrant = a\n", "'grant' needs 'isolate = yes'",
		NULL);
	rejects("[rule \"x\"]\nserial = 1\nmode = numa\nisolate = yes\ngrant = ../etc\n",
		"without '..'", NULL);
	rejects("[defaults]\nzone = normal\nisolate = yes\n", "p.conf:3", "needs zone movable");
	rejects("[defaults]\ngrant = a\n", "unknown key in [defaults] 'grant'", NULL);
}

static void test_place(void)
{
	struct svm_policy *pol = parse(
		"[defaults]\nplace-interval = 5\nplace-rate = 8\n"
		"[place \"db\"]\n"
		"cgroup = /sys/fs/cgroup/system.slice/db.service/ /hpc.slice\n"
		"exe = /usr/bin/postgres\n"
		"uid = 0, root 1000\n"
		"pool = region0\n"
		"[place \"big\"]\n"
		"uid = 1001\n"
		"pool = region12\n"
		"scope = above 2M\n");
	const struct svm_place_rule *r;

	CHECK(pol && svm_policy_place_count(pol) == 2 && svm_policy_rule_count(pol) == 0,
	      "two [place] sections: %s", err);
	if (!pol)
		return;
	CHECK(svm_policy_place_interval(pol) == 5 && svm_policy_place_rate(pol) == 8, "interval, rate");
	r = svm_policy_place_at(pol, 0);
	CHECK(!strcmp(r->name, "db") && r->nr_cgroup == 2 && !strcmp(r->cgroup[0], "/system.slice/db.service") &&
	      !strcmp(r->cgroup[1], "/hpc.slice"), "cgroups as /proc/PID/cgroup shows them");
	CHECK(r->nr_exe == 1 && r->nr_uid == 3 && r->uid[1] == 0 && r->uid[2] == 1000, "exe, uids (root is 0)");
	CHECK(!strcmp(r->region, "region0") && r->scope == SVM_PLACE_SCOPE_ALL, "pool, scope defaults to all");
	r = svm_policy_place_at(pol, 1);
	CHECK(r->scope == SVM_PLACE_SCOPE_ABOVE && r->min_size == 2 << 20 && !strcmp(r->region, "region12"),
	      "scope above 2M");
	CHECK(svm_policy_place_at(pol, 2) == NULL, "no third");
	svm_policy_free(pol);

	pol = parse("");
	CHECK(pol && svm_policy_place_count(pol) == 0 &&
	      svm_policy_place_interval(pol) == SVM_PLACE_INTERVAL_S &&
	      svm_policy_place_rate(pol) == SVM_PLACE_RATE_MIB, "placement off by default");
	svm_policy_free(pol);

	rejects("[place \"a\"]\nuid = 0\npool = region0\nscpoe = all\n", "p.conf:4:", "did you mean 'scope'");
	rejects("[place \"a\"]\nuid = 0\npool = region0\nmode = numa\n", "key in a [place] section 'mode'", "cgroup, exe, uid, pool, scope");
	rejects("[plaec \"a\"]\nuid = 0\n", "p.conf:1:", "did you mean 'place'");
	rejects("[place a]\nuid = 0\npool = region0\n", "p.conf:1:", "[place \"NAME\"]");
	rejects("[place \"a\"]\nuid = 0\n", "p.conf:1:", "has no 'pool'");
	rejects("[place \"a\"]\npool = region0\n", "p.conf:1:", "matches every process");
	rejects("[place \"a\"]\nuid = 0\npool = mem0\n", "p.conf:3:", "expected a region name");
	rejects("[place \"a\"]\nuid = 0\npool = region0\nscope = above 2Q\n", "p.conf:4:", "expected a size");
	rejects("[place \"a\"]\nuid = 0\npool = region0\nscope = some\n", "p.conf:4:", "'all' or 'above SIZE'");
	rejects("[place \"a\"]\nuid = no-such-user-here\npool = region0\n", "p.conf:2:", "nor a known user");
	rejects("[place \"a\"]\ncgroup = ../x\npool = region0\n", "p.conf:2:", "absolute cgroup");
	rejects("[place \"a\"]\nexe = postgres\npool = region0\n", "p.conf:2:", "absolute path");
	rejects("[place \"a\"]\nuid = 0\npool = region0\n[place \"a\"]\n", "p.conf:4:", "already defined at line 1");
	rejects("[defaults]\nplace-rate = 0\n", "p.conf:2:", "MiB/s from 1");
	rejects("[defaults]\nplace-interval = 10s\n", "p.conf:2:", "seconds");
	rejects("[defaults]\nplace-rat = 10\n", "p.conf:2:", "did you mean 'place-rate'");
	/* a bad [place] after good rules: nothing of the file is taken */
	rejects("[rule \"r\"]\nserial = 1\nmode = numa\n[place \"a\"]\nuid = 0\npool = region0\nuid = 1\n",
		"p.conf:7:", "given twice");
}

int main(int argc, char **argv)
{
	test_sizes();
	test_as_documented();
	test_defaults();
	test_rules_first_match_wins();
	test_rejections();
	test_isolation();
	test_place();
	if (argc > 1)
		test_load(argv[1]);
	return check_summary();
}
