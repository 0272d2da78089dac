// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host test of what the policy sees of real memdevs (daemon/subject.c) over a fake sysfs
 * tree: mem0 is a type-3 expander (PCI class 0x050210), mem1 a device whose class code
 * is something else (an accelerator exposing CXL.mem), mem2 has no class file. A
 * `class = accelerator` rule matches mem1 and only mem1; [defaults] accelerator applies
 * to it; a set containing mem1 is accelerator memory; a rule naming the second device
 * of a set matches the set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <libsvmcxl.h>
#include "subject.h"
#include "../check.h"
#include "../glue/fake-sysfs.h"

static void memdev(int id, const char *bdf, const char *serial, const char *class)
{
	char pci[128];

	snprintf(pci, sizeof(pci), "pci0000:0c/0000:0c:00.0/%s", bdf);
	fs_memdev(id, pci, serial, class);
}

static const char *decide(struct svm_ctx *ctx, const struct svm_policy *pol, const char *a,
			  const char *b, enum svm_policy_mode *mode, enum svm_policy_class *cls)
{
	struct svm_memdev *mds[2] = { svm_memdev_get_by_name(ctx, a),
				      b ? svm_memdev_get_by_name(ctx, b) : NULL };
	struct svm_policy_subject s;
	struct svm_policy_decision d;

	if (!mds[0] || (b && !mds[1]))
		return "(no such memdev)";
	svmd_subject(ctx, mds, b ? 2 : 1, NULL, &s);
	svm_policy_decide(pol, &s, &d);
	*mode = d.mode;
	*cls = s.class;
	return d.rule;
}

int main(void)
{
	struct svm_ctx *ctx;
	struct svm_policy *pol;
	enum svm_policy_mode mode;
	enum svm_policy_class cls;
	const char *rule;
	char err[256];

	fake_sysfs_enter();
	memdev(0, "0000:0d:00.0", "0x1", "0x050210");
	memdev(1, "0000:0e:00.0", "0x2", "0x120000");
	memdev(2, "0000:0f:00.0", "0x3", NULL);
	if (svm_new(&ctx))
		return 1;
	CHECK(svmd_memdev_class(ctx, svm_memdev_get_by_name(ctx, "mem0")) == SVM_POLICY_CLASS_EXPANDER,
	      "0x050210 is an expander");
	CHECK(svmd_memdev_class(ctx, svm_memdev_get_by_name(ctx, "mem1")) == SVM_POLICY_CLASS_ACCELERATOR,
	      "another class code is an accelerator");
	CHECK(svmd_memdev_class(ctx, svm_memdev_get_by_name(ctx, "mem2")) == SVM_POLICY_CLASS_EXPANDER,
	      "no class code: expander");

	pol = svm_policy_parse("[rule \"accel\"]\nclass = accelerator\nmode = devdax\n"
			       "[rule \"second\"]\nserial = 3\nmode = ignore\n", "p.conf", err,
			       sizeof(err));
	CHECK(pol != NULL, "policy: %s", err);
	if (pol) {
		rule = decide(ctx, pol, "mem1", NULL, &mode, &cls);
		CHECK(!strcmp(rule, "accel") && mode == SVM_POLICY_MODE_DEVDAX,
		      "an accelerator rule matches mem1 (%s)", rule);
		rule = decide(ctx, pol, "mem0", NULL, &mode, &cls);
		CHECK(!strcmp(rule, "defaults") && mode == SVM_POLICY_MODE_NUMA,
		      "and not the expander mem0 (%s)", rule);
		rule = decide(ctx, pol, "mem0", "mem1", &mode, &cls);
		CHECK(!strcmp(rule, "accel") && cls == SVM_POLICY_CLASS_ACCELERATOR,
		      "a set with mem1 is accelerator memory (%s)", rule);
		rule = decide(ctx, pol, "mem0", "mem2", &mode, &cls);
		CHECK(!strcmp(rule, "second"), "a rule naming the second device matches the set (%s)",
		      rule);
		svm_policy_free(pol);
	}
	pol = svm_policy_default();
	rule = decide(ctx, pol, "mem1", NULL, &mode, &cls);
	CHECK(mode == SVM_POLICY_MODE_COHERENT, "[defaults] accelerator = coherent applies to mem1");
	rule = decide(ctx, pol, "mem0", NULL, &mode, &cls);
	CHECK(mode == SVM_POLICY_MODE_NUMA, "[defaults] expander = numa applies to mem0");
	svm_policy_free(pol);
	svm_unref(ctx);
	fake_sysfs_remove();
	return check_summary();
}
