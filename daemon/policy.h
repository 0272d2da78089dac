/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The svm-cxl policy: which mode each CXL memdev/region comes up in.
 *
 * A policy file is a list of sections (format in docs/policy.md):
 *
 *   [defaults]                     mode for devices no rule matches
 *   expander = numa
 *   accelerator = coherent
 *   zone = movable
 *
 *   [rule "gpu-memory"]            rules are tried in file order; the first whose
 *   serial = 0x4d2 77              every match key holds decides
 *   mode = coherent
 *
 *   [rule "hpc-only"]              numa, isolated: only the granted cgroups
 *   serial = 99                    allocate there (daemon/cpuset.h)
 *   mode = numa
 *   isolate = yes
 *   grant = /sys/fs/cgroup/hpc.slice
 *
 * Parsing is all-or-nothing: any unknown section, key or value, a missing mode, or a
 * setting that does not apply to the chosen mode rejects the whole file with
 * "FILE:LINE: what was expected", so a daemon can keep its previous policy.
 */
#ifndef SVM_CXL_POLICY_H
#define SVM_CXL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum svm_policy_mode {
	SVM_POLICY_MODE_INVALID = 0,
	SVM_POLICY_MODE_COHERENT,	/* MEMORY_DEVICE_COHERENT pool in svm_cxl.ko */
	SVM_POLICY_MODE_NUMA,		/* dax kmem, a CPU-less NUMA node */
	SVM_POLICY_MODE_DEVDAX,	/* leave the dax device to applications */
	SVM_POLICY_MODE_IGNORE,	/* do not touch the device at all */
};

enum svm_policy_zone {
	SVM_POLICY_ZONE_DEFAULT = 0,	/* not stated: numa mode uses movable */
	SVM_POLICY_ZONE_MOVABLE,
	SVM_POLICY_ZONE_NORMAL,
};

enum svm_policy_class {
	SVM_POLICY_CLASS_UNKNOWN = 0,
	SVM_POLICY_CLASS_EXPANDER,	/* type-3 memory expander */
	SVM_POLICY_CLASS_ACCELERATOR,	/* device-attached memory of an accelerator */
};

#define SVM_POLICY_MAX_DEVICES 16

/* One memdev of a subject. */
struct svm_policy_device {
	bool has_serial;
	uint64_t serial;
	const char *pci;		/* "0000:0d:00.0", or NULL */
	const char *host_bridge;	/* "pci0000:0c", or NULL */
	enum svm_policy_class class;	/* from its PCI class code */
};

/*
 * What a policy decides about: a set of memdevs (one, or the members of an interleave
 * set), and the region over them once there is one. A rule matches when one device of
 * the set satisfies all its device keys (serial, pci, host-bridge, class) and the set
 * satisfies its set keys (region, size).
 */
struct svm_policy_subject {
	unsigned int nr_devices;
	struct svm_policy_device devices[SVM_POLICY_MAX_DEVICES];
	const char *region;		/* "region0", or NULL before assembly */
	uint64_t size;			/* bytes */
	enum svm_policy_class class;	/* of the set, for [defaults]: accelerator if any
					 * device is one */
};

struct svm_policy_decision {
	enum svm_policy_mode mode;
	enum svm_policy_zone zone;		/* numa mode only; never DEFAULT after a decision */
	const char *rule;		/* name of the deciding rule, or "defaults" */
	bool isolate;			/* numa, movable: a CDM-style isolated node */
	const char *const *grants;	/* cgroups granted it (as written), owned by the policy */
	unsigned int nr_grants;
};

/*
 * Placement rules ([place "NAME"] sections, docs/man/svm-cxl-policy.conf.adoc): which
 * processes svm-cxld keeps on which coherent pool (daemon/place.h applies them).
 * A process matches when every stated key holds: its cgroup is one of @cgroup or below
 * it, its executable is one of @exe, its real uid one of @uid. The first rule that
 * matches a process places it.
 */
#define SVM_PLACE_MAX_LIST 16

enum svm_place_scope {
	SVM_PLACE_SCOPE_ALL = 1,	/* every private anonymous page the process has */
	SVM_PLACE_SCOPE_ABOVE,		/* private anonymous mappings of at least min_size */
};

struct svm_place_rule {
	char *name;
	int line;
	char *cgroup[SVM_PLACE_MAX_LIST];	/* "/system.slice/db.service" (no /sys/fs/cgroup) */
	int nr_cgroup;
	char *exe[SVM_PLACE_MAX_LIST];		/* absolute paths */
	int nr_exe;
	uint32_t uid[SVM_PLACE_MAX_LIST];
	int nr_uid;
	char *region;				/* "regionN": the pool inside it */
	enum svm_place_scope scope;
	uint64_t min_size;			/* SCOPE_ABOVE: bytes */
};

/* Defaults of the placement pass ([defaults] place-interval, place-rate). */
#define SVM_PLACE_INTERVAL_S	60
#define SVM_PLACE_RATE_MIB	64

struct svm_policy;

/* On failure these return NULL and leave "NAME:LINE: message" in err. */
struct svm_policy *svm_policy_parse(const char *text, const char *name, char *err, size_t errlen);
struct svm_policy *svm_policy_load(const char *path, char *err, size_t errlen);
/* The built-in policy: expanders numa/movable, accelerators coherent. */
struct svm_policy *svm_policy_default(void);
void svm_policy_free(struct svm_policy *policy);

size_t svm_policy_rule_count(const struct svm_policy *policy);
void svm_policy_decide(const struct svm_policy *policy, const struct svm_policy_subject *subject,
		       struct svm_policy_decision *decision);

size_t svm_policy_place_count(const struct svm_policy *policy);
const struct svm_place_rule *svm_policy_place_at(const struct svm_policy *policy, size_t i);
/* seconds between placement passes, and the MiB/s all of them together may migrate */
unsigned int svm_policy_place_interval(const struct svm_policy *policy);
unsigned int svm_policy_place_rate(const struct svm_policy *policy);

const char *svm_policy_mode_name(enum svm_policy_mode mode);
const char *svm_policy_zone_name(enum svm_policy_zone zone);
const char *svm_policy_class_name(enum svm_policy_class class);

#endif /* SVM_CXL_POLICY_H */
